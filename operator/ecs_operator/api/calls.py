"""What every operation needs: the caller, how ARNs are written, which cluster a request
means, and the checks and resolutions shared by several operations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .. import k8s
from ..k8s import ecs_resources as resources
from ..translate.ecs_api import cluster_namespace, is_cluster, revision_status
from ..translate.ecs_shapes import Arns
from ..translate.errors import TranslationError
from ..translate.names import family_slug, parse_reference, revision_name
from ..translate.revisions import family_of
from .protocol import EcsError, client_error, invalid_parameter
from .sigv4 import Credential

FIELD_MANAGER = "ecs-api"


@dataclass(frozen=True)
class Call:
    credential: Credential
    arns: Arns
    default_cluster: str
    operation: str = ""

    @property
    def definitions_namespace(self) -> str:
        """Task definitions are namespaced here: the key's cluster holds the caller's."""
        return self.credential.cluster or self.default_cluster

    def cluster(self, request: dict) -> str:
        """The namespace of the request's cluster (the key's when none is named), which must
        exist as a cluster."""
        name = request.get("cluster") or self.definitions_namespace
        try:
            namespace = cluster_namespace(name)
        except TranslationError as error:
            raise EcsError("ClusterNotFoundException", f"Cluster not found. {error}") from None
        if not cluster_exists(namespace):
            raise EcsError("ClusterNotFoundException", f"Cluster not found: {name}.")
        return namespace


class ClusterCache:
    """Whether a namespace is a cluster, remembered for `seconds`: every request names a
    cluster, and asking the API server each time was half of a DescribeService's calls.
    CreateCluster and DeleteCluster through this process take effect at once; elsewhere,
    within `seconds`."""

    def __init__(self, look_up: Callable[[str], bool], seconds: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._look_up, self._seconds, self._clock = look_up, seconds, clock
        self._known: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def exists(self, namespace: str) -> bool:
        now = self._clock()
        with self._lock:
            known = self._known.get(namespace)
        if known is not None and now - known[1] < self._seconds:
            return known[0]
        found = self._look_up(namespace)
        with self._lock:
            self._known[namespace] = (found, now)
        return found

    def forget(self, namespace: str) -> None:
        with self._lock:
            self._known.pop(namespace, None)


def _is_cluster_namespace(namespace: str) -> bool:
    with k8s.as_itself():
        return is_cluster(resources.get_namespace(namespace))


CLUSTERS = ClusterCache(_is_cluster_namespace)


def cluster_exists(namespace: str) -> bool:
    return CLUSTERS.exists(namespace)


def reference(text: str) -> tuple[str, int | None]:
    try:
        return parse_reference(text)
    except TranslationError as error:
        raise client_error(str(error)) from None


def task_definition_of(namespace: str, family: str) -> dict:
    try:
        name = family_slug(family)
    except TranslationError as error:
        raise client_error(str(error)) from None
    found = resources.get_task_definition(namespace, name)
    status = (found or {}).get("status") or {}
    recorded_family = status.get("family") or family_of(name, (found or {}).get("spec") or {})
    latest = _latest_recorded(namespace, recorded_family, int(status.get("revision") or 0)) \
        if found is not None else 0
    if not latest:
        raise client_error(f"Unable to describe task definition {family} "
                           f"(cluster {namespace}).")
    return {**found, "status": {**status, "revision": latest, "family": recorded_family}}


def _latest_recorded(namespace: str, family: str, revision: int) -> int:
    """The status's revision, or a newer one already recorded: RegisterTaskDefinition
    answers once the operator has written the revision's ControllerRevision, a moment before
    its status says so, and the caller may use it at once."""
    while resources.get_revision(namespace, revision_name(family, revision + 1)) is not None:
        revision += 1
    return revision


def named_revision(namespace: str, text: str, require_active: bool = True
                   ) -> tuple[dict, str, int]:
    """(TaskDefinition, family, revision) a request's `taskDefinition` names: a pinned
    revision, or the family's latest ACTIVE one (what ECS uses for a bare family). What is
    run must be ACTIVE; what is described need not be."""
    family, revision = reference(text)
    resource = task_definition_of(namespace, family)
    family = resource["status"].get("family") or family
    latest = resource["status"]["revision"]
    if revision is None:
        revision = next((n for n in range(latest, 0, -1)
                         if revision_status(resource, n) == "ACTIVE"), None)
        if revision is None and require_active:
            raise client_error(f"TaskDefinition {family} has no ACTIVE revision.")
        revision = revision or latest
    elif revision > latest:
        raise client_error(f"Unable to describe task definition {family}:{revision}.")
    elif require_active and revision_status(resource, revision) != "ACTIVE":
        raise client_error(f"TaskDefinition {family}:{revision} is inactive")
    return resource, family, revision


def count_in(values: list, name: str, maximum: int) -> list:
    if not isinstance(values, list) or not values:
        raise invalid_parameter(f"{name} can not be empty.")
    if len(values) > maximum:
        raise invalid_parameter(f"{name} can have at most {maximum} elements.")
    return values
