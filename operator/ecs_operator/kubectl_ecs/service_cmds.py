"""describe-services, update-service."""

from __future__ import annotations

import click

from ..translate.names import parse_reference
from ..translate.errors import TranslationError
from ..translate import ecs_shapes as shapes
from ..translate.strategy_status import FORCE_NEW_WITH_STRATEGY, uses_strategy
from . import tables
from .app import Session, api_errors, cli, common_options, emit, fail, progress
from ..k8s.ecs_resources import force_new_deployment, get_service, patch_service_spec
from .waiting import WaitFailed, primary_deployment, wait_for_service


@cli.command("describe-services")
@click.option("--services", "names", multiple=True, required=True,
              help="Service names or ARNs (<namespace>/<name>); more may follow, as in aws-cli.")
@click.argument("more", nargs=-1)
@common_options
@api_errors
def describe_services(session: Session, names: tuple[str, ...], more: tuple[str, ...]) -> None:
    """Describe services: counts, deployments and events, as DescribeServices."""
    found, failures = [], []
    for reference in split_names(names + more):
        resource = get_service(session.namespace, reference)
        if resource is None:
            failures.append(shapes.missing(reference))
        else:
            found.append(shapes.service(resource))
    emit(session, {"services": found, "failures": failures}, tables.services)


@cli.command("update-service")
@click.option("--service", "name", required=True, help="The service to update.")
@click.option("--desired-count", type=click.IntRange(min=0), default=None,
              help="Number of tasks to keep running.")
@click.option("--task-definition", default=None,
              help="family, family:revision or a task definition ARN.")
@click.option("--force-new-deployment", "force_new", is_flag=True,
              help="Replace every task, even if nothing else changed.")
@click.option("--wait", is_flag=True, help="Wait until the service reaches a steady state.")
@click.option("--timeout", type=click.IntRange(min=1), default=600, show_default=True,
              help="Seconds --wait waits.")
@common_options
@api_errors
def update_service(session: Session, name: str, desired_count: int | None,
                   task_definition: str | None, force_new: bool, wait: bool,
                   timeout: int) -> None:
    """Change desired count or task definition, or force a new deployment."""
    namespace = session.namespace
    service = get_service(namespace, name)
    if service is None:
        fail(f"service {name} not found in namespace {namespace} (ServiceNotFoundException)")
    name = service["metadata"]["name"]
    if force_new and (service.get("spec") or {}).get("schedulingStrategy") == "DAEMON":
        fail("--force-new-deployment supports REPLICA services only (this one is DAEMON)")
    if force_new and uses_strategy(service.get("spec") or {}):
        fail(FORCE_NEW_WITH_STRATEGY)
    previous_primary = (primary_deployment(service) or {}).get("id")
    changes: dict = {}
    if desired_count is not None:
        changes["desiredCount"] = desired_count
    if task_definition is not None:
        try:
            family, revision = parse_reference(task_definition)
        except TranslationError as error:
            fail(str(error))
        changes["taskDefinition"] = family if revision is None else f"{family}:{revision}"
    if changes:
        service = patch_service_spec(namespace, name, changes)
    if force_new:
        moment = force_new_deployment(namespace, name)
        progress(f"forced a new deployment of {name} at {moment}")
    if wait:
        try:
            service = wait_for_service(namespace, name, timeout,
                                       not_primary=previous_primary if force_new
                                       else None)
        except WaitFailed as error:
            fail(str(error), code=2)
    else:
        service = get_service(namespace, name) or service
    emit(session, {"service": shapes.service(service)},
         lambda response: tables.services({"services": [response["service"]]}))


def split_names(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.replace(",", " ").split()]
