"""CreateCluster, DescribeClusters, ListClusters, DeleteCluster: a cluster is a namespace
labelled ecs.operator.dev/cluster=true."""

from __future__ import annotations

from .. import k8s
from ..k8s import ecs_resources as resources
from ..translate import ecs_api
from ..translate.errors import TranslationError
from .calls import CLUSTERS, FIELD_MANAGER, Call
from .protocol import EcsError, invalid_parameter, page


def _shape(call: Call, namespace: dict, counted: bool = False, tags: bool = True) -> dict:
    name = namespace["metadata"]["name"]
    services = resources.list_services(name) if counted else None
    tasks = resources.list_tasks(name) if counted else None
    shaped = ecs_api.cluster(namespace, call.arns.cluster(name), services, tasks)
    if not tags:
        shaped.pop("tags")
    return shaped


def _namespace_of(text: str) -> str:
    try:
        return ecs_api.cluster_namespace(text)
    except TranslationError as error:
        raise invalid_parameter(str(error)) from None


def create(call: Call, request: dict) -> dict:
    """Idempotent, as ECS's: an existing cluster is returned; an existing namespace that is
    not one yet becomes one (and stays when the cluster is deleted)."""
    name = _namespace_of(request.get("clusterName") or "default")
    tags = request.get("tags") or []
    existing = resources.get_namespace(name)
    if existing is None:
        existing = resources.create_namespace(ecs_api.namespace_manifest(name, tags),
                                              FIELD_MANAGER)
    elif not ecs_api.is_cluster(existing):
        existing = resources.patch_namespace(
            name, {"metadata": {"labels": {ecs_api.LABEL_CLUSTER: "true"}}}, FIELD_MANAGER)
    CLUSTERS.forget(name)
    return {"cluster": _shape(call, existing)}


def describe(call: Call, request: dict) -> dict:
    include = request.get("include") or []
    found, failures = [], []
    for text in request.get("clusters") or [call.definitions_namespace]:
        try:
            name = ecs_api.cluster_namespace(text)
        except TranslationError:
            failures.append({"arn": text, "reason": "MISSING"})
            continue
        with k8s.as_itself():
            namespace = resources.get_namespace(name)
        if not ecs_api.is_cluster(namespace):
            failures.append({"arn": call.arns.cluster(name), "reason": "MISSING"})
            continue
        found.append(_shape(call, namespace, counted=True, tags="TAGS" in include))
    return {"clusters": found, "failures": failures}


def list_clusters(call: Call, request: dict) -> dict:
    arns = sorted(call.arns.cluster(ns["metadata"]["name"])
                  for ns in resources.list_namespaces(f"{ecs_api.LABEL_CLUSTER}=true")
                  if not ecs_api.is_deleted(ns))
    chosen, token = page(arns, request.get("nextToken"), request.get("maxResults"),
                         default=100)
    return {"clusterArns": chosen, **({"nextToken": token} if token else {})}


def delete(call: Call, request: dict) -> dict:
    name = call.cluster(request)
    namespace = resources.get_namespace(name)
    if resources.list_services(name):
        raise EcsError("ClusterContainsServicesException",
                       "The Cluster cannot be deleted while Services are active.")
    if any((task.get("status") or {}).get("lastStatus") != "STOPPED"
           for task in resources.list_tasks(name)):
        raise EcsError("ClusterContainsTasksException",
                       "The Cluster cannot be deleted while Tasks are active.")
    shaped = {**_shape(call, namespace), "status": "INACTIVE"}
    created_here = (namespace["metadata"].get("annotations") or {}).get(
        ecs_api.ANNOTATION_CREATED_BY) == ecs_api.CREATED_BY_API
    if created_here:
        resources.delete_namespace(name)
    else:
        resources.patch_namespace(name, {"metadata": {"labels": {ecs_api.LABEL_CLUSTER: None}}},
                                  FIELD_MANAGER)
    CLUSTERS.forget(name)
    return {"cluster": shaped}
