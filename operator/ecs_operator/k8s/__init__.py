"""The one module that talks to the API server: reads, server-side apply, status patches.

Clients are created on first use (after the operator has loaded its configuration), never at
import time.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from ..translate.names import FIELD_MANAGER, GROUP, LABEL_FAMILY, LABEL_SERVICE

VERSION = "v1alpha1"
_lock = threading.Lock()

# kind -> (API path prefix, plural), for the objects the operator owns.
_PATHS = {
    "Deployment": ("/apis/apps/v1", "deployments"),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions"),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets"),
    "CronJob": ("/apis/batch/v1", "cronjobs"),
}


def load_configuration() -> None:
    """In a pod, the ServiceAccount; elsewhere, KUBECONFIG or ~/.kube/config."""
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()


@functools.cache
def _api_client() -> client.ApiClient:
    with _lock:
        return client.ApiClient()


def _call(method: str, path: str, *, body: Any = None, query: list | None = None,
          content_type: str = "application/json") -> Any:
    api = _api_client()
    method, url, headers, payload, _ = api.param_serialize(
        method, path, query_params=query or [],
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=body, auth_settings=["BearerToken"])
    response = api.call_api(method, url, header_params=headers, body=payload)
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


def create(obj: dict, namespace: str) -> dict:
    prefix, plural = _PATHS[obj["kind"]]
    return _call("POST", f"{prefix}/namespaces/{namespace}/{plural}", body=obj,
                 query=[("fieldManager", FIELD_MANAGER)])


def get_custom(plural: str, namespace: str, name: str) -> dict | None:
    try:
        return client.CustomObjectsApi(_api_client()).get_namespaced_custom_object(
            GROUP, VERSION, namespace, plural, name)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


def list_custom(plural: str, namespace: str) -> list[dict]:
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
    return _call("GET", f"/apis/apps/v1/namespaces/{namespace}/controllerrevisions",
                 query=[("labelSelector", f"{LABEL_FAMILY}={family_slug}")])["items"]


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
    try:
        return _call("GET", f"/api/v1/namespaces/{namespace}/pods/{name}")
    except ApiException as error:
        if error.status == 404:
            return None
        raise


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


def list_custom_everywhere(plural: str, namespace: str | None) -> list[dict]:
    """One namespace's objects, or every namespace's when namespace is None."""
    where = f"namespaces/{namespace}/" if namespace else ""
    return _call("GET", f"/apis/{GROUP}/{VERSION}/{where}{plural}")["items"]
