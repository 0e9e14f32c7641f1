"""Reading and changing the operator's resources, through the project's k8s module."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import k8s
from ..translate.names import GROUP, LABEL_SERVICE
from .app import FIELD_MANAGER
from .shapes import split_reference

SERVICES = "ecsservices"
TASKS = "ecstasks"
TASK_DEFINITIONS = "taskdefinitions"
ANNOTATION_RESTARTED_AT = f"{GROUP}/restartedAt"


def pods_path(namespace: str, name: str | None = None) -> str:
    base = f"/api/v1/namespaces/{namespace}/pods"
    return f"{base}/{name}" if name else base


def deployment_path(namespace: str, name: str) -> str:
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"


def get_service(namespace: str, reference: str) -> dict | None:
    where, name = split_reference(reference, namespace)
    return k8s.get(k8s.custom_path(SERVICES, where, name))


def get_task(namespace: str, reference: str) -> tuple[str, dict] | None:
    """("task", Task resource) or ("pod", a service's pod), or None when neither exists."""
    where, name = split_reference(reference, namespace)
    task = k8s.get(k8s.custom_path(TASKS, where, name))
    if task is not None:
        return "task", task
    pod = k8s.get(pods_path(where, name))
    if pod is not None and LABEL_SERVICE in (pod["metadata"].get("labels") or {}):
        return "pod", pod
    return None


def list_tasks(namespace: str) -> list[dict]:
    return k8s.list_at(k8s.custom_path(TASKS, namespace))


def list_service_pods(namespace: str, service: str | None = None) -> list[dict]:
    selector = f"{LABEL_SERVICE}={service}" if service else LABEL_SERVICE
    return k8s.list_at(pods_path(namespace), selector)


def register_task_definition(namespace: str, manifest: dict) -> dict:
    """Create the TaskDefinition, or replace its whole spec: as RegisterTaskDefinition, the
    body is the complete new revision (fields it leaves out are gone, not kept)."""
    name = manifest["metadata"]["name"]
    path = k8s.custom_path(TASK_DEFINITIONS, namespace, name)
    if k8s.get(path) is None:
        body = {**manifest, "metadata": {**manifest["metadata"], "namespace": namespace}}
        return k8s.create_at(k8s.custom_path(TASK_DEFINITIONS, namespace), body, FIELD_MANAGER)
    return k8s.json_patch(path, [{"op": "replace", "path": "/spec", "value": manifest["spec"]}],
                          FIELD_MANAGER)


def get_task_definition(namespace: str, name: str) -> dict | None:
    return k8s.get(k8s.custom_path(TASK_DEFINITIONS, namespace, name))


def create_task(namespace: str, body: dict) -> dict:
    return k8s.create_at(k8s.custom_path(TASKS, namespace), body, FIELD_MANAGER)


def stop_task(namespace: str, name: str, reason: str) -> dict:
    return k8s.merge_patch(k8s.custom_path(TASKS, namespace, name),
                           {"spec": {"desiredStatus": "STOPPED", "stoppedReason": reason}},
                           FIELD_MANAGER)


def stop_service_pod(namespace: str, name: str) -> None:
    """The Service replaces it, as ECS's scheduler replaces a stopped service task."""
    k8s.delete_at(pods_path(namespace, name))


def patch_service_spec(namespace: str, name: str, changes: dict) -> dict:
    return k8s.merge_patch(k8s.custom_path(SERVICES, namespace, name), {"spec": changes},
                           FIELD_MANAGER)


def force_new_deployment(namespace: str, name: str, now: datetime | None = None) -> str:
    """Restart the Service's tasks: a new pod-template annotation makes a new ReplicaSet.

    Applied server-side under kubectl-ecs's own field manager, so the operator's apply (manager
    ecs-operator), which never sets this annotation, leaves it in place.
    """
    moment = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    k8s.apply_as(deployment_path(namespace, name), {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"metadata": {"annotations": {ANNOTATION_RESTARTED_AT: moment}}}},
    }, FIELD_MANAGER)
    return moment
