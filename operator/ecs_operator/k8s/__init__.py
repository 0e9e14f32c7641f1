"""The one module that talks to the API server: reads, server-side apply, status patches.

Clients are created on first use (after the operator has loaded its configuration), never at
import time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator, Mapping
from concurrent import futures
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException
from urllib3 import HTTPHeaderDict

from ..metrics import API_REQUESTS
from ..translate.names import FIELD_MANAGER, GROUP, LABEL_FAMILY, LABEL_MANAGED_BY, \
    LABEL_SERVICE, MANAGED_BY

VERSION = "v1alpha1"
_lock = threading.Lock()

# kind -> (API path prefix, plural), for the objects the operator owns.
_PATHS = {
    "Deployment": ("/apis/apps/v1", "deployments"),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions"),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets"),
    "CronJob": ("/apis/batch/v1", "cronjobs"),
    "DaemonSet": ("/apis/apps/v1", "daemonsets"),
    "Pod": ("/api/v1", "pods"),
    "Service": ("/api/v1", "services"),
    "HorizontalPodAutoscaler": ("/apis/autoscaling/v2", "horizontalpodautoscalers"),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims"),
    # Only its spec.rules: the route named by loadBalancers[].advancedConfiguration.
    "HTTPRoute": ("/apis/gateway.networking.k8s.io/v1", "httproutes"),
}
# What a Service may own besides its pods, each labelled with the ECS service's name.
SERVICE_OWNED_KINDS = ("Deployment", "DaemonSet", "PodDisruptionBudget", "Service",
                       "HorizontalPodAutoscaler")
HANDOVER_MANAGER = f"{FIELD_MANAGER}-autoscaling-handover"


def load_configuration() -> None:
    """In a pod, the ServiceAccount; elsewhere, KUBECONFIG or ~/.kube/config."""
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()


# Threads that may call the API server at once: Kopf's handler threads, the appliers, the
# status refreshers, and asyncio's default executor (reverting edits). The client's default
# pool holds 5 connections per CPU; every caller beyond it opened a new TLS connection and
# logged "Connection pool is full" when it was done.
CONNECTION_POOL_SIZE = 32


_client: client.ApiClient | None = None


def _api_client() -> client.ApiClient:
    """One client for the process: threads that ask at the same moment share it (and its
    connection pool) rather than each making one."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                configuration = client.Configuration.get_default_copy()
                configuration.connection_pool_maxsize = CONNECTION_POOL_SIZE
                _client = client.ApiClient(configuration)
    return _client


_identity = threading.local()


@contextlib.contextmanager
def acting_as(user: str, groups: tuple[str, ...] = ()) -> Iterator[None]:
    """This thread's calls impersonate `user` (and its groups): the API server authorises each
    as that identity, so its RBAC decides. The process's own identity needs the impersonate
    verb on users and groups."""
    _identity.current = (user, groups)
    try:
        yield
    finally:
        _identity.current = None


@contextlib.contextmanager
def as_itself() -> Iterator[None]:
    """Within `acting_as`: calls made with the process's own identity (the ECS API checks a
    cluster exists this way, which a namespaced Role cannot grant)."""
    saved = getattr(_identity, "current", None)
    _identity.current = None
    try:
        yield
    finally:
        _identity.current = saved


def _impersonation(headers: dict) -> dict | HTTPHeaderDict:
    current = getattr(_identity, "current", None)
    if current is None:
        return headers
    user, groups = current
    # One Impersonate-Group header per group: the API server reads a comma as part of a name.
    combined = HTTPHeaderDict(headers)
    combined.add("Impersonate-User", user)
    for group in groups:
        combined.add("Impersonate-Group", group)
    return combined


