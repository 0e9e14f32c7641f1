"""RunTask, StopTask, DescribeTasks, ListTasks."""

from __future__ import annotations

from ..k8s import ecs_resources as resources
from ..translate import ecs_shapes as shapes
from ..translate.ecs_api import task_manifest
from ..translate.ecs_import import service_name_slug
from ..translate.errors import TranslationError
from .calls import FIELD_MANAGER, Call, count_in, named_revision
from .protocol import EcsError, invalid_parameter, page


def _describe(call: Call, found: tuple[str, dict]) -> dict:
    kind, obj = found
    return shapes.task_from_resource(obj, call.arns) if kind == "task" \
        else shapes.task_from_pod(obj, call.arns)


def run(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    count = request.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= 10:
        raise invalid_parameter("count must be between 1 and 10.")
    _, family, revision = named_revision(namespace, request.get("taskDefinition", ""))
    manifest, _ = task_manifest(request, f"{family}:{revision}")
    created = [resources.create_task(namespace, manifest, FIELD_MANAGER) for _ in range(count)]
    return {"tasks": [shapes.task_from_resource(task, call.arns) for task in created],
            "failures": []}


def _found(namespace: str, reference: str) -> tuple[str, dict] | None:
    """A task by id or ARN, in the request's cluster only."""
    return resources.get_task(namespace, reference.rsplit("/", 1)[-1])


def stop(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    reason = request.get("reason") or "Task stopped by user"
    found = _found(namespace, request.get("task", ""))
    if found is None:
        raise invalid_parameter("The referenced task was not found.")
    kind, obj = found
    name = obj["metadata"]["name"]
    if kind == "task":
        shaped = shapes.task_from_resource(
            resources.stop_task(namespace, name, reason, FIELD_MANAGER), call.arns)
    else:
        # A service's task is its pod: the service replaces it, as ECS's scheduler does.
        resources.stop_service_pod(namespace, name)
        shaped = shapes.task_from_pod(obj, call.arns)
    # The operator has not stopped it yet: the answer is what was asked, as ECS's is.
    return {"task": {**shaped, "desiredStatus": "STOPPED", "stoppedReason": reason}}


def describe(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    found, failures = [], []
    for reference in count_in(request.get("tasks"), "tasks", 100):
        task = _found(namespace, reference)
        if task is None:
            arn = reference if reference.startswith("arn:") \
                else call.arns.task(namespace, reference)
            failures.append(shapes.missing(arn))
        else:
            found.append(_describe(call, task))
    return {"tasks": found, "failures": failures}


def list_tasks(call: Call, request: dict) -> dict:
    namespace = call.cluster(request)
    service_name = request.get("serviceName")
    if request.get("containerInstance"):
        return {"taskArns": []}  # tasks run on pods here, on no container instance
    if service_name:
        try:
            service_name = service_name_slug(service_name.rsplit("/", 1)[-1])
        except TranslationError:
            service_name = None
        if not service_name or resources.get_service(namespace, service_name) is None:
            raise EcsError("ServiceNotFoundException", "Service not found.")
    tasks = resources.list_tasks(namespace) if not service_name else []
    try:
        arns = shapes.listed_task_arns(tasks, resources.list_service_pods(namespace, service_name),
                                       request.get("family"), request.get("startedBy"),
                                       request.get("desiredStatus") or "RUNNING", call.arns)
    except TranslationError as error:
        raise invalid_parameter(str(error)) from None
    chosen, token = page(arns, request.get("nextToken"), request.get("maxResults"),
                         default=100)
    return {"taskArns": chosen, **({"nextToken": token} if token else {})}
