"""ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions,
StopServiceDeployment, ContinueServiceDeployment: the deployment records a BLUE_GREEN, CANARY
or LINEAR Service keeps in its status. Stopping and continuing patch the annotations the
operator reads (handlers/service_deployments.py), as kubectl-ecs does."""

from __future__ import annotations

from ..k8s import ecs_resources as resources
from ..translate import deployment_shapes as shapes
from ..translate.ecs_api import cluster_namespace
from ..translate.errors import TranslationError
from ..translate.names import parse_reference, revision_name
from ..translate.service_deployment import ANNOTATION_CONTINUE, ANNOTATION_STOP
from .calls import FIELD_MANAGER, Call, cluster_exists, count_in
from .protocol import EcsError, epoch_seconds, invalid_parameter, page
from .services import existing_service

STOP_TYPES = ("ROLLBACK", "ABORT")
ACTIONS = ("CONTINUE", "ROLLBACK")


def list_deployments(call: Call, request: dict) -> dict:
    """Latest first, as ECS lists them; `status` and `createdAt` filter."""
    namespace = call.cluster(request)
    service = existing_service(namespace, request.get("service", ""))
    wanted = set(request.get("status") or [])
    window = request.get("createdAt") or {}
    found = [shapes.brief(service, record, call.arns) for record in shapes.records(service)
             if (not wanted or record["status"] in wanted) and _created_within(record, window)]
    by_arn = {item["serviceDeploymentArn"]: item for item in found}
    chosen, token = page(list(by_arn), request.get("nextToken"), request.get("maxResults"),
                         default=20)
    return {"serviceDeployments": [by_arn[arn] for arn in chosen],
            **({"nextToken": token} if token else {})}


def _created_within(record: dict, window: dict) -> bool:
    if not window:
        return True
    if not record.get("createdAt"):
        return False
    created = epoch_seconds(record["createdAt"])
    return (window.get("after") is None or created >= float(window["after"])) and \
        (window.get("before") is None or created <= float(window["before"]))


def _deployment(call: Call, reference: str) -> tuple[dict, dict]:
    """(Service, record) an ARN names; ServiceDeploymentNotFoundException otherwise."""
    try:
        namespace, service_name, recorded = shapes.parse_deployment_arn(
            reference, call.definitions_namespace)
    except ValueError as error:
        raise invalid_parameter(str(error)) from None
    service = _service_or_none(namespace, service_name)
    # The record names the Service's object, whose name may be the ECS name's slug.
    number = recorded.rsplit("/", 1)[1]
    record = shapes.find(service, f"{service['metadata']['name']}/{number}") if service \
        else None
    if record is None:
        raise EcsError("ServiceDeploymentNotFoundException",
                       f"The service deployment {reference} does not exist.")
    return service, record


def describe_deployments(call: Call, request: dict) -> dict:
    found, failures = [], []
    for reference in count_in(request.get("serviceDeploymentArns"), "serviceDeploymentArns",
                              20):
        try:
            service, record = _deployment(call, reference)
        except EcsError:
            failures.append({"arn": reference, "reason": "MISSING"})
            continue
        found.append(shapes.service_deployment(service, record, call.arns))
    return {"serviceDeployments": found, "failures": failures}


def describe_revisions(call: Call, request: dict) -> dict:
    found, failures = [], []
    for reference in count_in(request.get("serviceRevisionArns"), "serviceRevisionArns", 20):
        try:
            namespace, service_name, revision = shapes.parse_revision_arn(reference)
        except ValueError as error:
            raise invalid_parameter(str(error)) from None
        service = _service_or_none(namespace, service_name)
        shaped = shapes.service_revision(service, revision, call.arns) if service else None
        if shaped is None:
            failures.append({"arn": reference, "reason": "MISSING"})
            continue
        if recorded := _recorded_spec(namespace, revision):
            shaped["containerImages"] = shapes.container_images(recorded)
        found.append(shaped)
    return {"serviceRevisions": found, "failures": failures}


def _recorded_spec(namespace: str, revision: str) -> dict | None:
    """The task definition a revision (`family:n`) recorded, None when it is gone (deleted)."""
    try:
        family, number = parse_reference(revision)
        name = revision_name(family, number) if number is not None else None
    except TranslationError:
        return None
    record = resources.get_revision(namespace, name) if name else None
    return ((record or {}).get("data") or {}).get("spec")


def _service_or_none(namespace: str, name: str) -> dict | None:
    """The Service an ARN names, or None when its cluster or the Service does not exist: the
    deployment or revision asked for is then what is missing."""
    try:
        cluster_namespace(namespace)
    except TranslationError:
        return None
    if not cluster_exists(namespace):
        return None
    try:
        return existing_service(namespace, name)
    except EcsError:
        return None


def stop(call: Call, request: dict) -> dict:
    """ROLLBACK returns production to the source revision; ECS's ABORT (stop where it is,
    without rolling back) has no counterpart in the operator."""
    stop_type = request.get("stopType") or "ROLLBACK"
    if stop_type not in STOP_TYPES:
        raise invalid_parameter(f"stopType must be one of {', '.join(STOP_TYPES)}")
    if stop_type == "ABORT":
        raise EcsError("UnsupportedFeatureException",
                       "stopType ABORT is not served by ecs-operator: use ROLLBACK.")
    service, record = _deployment(call, request.get("serviceDeploymentArn", ""))
    if refused := shapes.unstoppable(record):
        raise EcsError("UnsupportedFeatureException", refused)
    if record["status"] not in shapes.IN_FLIGHT:
        raise EcsError("ConflictException",
                       f"The service deployment is {record['status']}: only one in progress "
                       "can be stopped.")
    _annotate(service, ANNOTATION_STOP, record["serviceDeploymentArn"])
    return {"serviceDeploymentArn": shapes.deployment_arn(
        service["metadata"]["namespace"], record, call.arns)}


def continue_deployment(call: Call, request: dict) -> dict:
    action = request.get("action") or "CONTINUE"
    if action not in ACTIONS:
        raise invalid_parameter(f"action must be one of {', '.join(ACTIONS)}")
    service, record = _deployment(call, request.get("serviceDeploymentArn", ""))
    refused = shapes.paused_hook(record, request.get("hookId"))
    if refused:
        raise invalid_parameter(refused)
    _annotate(service, ANNOTATION_CONTINUE,
              f"{record['serviceDeploymentArn']} {action} {record['pausedAt']}")
    return {"serviceDeploymentArn": shapes.deployment_arn(
        service["metadata"]["namespace"], record, call.arns)}


def _annotate(service: dict, key: str, value: str) -> None:
    meta = service["metadata"]
    resources.annotate_service(meta["namespace"], meta["name"], key, value, FIELD_MANAGER)
