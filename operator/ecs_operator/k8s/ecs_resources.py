"""Reading and changing the operator's resources for the ECS front ends (kubectl-ecs and the
ECS API), each writing under its own field manager."""

from __future__ import annotations

from datetime import datetime, timezone

from kubernetes.client.rest import ApiException

from .. import k8s
from ..translate.ecs_shapes import split_reference
from ..translate.names import GROUP, LABEL_FAMILY, LABEL_SERVICE

SERVICES = "ecsservices"
TASKS = "ecstasks"
TASK_DEFINITIONS = "taskdefinitions"
ANNOTATION_RESTARTED_AT = f"{GROUP}/restartedAt"
KUBECTL_ECS = "kubectl-ecs"


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


def register_task_definition(namespace: str, manifest: dict, manager: str = KUBECTL_ECS) -> dict:
    """Create the TaskDefinition, or replace its whole spec: as RegisterTaskDefinition, the
    body is the complete new revision (fields it leaves out are gone, not kept)."""
    name = manifest["metadata"]["name"]
    path = k8s.custom_path(TASK_DEFINITIONS, namespace, name)
    try:  # a new revision of a family is the common case: one request, not a GET first
        return k8s.json_patch(path, [{"op": "replace", "path": "/spec",
                                      "value": manifest["spec"]}], manager)
    except ApiException as error:
        if error.status != 404:
            raise
    body = {**manifest, "metadata": {**manifest["metadata"], "namespace": namespace}}
    return k8s.create_at(k8s.custom_path(TASK_DEFINITIONS, namespace), body, manager)


def get_task_definition(namespace: str, name: str) -> dict | None:
    return k8s.get(k8s.custom_path(TASK_DEFINITIONS, namespace, name))


def create_task(namespace: str, body: dict, manager: str = KUBECTL_ECS) -> dict:
    return k8s.create_at(k8s.custom_path(TASKS, namespace), body, manager)


def stop_task(namespace: str, name: str, reason: str, manager: str = KUBECTL_ECS) -> dict:
    return k8s.merge_patch(k8s.custom_path(TASKS, namespace, name),
                           {"spec": {"desiredStatus": "STOPPED", "stoppedReason": reason}},
                           manager)


def stop_service_pod(namespace: str, name: str) -> None:
    """The Service replaces it, as ECS's scheduler replaces a stopped service task."""
    k8s.delete_at(pods_path(namespace, name))


def patch_service_spec(namespace: str, name: str, changes: dict,
                       manager: str = KUBECTL_ECS) -> dict:
    return k8s.merge_patch(k8s.custom_path(SERVICES, namespace, name), {"spec": changes},
                           manager)


def annotate_service(namespace: str, name: str, key: str, value: str,
                     manager: str = KUBECTL_ECS) -> dict:
    """Stop and continue requests for a service deployment: the annotations the operator
    reads (handlers/service_deployments.py)."""
    return k8s.merge_patch(k8s.custom_path(SERVICES, namespace, name),
                           {"metadata": {"annotations": {key: value}}}, manager)


def force_new_deployment(namespace: str, name: str, now: datetime | None = None,
                         manager: str = KUBECTL_ECS) -> str:
    """Restart the Service's tasks: a new pod-template annotation makes a new ReplicaSet.

    Applied server-side under the front end's own field manager, so the operator's apply (manager
    ecs-operator), which never sets this annotation, leaves it in place.
    """
    moment = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    k8s.apply_as(deployment_path(namespace, name), {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"metadata": {"annotations": {ANNOTATION_RESTARTED_AT: moment}}}},
    }, manager)
    return moment


# --- For the ECS API: clusters (namespaces), listings, revisions, access keys. ---

def namespace_path(name: str | None = None) -> str:
    return f"/api/v1/namespaces/{name}" if name else "/api/v1/namespaces"


def get_namespace(name: str) -> dict | None:
    return k8s.get(namespace_path(name))


def list_namespaces(label_selector: str) -> list[dict]:
    return k8s.list_at(namespace_path(), label_selector)


def create_namespace(body: dict, manager: str) -> dict:
    return k8s.create_at(namespace_path(), body, manager)


def patch_namespace(name: str, patch: dict, manager: str) -> dict:
    return k8s.merge_patch(namespace_path(name), patch, manager)


def delete_namespace(name: str) -> None:
    k8s.delete_at(namespace_path(name))


def list_services(namespace: str) -> list[dict]:
    return k8s.list_at(k8s.custom_path(SERVICES, namespace))


def create_service(namespace: str, body: dict, manager: str) -> dict:
    return k8s.create_at(k8s.custom_path(SERVICES, namespace), body, manager)


def delete_service(namespace: str, name: str) -> None:
    k8s.delete_at(k8s.custom_path(SERVICES, namespace, name))


def list_task_definitions(namespace: str) -> list[dict]:
    return k8s.list_at(k8s.custom_path(TASK_DEFINITIONS, namespace))


def patch_metadata(plural: str, namespace: str, name: str, metadata: dict,
                   manager: str) -> dict:
    """Labels or annotations of an operator resource: its spec (and revision) stay as they are."""
    return k8s.merge_patch(k8s.custom_path(plural, namespace, name), {"metadata": metadata},
                           manager)


def patch_spec(plural: str, namespace: str, name: str, changes: dict, manager: str) -> dict:
    return k8s.merge_patch(k8s.custom_path(plural, namespace, name), {"spec": changes}, manager)


def revisions_path(namespace: str, name: str | None = None) -> str:
    base = f"/apis/apps/v1/namespaces/{namespace}/controllerrevisions"
    return f"{base}/{name}" if name else base


def get_revision(namespace: str, name: str) -> dict | None:
    return k8s.get(revisions_path(namespace, name))


def list_revisions(namespace: str) -> list[dict]:
    """Every TaskDefinition revision of a namespace (a DAEMON service's own ControllerRevisions
    carry the service label and are not revisions of a task definition)."""
    return k8s.list_at(revisions_path(namespace), f"{LABEL_FAMILY},!{LABEL_SERVICE}")


def list_secrets(namespace: str, label_selector: str) -> list[dict]:
    return k8s.list_at(f"/api/v1/namespaces/{namespace}/secrets", label_selector)
