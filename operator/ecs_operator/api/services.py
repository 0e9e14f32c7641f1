"""CreateService, UpdateService, DescribeServices, ListServices, DeleteService."""

from __future__ import annotations

from kubernetes.client.rest import ApiException

from ..k8s import ecs_resources as resources
from ..translate import ecs_shapes as shapes
from ..translate.ecs_api import service_changes
from ..translate.ecs_import import import_service, service_name_slug
from ..translate.errors import TranslationError
from ..translate.strategy_status import FORCE_NEW_WITH_STRATEGY, uses_strategy
from .calls import FIELD_MANAGER, Call, count_in, named_revision
from .protocol import EcsError, invalid_parameter, page


def _shape(call: Call, resource: dict, tags: bool = True) -> dict:
    shaped = shapes.service(resource, call.arns)
    if not tags:
        shaped.pop("tags", None)
    return shaped


def _pinned(call: Call, namespace: str, text: str) -> str:
    """ECS runs the revision a service names when it is created or updated: a bare family
    is pinned to its latest ACTIVE revision then (a later one does not roll out by itself)."""
    _, family, revision = named_revision(namespace, text)
    return f"{family}:{revision}"


def existing_service(namespace: str, reference: str) -> dict:
    try:
        found = resources.get_service(namespace, _name(reference))
    except TranslationError:
        found = None
    if found is None:
        raise EcsError("ServiceNotFoundException", "Service not found.")
    return found


def _name(reference: str) -> str:
    """A service name or ARN -> the Service's object name."""
    return service_name_slug(reference.rsplit("/", 1)[-1])


def create(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    body = {key: value for key, value in request.items() if key != "cluster"}
    if not body.get("taskDefinition"):
        raise invalid_parameter("taskDefinition is required (the operator runs no task "
                                "sets).")
    body["taskDefinition"] = _pinned(call, namespace, body["taskDefinition"])
    try:
        item = import_service(body)
    except TranslationError as error:
        raise invalid_parameter(str(error)) from None
    try:
        created = resources.create_service(namespace, item.manifest, FIELD_MANAGER)
    except ApiException as error:
        if error.status == 409:
            raise invalid_parameter("Creation of service was not idempotent.") from None
        raise
    return {"service": _shape(call, created)}


def update(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    service = existing_service(namespace, request.get("service", ""))
    name = service["metadata"]["name"]
    if request.get("forceNewDeployment") and uses_strategy(service.get("spec") or {}):
        raise invalid_parameter(FORCE_NEW_WITH_STRATEGY)
    changes, _ = service_changes(request)
    if changes.get("taskDefinition"):
        changes["taskDefinition"] = _pinned(call, namespace, changes["taskDefinition"])
    if changes:
        service = resources.patch_service_spec(namespace, name, changes, FIELD_MANAGER)
    if request.get("forceNewDeployment"):
        if (service.get("spec") or {}).get("schedulingStrategy") == "DAEMON":
            raise invalid_parameter("forceNewDeployment is served for REPLICA services only.")
        resources.force_new_deployment(namespace, name, manager=FIELD_MANAGER)
    return {"service": _shape(call, service)}


def describe(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    with_tags = "TAGS" in (request.get("include") or [])
    found, failures = [], []
    for reference in count_in(request.get("services"), "services", 10):
        try:
            found.append(_shape(call, existing_service(namespace, reference), with_tags))
        except EcsError:
            arn = reference if reference.startswith("arn:") \
                else call.arns.service(namespace, reference)
            failures.append(shapes.missing(arn))
    return {"services": found, "failures": failures}


def list_services(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    arns = sorted(
        call.arns.service(namespace, item["metadata"]["name"])
        for item in resources.list_services(namespace)
        if _matches(item.get("spec") or {}, request))
    chosen, token = page(arns, request.get("nextToken"), request.get("maxResults"),
                         default=10)
    return {"serviceArns": chosen, **({"nextToken": token} if token else {})}


def _matches(spec: dict, request: dict) -> bool:
    if request.get("launchType") and spec.get("launchType") != request["launchType"]:
        return False
    strategy = spec.get("schedulingStrategy", "REPLICA")
    return not request.get("schedulingStrategy") or strategy == request["schedulingStrategy"]


def delete(call: Call, request: dict) -> dict:
    """ECS drains a service scaled to 0 (or any, with force); its tasks stop with it."""
    namespace = call.cluster(request)
    service = existing_service(namespace, request.get("service", ""))
    spec = service.get("spec") or {}
    if spec.get("schedulingStrategy", "REPLICA") == "REPLICA" and \
            spec.get("desiredCount", 1) > 0 and not request.get("force"):
        raise invalid_parameter("The service cannot be stopped while it is scaled above 0.")
    resources.delete_service(namespace, service["metadata"]["name"])
    return {"service": {**_shape(call, service), "status": "DRAINING"}}