def _call(method: str, path: str, *, body: Any = None, query: list | None = None,
          content_type: str = "application/json") -> Any:
    api = _api_client()
    API_REQUESTS.labels(method).inc()
    method, url, headers, payload, _ = api.param_serialize(
        method, path, query_params=query or [],
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=body, auth_settings=["BearerToken"])
    response = api.call_api(method, url, header_params=_impersonation(headers), body=payload)
    response.read()
    if not 200 <= response.status < 300:
        raise ApiException(http_resp=response)
    return json.loads(response.data) if response.data else None


def apply(obj: dict) -> dict:
    """Server-side apply with the operator's field manager; the operator owns these fields."""
    prefix, plural = _PATHS[obj["kind"]]
    meta = obj["metadata"]
    path = f"{prefix}/namespaces/{meta['namespace']}/{plural}/{meta['name']}"
    return _call("PATCH", path, body=obj, content_type="application/apply-patch+yaml",
                 query=[("fieldManager", FIELD_MANAGER), ("force", "true")])


@functools.cache
def _appliers() -> futures.ThreadPoolExecutor:
    return futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="apply")


def apply_all(objects: list[dict]) -> list[dict]:
    """Applies objects that do not depend on each other (a Service's Deployment, budget, core
    Services, autoscaler) at once: a creation waits for one round trip instead of one each.
    Every apply is attempted and finished before this returns (a retry after a failure must
    not race the rest of the first attempt); the first failure, in the order given, is
    raised."""
    if len(objects) < 2:
        return [apply(obj) for obj in objects]
    pending = [_appliers().submit(apply, obj) for obj in objects]
    futures.wait(pending)
    return [future.result() for future in pending]


def create(obj: dict, namespace: str) -> dict:
    prefix, plural = _PATHS[obj["kind"]]
    return _call("POST", f"{prefix}/namespaces/{namespace}/{plural}", body=obj,
                 query=[("fieldManager", FIELD_MANAGER)])


def create_missing_volumes(objects: list[dict]) -> list[str]:
    """Creates the PersistentVolumes and claims that do not exist yet; never changes one that
    does (a user may have made it, or resized it). Returns "Kind/name" of those created."""
    created = []
    for obj in objects:
        meta = obj["metadata"]
        if obj["kind"] == "PersistentVolume":
            path = "/api/v1/persistentvolumes"
        else:
            prefix, plural = _PATHS[obj["kind"]]
            path = f"{prefix}/namespaces/{meta['namespace']}/{plural}"
        try:
            create_at(path, obj, FIELD_MANAGER)
        except ApiException as error:
            if error.status != 409:
                raise
        else:
            created.append(f"{obj['kind']}/{meta['name']}")
    return created


def get_persistent_volume(name: str) -> dict | None:
    return get(f"/api/v1/persistentvolumes/{name}")


def get_custom(plural: str, namespace: str, name: str) -> dict | None:
    API_REQUESTS.labels("GET").inc()
    try:
        return client.CustomObjectsApi(_api_client()).get_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, name)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def list_custom(plural: str, namespace: str) -> list[dict]:
    API_REQUESTS.labels("GET").inc()
    return client.CustomObjectsApi(_api_client()).list_namespaced_custom_object(
        GROUP, VERSION, namespace, plural)["items"]


def patch_status(plural: str, namespace: str, name: str, status: dict,
                 previous: dict | None) -> None:
    """A merge patch of the whole status: keys that disappeared are removed explicitly."""
    body = dict(status)
    for key in (previous or {}):
        body.setdefault(key, None)
    _call("PATCH", f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{plural}/{name}/status",
          body={"status": body}, content_type="application/merge-patch+json")


def controller_revisions(namespace: str, family_slug: str) -> list[dict]:
    """A family's TaskDefinition revisions. A DAEMON service's DaemonSet records its own
    ControllerRevisions with the pod labels, family included; those carry the service label."""
    selector = f"{LABEL_FAMILY}={family_slug},!{LABEL_SERVICE}"
    return _call("GET", f"/apis/apps/v1/namespaces/{namespace}/controllerrevisions",
                 query=[("labelSelector", selector)])["items"]


