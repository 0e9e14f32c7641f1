"""What the ECS API's operations make of requests and resources. Pure.

A cluster is a namespace labelled `ecs.operator.dev/cluster: "true"`; its ECS tags are a
JSON annotation. A task definition revision's ECS status (ACTIVE, INACTIVE after
DeregisterTaskDefinition, DELETE_IN_PROGRESS after DeleteTaskDefinitions) is kept in
annotations of its TaskDefinition, so neither changes the spec nor records a revision.
"""

from __future__ import annotations

import json
import re

from ..crds import service as service_crd
from ..crds import task as task_crd
from .ecs_import import prune
from .errors import TranslationError
from .names import API_VERSION, GROUP, family_slug

LABEL_CLUSTER = f"{GROUP}/cluster"
ANNOTATION_CLUSTER_TAGS = f"{GROUP}/cluster-tags"
# CreateCluster made the namespace (DeleteCluster deletes it) or adopted one that existed
# (DeleteCluster only takes the label away).
ANNOTATION_CREATED_BY = f"{GROUP}/cluster-created-by"
CREATED_BY_API = "ecs-api"
ANNOTATION_INACTIVE = f"{GROUP}/inactive-revisions"
ANNOTATION_DELETED = f"{GROUP}/deleted-revisions"
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Not fields of a Service's spec: where it runs, and how the request is made.
SERVICE_REQUEST_ONLY = ("cluster", "service", "forceNewDeployment", "clientToken")
_ARN = re.compile(r"^arn:[a-z0-9-]+:ecs:[a-z0-9-]*:[0-9]*:(?P<kind>[a-z-]+)/(?P<rest>.+)$")


def cluster_namespace(cluster: str) -> str:
    """A cluster name or ARN -> its namespace; ECS allows names a namespace cannot have."""
    name = cluster.split(":cluster/", 1)[-1] if cluster.startswith("arn:") else cluster
    if not _NAMESPACE.match(name):
        raise TranslationError(f"cluster {name!r}: a cluster here is a namespace, so its name "
                               "is at most 63 lowercase letters, digits and '-'")
    return name


def namespace_manifest(name: str, tags: list[dict]) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {LABEL_CLUSTER: "true"},
                         "annotations": {ANNOTATION_CREATED_BY: CREATED_BY_API,
                                         ANNOTATION_CLUSTER_TAGS: json.dumps(tags)}}}


def is_cluster(namespace: dict | None) -> bool:
    return bool(namespace) and \
        (namespace["metadata"].get("labels") or {}).get(LABEL_CLUSTER) == "true"


def is_deleted(namespace: dict) -> bool:
    """DeleteCluster's namespace while Kubernetes removes what it holds: INACTIVE for ECS."""
    return (namespace.get("status") or {}).get("phase") == "Terminating"


def cluster_tags(namespace: dict) -> list[dict]:
    text = (namespace["metadata"].get("annotations") or {}).get(ANNOTATION_CLUSTER_TAGS)
    try:
        tags = json.loads(text) if text else []
    except ValueError:
        return []
    return tags if isinstance(tags, list) else []


def cluster(namespace: dict, cluster_arn: str, services: list[dict] | None = None,
            tasks: list[dict] | None = None) -> dict:
    """DescribeClusters' entry. Counts come from the Services' statuses and the Tasks."""
    meta = namespace["metadata"]
    shaped = {"clusterArn": cluster_arn, "clusterName": meta["name"],
              "status": "INACTIVE" if is_deleted(namespace) else "ACTIVE",
              "registeredContainerInstancesCount": 0,
              "runningTasksCount": 0, "pendingTasksCount": 0, "activeServicesCount": 0,
              "statistics": [], "tags": cluster_tags(namespace),
              "settings": [{"name": "containerInsights", "value": "disabled"}],
              "capacityProviders": [], "defaultCapacityProviderStrategy": []}
    for service in services or []:
        status = service.get("status") or {}
        shaped["activeServicesCount"] += 1
        shaped["runningTasksCount"] += status.get("runningCount", 0)
        shaped["pendingTasksCount"] += status.get("pendingCount", 0)
    for task in tasks or []:
        last = (task.get("status") or {}).get("lastStatus", "PROVISIONING")
        if last == "RUNNING":
            shaped["runningTasksCount"] += 1
        elif last != "STOPPED" and last != "DEPROVISIONING":
            shaped["pendingTasksCount"] += 1
    return shaped


