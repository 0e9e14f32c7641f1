"""list-service-deployments, describe-service-deployments, stop-service-deployment,
continue-service-deployment. The last two patch the ECSService annotations the operator
reads (handlers/service_deployments.py); a user may patch them by hand."""

from __future__ import annotations

import click

from ..translate.service_deployment import ANNOTATION_CONTINUE, ANNOTATION_STOP
from ..translate import deployment_shapes as shapes
from . import tables
from .app import Session, api_errors, cli, common_options, emit, fail
from ..k8s.ecs_resources import KUBECTL_ECS as FIELD_MANAGER, annotate_service, get_service


def _table(response: dict) -> str:
    rows = [[d["serviceDeploymentArn"], d.get("status"), d.get("lifecycleStage", ""),
             d.get("targetServiceRevisionArn") or d.get("targetServiceRevision", {}).get("arn"),
             d.get("statusReason", "")] for d in response.get("serviceDeployments", [])]
    return tables.table(["ARN", "STATUS", "STAGE", "TARGET", "REASON"], rows) \
        + tables.failures(response)


@cli.command("list-service-deployments")
@click.option("--service", "name", required=True, help="The service.")
@click.option("--status", "statuses", multiple=True, help="Only deployments in this status.")
@common_options
@api_errors
def list_service_deployments(session: Session, name: str, statuses: tuple[str, ...]) -> None:
    """The service's deployments, latest first, as ListServiceDeployments."""
    resource = get_service(session.namespace, name)
    if resource is None:
        fail(f"service {name} not found in namespace {session.namespace} "
             "(ServiceNotFoundException)")
    found = [shapes.brief(resource, r) for r in shapes.records(resource)
             if not statuses or r["status"] in statuses]
    emit(session, {"serviceDeployments": found}, _table)


def _find(session: Session, reference: str) -> tuple[dict | None, dict | None, str]:
    try:
        namespace, service, recorded = shapes.parse_deployment_arn(reference, session.namespace)
    except ValueError as error:
        fail(str(error))
    resource = get_service(namespace, service)
    return resource, shapes.find(resource or {}, recorded), recorded


@cli.command("describe-service-deployments")
@click.option("--service-deployment-arns", "references", multiple=True, required=True,
              help="Service deployment ARNs (<namespace>/<service>/<number>).")
@click.argument("more", nargs=-1)
@common_options
@api_errors
def describe_service_deployments(session: Session, references: tuple[str, ...],
                                 more: tuple[str, ...]) -> None:
    """Revisions, counts, traffic weights, stage and rollback, as DescribeServiceDeployments."""
    found, failures = [], []
    for reference in references + more:
        resource, record, _ = _find(session, reference)
        if record is None:
            failures.append({"arn": reference, "reason": "MISSING"})
        else:
            found.append(shapes.service_deployment(resource, record))
    emit(session, {"serviceDeployments": found, "failures": failures}, _table)


def _annotate(resource: dict, record: dict, key: str, value: str) -> str:
    meta = resource["metadata"]
    annotate_service(meta["namespace"], meta["name"], key, value, FIELD_MANAGER)
    return shapes.deployment_arn(meta["namespace"], record)


@cli.command("stop-service-deployment")
@click.option("--service-deployment-arn", "reference", required=True)
@click.option("--stop-type", type=click.Choice(["ROLLBACK"]), default="ROLLBACK",
              show_default=True)
@common_options
@api_errors
def stop_service_deployment(session: Session, reference: str, stop_type: str) -> None:
    """Roll a deployment in flight back to its source revision."""
    resource, record, recorded = _find(session, reference)
    if record is None:
        fail(f"service deployment {reference} not found (ServiceDeploymentNotFoundException)")
    if refused := shapes.unstoppable(record):
        fail(f"service deployment {reference}: {refused}")
    arn = _annotate(resource, record, ANNOTATION_STOP, recorded)
    emit(session, {"serviceDeploymentArn": arn}, lambda r: r["serviceDeploymentArn"])


@cli.command("continue-service-deployment")
@click.option("--service-deployment-arn", "reference", required=True)
@click.option("--action", type=click.Choice(["CONTINUE", "ROLLBACK"]), default="CONTINUE",
              show_default=True)
@click.option("--hook-id", default=None, help="Informational: every PAUSE hook at the paused "
                                              "stage is answered.")
@common_options
@api_errors
def continue_service_deployment(session: Session, reference: str, action: str,
                                hook_id: str | None) -> None:
    """Answer the PAUSE hook a deployment waits at: go on, or roll back."""
    resource, record, recorded = _find(session, reference)
    if record is None or shapes.paused_hook(record, None):
        fail(f"service deployment {reference} is not paused at a lifecycle hook")
    arn = _annotate(resource, record, ANNOTATION_CONTINUE,
                    f"{recorded} {action} {record['pausedAt']}")
    emit(session, {"serviceDeploymentArn": arn}, lambda r: r["serviceDeploymentArn"])