def service_objects(namespace: str, service: str) -> tuple[dict | None, list[dict], list[dict]]:
    """The Deployment, ReplicaSets and pods of one ECS Service."""
    selector = [("labelSelector", f"{LABEL_SERVICE}={service}")]
    try:
        deployment = _call("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments/{service}")
    except ApiException as error:
        if error.status != 404:
            raise
        deployment = None
    replica_sets = _call("GET", f"/apis/apps/v1/namespaces/{namespace}/replicasets",
                         query=selector)["items"]
    pods = _call("GET", f"/api/v1/namespaces/{namespace}/pods", query=selector)["items"]
    return deployment, replica_sets, pods


def create_pod(pod: dict, namespace: str) -> dict:
    return _call("POST", f"/api/v1/namespaces/{namespace}/pods", body=pod,
                 query=[("fieldManager", FIELD_MANAGER)])


def get_pod(namespace: str, name: str) -> dict | None:
    return _get("Pod", namespace, name)


def delete_pod(namespace: str, name: str) -> None:
    """Graceful: the pod's terminationGracePeriodSeconds (the task's stopTimeout) applies."""
    try:
        _call("DELETE", f"/api/v1/namespaces/{namespace}/pods/{name}")
    except ApiException as error:
        if error.status != 404:
            raise


def delete_custom(plural: str, namespace: str, name: str) -> None:
    try:
        _call("DELETE", f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{plural}/{name}")
    except ApiException as error:
        if error.status != 404:
            raise


def create_custom(plural: str, namespace: str, body: dict) -> dict:
    return _call("POST", f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{plural}", body=body,
                 query=[("fieldManager", FIELD_MANAGER)])


def _get(kind: str, namespace: str, name: str) -> dict | None:
    prefix, plural = _PATHS[kind]
    try:
        return _call("GET", f"{prefix}/namespaces/{namespace}/{plural}/{name}")
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def daemon_objects(namespace: str, service: str) -> tuple[dict | None, list[dict], list[dict]]:
    """The DaemonSet, its ControllerRevisions and the pods of one DAEMON ECS Service."""
    selector = [("labelSelector", f"{LABEL_SERVICE}={service}")]
    daemon = _get("DaemonSet", namespace, service)
    revisions = _call("GET", f"/apis/apps/v1/namespaces/{namespace}/controllerrevisions",
                      query=selector)["items"]
    uid = (daemon or {}).get("metadata", {}).get("uid")
    owned = [r for r in revisions
             if any(ref.get("uid") == uid for ref in r["metadata"].get("ownerReferences", []))]
    pods = _call("GET", f"/api/v1/namespaces/{namespace}/pods", query=selector)["items"]
    return daemon, owned, pods


def get_deployment(namespace: str, name: str) -> dict | None:
    return _get("Deployment", namespace, name)


def get_disruption_budget(namespace: str, name: str) -> dict | None:
    return _get("PodDisruptionBudget", namespace, name)


def prune_service_objects(namespace: str, service: str, owner_uid: str,
                          keep: set[tuple[str, str]],
                          known: Mapping[str, list[dict]] | None = None) -> list[tuple[str, str]]:
    """Deletes what the Service owned but no longer asks for (kind, name); returns it.

    `known`: the Service's objects of some kinds as the caller already holds them (from its
    watches, with labels, name and ownerReferences); only the other kinds are listed."""
    selector = [("labelSelector", f"{LABEL_SERVICE}={service},{LABEL_MANAGED_BY}={MANAGED_BY}")]
    removed = []
    for kind in SERVICE_OWNED_KINDS:
        prefix, plural = _PATHS[kind]
        items = (known or {}).get(kind)
        if items is None:
            items = _call("GET", f"{prefix}/namespaces/{namespace}/{plural}",
                          query=selector)["items"]
        for item in items:
            meta = item["metadata"]
            owned = any(ref.get("uid") == owner_uid for ref in meta.get("ownerReferences", []))
            if owned and (kind, meta["name"]) not in keep:
                try:
                    _call("DELETE", f"{prefix}/namespaces/{namespace}/{plural}/{meta['name']}")
                except ApiException as error:
                    if error.status != 404:
                        raise
                removed.append((kind, meta["name"]))
    return removed


def _owns_replicas(deployment: dict) -> bool:
    for entry in deployment["metadata"].get("managedFields") or []:
        if entry.get("manager") == FIELD_MANAGER and entry.get("operation") == "Apply" \
                and "f:replicas" in (entry.get("fieldsV1") or {}).get("f:spec", {}):
            return True
    return False


def hand_over_replicas(deployment: dict) -> bool:
    """Lets go of a Deployment's replicas without resetting them, so an autoscaler owns them.

    Dropping a field from an applied configuration deletes it when no other manager owns it
    (the Deployment would fall back to 1 replica); a second manager applying the current
    value first keeps it, and the HPA's updates then take it over.
    """
    if not _owns_replicas(deployment):
        return False
    meta = deployment["metadata"]
    prefix, plural = _PATHS["Deployment"]
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"replicas": deployment["spec"].get("replicas", 1)}}
    _call("PATCH", f"{prefix}/namespaces/{meta['namespace']}/{plural}/{meta['name']}",
          body=body, content_type="application/apply-patch+yaml",
          query=[("fieldManager", HANDOVER_MANAGER), ("force", "true")])
    return True