def _revisions(resource: dict, annotation: str) -> set[int]:
    text = (resource["metadata"].get("annotations") or {}).get(annotation, "")
    return {int(part) for part in text.split(",") if part.strip().isdigit()}


def revision_status(resource: dict, revision: int) -> str:
    if revision in _revisions(resource, ANNOTATION_DELETED):
        return "DELETE_IN_PROGRESS"
    if revision in _revisions(resource, ANNOTATION_INACTIVE):
        return "INACTIVE"
    return "ACTIVE"


def with_revision_status(resource: dict, revision: int, status: str) -> dict:
    """The metadata patch that gives `revision` the ECS status `status`."""
    inactive = _revisions(resource, ANNOTATION_INACTIVE)
    deleted = _revisions(resource, ANNOTATION_DELETED)
    if status == "INACTIVE":
        inactive.add(revision)
    elif status == "DELETE_IN_PROGRESS":
        inactive.discard(revision)
        deleted.add(revision)
    return {"annotations": {ANNOTATION_INACTIVE: ",".join(map(str, sorted(inactive))),
                            ANNOTATION_DELETED: ",".join(map(str, sorted(deleted)))}}


def service_changes(request: dict) -> tuple[dict, list[str]]:
    """UpdateService's body as a merge patch of the Service's spec, and the request fields
    the CRD has no place for."""
    changes = {key: value for key, value in request.items() if key not in SERVICE_REQUEST_ONLY}
    kept, dropped = prune(changes, service_crd.SPEC, "")
    return kept, dropped


def task_manifest(request: dict, reference: str) -> tuple[dict, list[str]]:
    """One Task of RunTask (the request's `count` becomes that many Tasks)."""
    fields = {key: value for key, value in request.items()
              if key not in ("cluster", "count", "clientToken", "taskDefinition")}
    spec, dropped = prune(fields, task_crd.SPEC, "")
    spec["taskDefinition"] = reference
    family = reference.split(":")[0]
    return {"apiVersion": API_VERSION, "kind": "Task",
            "metadata": {"generateName": f"{family_slug(family)[:50]}-"}, "spec": spec}, dropped


def resource_of(arn: str) -> tuple[str, str, str]:
    """An ECS ARN -> (kind, cluster, name): ("cluster", name, name), ("service", cluster,
    name), ("task", cluster, id) or ("task-definition", "", "family:revision")."""
    match = _ARN.match(arn or "")
    if not match:
        raise TranslationError(f"resourceArn {arn!r} is not an ECS ARN")
    kind, rest = match["kind"], match["rest"]
    if kind == "cluster":
        return kind, rest, rest
    if kind in ("service", "task") and rest.count("/") == 1:
        where, name = rest.split("/")
        return kind, where, name
    if kind == "task-definition":
        return kind, "", rest
    raise TranslationError(f"resourceArn {arn!r}: tags are served for clusters, services, "
                           "tasks and task definitions")


def merged_tags(existing: list[dict], added: list[dict]) -> list[dict]:
    """TagResource: a key given again takes its new value; order of first appearance kept."""
    values = {tag["key"]: tag.get("value", "") for tag in existing}
    values.update({tag["key"]: tag.get("value", "") for tag in added})
    return [{"key": key, "value": value} for key, value in values.items()]


def without_tags(existing: list[dict], keys: list[str]) -> list[dict]:
    return [tag for tag in existing if tag["key"] not in set(keys)]