# --- For command-line tools (kubectl-ecs): the user's kubeconfig, their own field manager. ---

def load_kubeconfig(config_file: str | None = None, context: str | None = None) -> str:
    """Load the kubeconfig kubectl would use (KUBECONFIG, ~/.kube/config, or config_file) with
    the given or current context; returns that context's namespace ("default" when unset)."""
    config.load_kube_config(config_file=config_file, context=context)
    contexts, current = config.list_kube_config_contexts(config_file=config_file)
    chosen = next((c for c in contexts if c["name"] == context), None) if context else current
    return ((chosen or {}).get("context") or {}).get("namespace") or "default"


def custom_path(plural: str, namespace: str, name: str | None = None) -> str:
    path = f"/apis/{GROUP}/{VERSION}/namespaces/{namespace}/{plural}"
    return f"{path}/{name}" if name else path


def apply_as(path: str, obj: dict, field_manager: str, force: bool = False) -> dict:
    """Server-side apply of `obj` at `path` (the object's URL) under `field_manager`."""
    query = [("fieldManager", field_manager)]
    if force:
        query.append(("force", "true"))
    return _call("PATCH", path, body=obj, content_type="application/apply-patch+yaml",
                 query=query)


def json_patch(path: str, operations: list[dict], field_manager: str) -> dict:
    return _call("PATCH", path, body=operations, content_type="application/json-patch+json",
                 query=[("fieldManager", field_manager)])


def merge_patch(path: str, patch: dict, field_manager: str) -> dict:
    return _call("PATCH", path, body=patch, content_type="application/merge-patch+json",
                 query=[("fieldManager", field_manager)])


def served_resources(group: str, version: str) -> set[str]:
    """The resources (plurals) the API server serves in a group version; empty when none."""
    found = get(f"/apis/{group}/{version}")
    return {resource["name"] for resource in (found or {}).get("resources", [])
            if "/" not in resource["name"]}


def get(path: str) -> dict | None:
    """The object at `path`, or None when it does not exist."""
    try:
        return _call("GET", path)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def create_at(path: str, obj: dict, field_manager: str) -> dict:
    return _call("POST", path, body=obj, query=[("fieldManager", field_manager)])


def list_at(path: str, label_selector: str | None = None) -> list[dict]:
    query = [("labelSelector", label_selector)] if label_selector else []
    return _call("GET", path, query=query)["items"]


def delete_at(path: str) -> None:
    try:
        _call("DELETE", path)
    except ApiException as error:
        if error.status != 404:
            raise
