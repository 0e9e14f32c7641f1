"""What the operator has seen of each Service's workload, kept in memory from its watches.

Every pod, ReplicaSet, Deployment, DaemonSet and DaemonSet revision event used to cost a LIST
of the namespace's pods and ReplicaSets; with a thousand services that is quadratic work for
the API server. Kopf indexes keep the objects (trimmed to the fields the status needs) keyed by
(namespace, service), and Kopf starts no handler before they hold the initial listing, so a
restarted operator never computes a status from half of what exists.

The index functions and the handler that marks a service for a refresh do no I/O, so they are
coroutines: they run on Kopf's event loop instead of waiting for one of the threads that the
blocking reconciles occupy, a wait every pod event used to pay twice.

Status refreshes are also coalesced: a burst of events for one service (three pods starting,
their ReplicaSet counting them) becomes one refresh, not one per event, and the refresh waits
for the burst to end (a second without events, three at most) unless a task has failed.
"""

from __future__ import annotations

import contextvars
import copy
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import kopf

from .. import k8s, metrics
from ..translate.ecs_documents import without_nulls
from ..translate.errors import TranslationError
from ..translate.names import GROUP, LABEL_FAMILY, LABEL_MANAGED_BY, LABEL_SERVICE, \
    MANAGED_BY, parse_reference
from ..translate.revisions import ANNOTATION_DIGEST

log = logging.getLogger(__name__)
Key = tuple[str, str]
INDEXES = ("service_pods", "service_replica_sets", "service_workloads", "service_revisions",
           "family_revisions", "services_by_family", "scheduled_tasks_by_family")
# The kinds the service_workloads index holds.
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "PodDisruptionBudget")
_METADATA = ("name", "namespace", "uid", "labels", "annotations", "ownerReferences",
             "creationTimestamp", "deletionTimestamp", "generation")


def _template_annotations(spec: Mapping) -> dict:
    template = spec.get("template") or {}
    return {"metadata": {"annotations": dict((template.get("metadata") or {})
                                             .get("annotations") or {})}}


def trimmed(body: Mapping) -> dict:
    """The fields service status reads; a fraction of a full object's memory."""
    meta = body.get("metadata") or {}
    spec = body.get("spec") or {}
    kept: dict[str, Any] = {
        "kind": body.get("kind"),
        "metadata": {k: meta[k] for k in _METADATA if k in meta},
        "status": dict(body.get("status") or {}),
    }
    if body.get("kind") == "ControllerRevision":
        kept["revision"] = body.get("revision")
        kept["data"] = {"spec": {"template": _template_annotations(
            ((body.get("data") or {}).get("spec") or {}))}}
    elif body.get("kind") != "Pod":
        kept["spec"] = {"template": _template_annotations(spec)}
        if "replicas" in spec:
            kept["spec"]["replicas"] = spec["replicas"]
    return kept


def _entry(namespace: str | None, labels: Mapping, body: Mapping) -> dict:
    return {(namespace, labels[LABEL_SERVICE]): trimmed(body)}


@kopf.index("", "v1", "pods", labels={LABEL_SERVICE: kopf.PRESENT})
async def service_pods(namespace: str, labels: kopf.Labels, body: kopf.Body,
                       **_: object) -> dict:
    return _entry(namespace, labels, body)


@kopf.index("apps", "v1", "replicasets", labels={LABEL_SERVICE: kopf.PRESENT})
async def service_replica_sets(namespace: str, labels: kopf.Labels, body: kopf.Body,
                         **_: object) -> dict:
    return _entry(namespace, labels, body)


@kopf.index("apps", "v1", "deployments", labels={LABEL_MANAGED_BY: MANAGED_BY,
                                                  LABEL_SERVICE: kopf.PRESENT})
@kopf.index("apps", "v1", "daemonsets", labels={LABEL_MANAGED_BY: MANAGED_BY,
                                                 LABEL_SERVICE: kopf.PRESENT})
@kopf.index("policy", "v1", "poddisruptionbudgets", labels={LABEL_MANAGED_BY: MANAGED_BY,
                                                             LABEL_SERVICE: kopf.PRESENT})
async def service_workloads(namespace: str, labels: kopf.Labels, body: kopf.Body,
                      **_: object) -> dict:
    return _entry(namespace, labels, body)


@kopf.index("apps", "v1", "controllerrevisions", labels={LABEL_SERVICE: kopf.PRESENT})
async def service_revisions(namespace: str, labels: kopf.Labels, body: kopf.Body,
                      **_: object) -> dict:
    """A DaemonSet's revisions (TaskDefinition revisions carry no service label)."""
    return _entry(namespace, labels, body)


@kopf.index("apps", "v1", "controllerrevisions", labels={LABEL_FAMILY: kopf.PRESENT,
                                                          LABEL_SERVICE: kopf.ABSENT})
async def family_revisions(namespace: str, labels: kopf.Labels, body: kopf.Body,
                           **_: object) -> dict:
    """TaskDefinition revisions by family, so resolving a Service's reference lists nothing.
    A revision's data never changes, so holding it is safe."""
    digest = (body.get("metadata", {}).get("annotations") or {}).get(ANNOTATION_DIGEST, "")
    return {(namespace, labels[LABEL_FAMILY]): {
        "revision": body.get("revision"),
        "metadata": {"annotations": {ANNOTATION_DIGEST: digest}},
        "data": {"spec": copy.deepcopy(dict((body.get("data") or {}).get("spec") or {}))}}}


def by_family(namespace: str, name: str, spec: Mapping) -> dict:
    """{(namespace, family): (name, pinned revision or None)}; {} when the reference cannot
    be read (an empty result drops what the object was indexed under before)."""
    try:
        family, pinned = parse_reference(without_nulls(dict(spec)).get("taskDefinition") or "")
    except TranslationError:
        return {}
    return {(namespace, family): (name, pinned)}


@kopf.index(GROUP, "v1alpha1", "ecsservices")
async def services_by_family(namespace: str, name: str, spec: kopf.Spec,
                             **_: object) -> dict:
    """Services by the family they run, so a new revision finds them without a LIST of every
    Service in the namespace (a thousand Services made each registration list all of them)."""
    return by_family(namespace, name, spec)


@kopf.index(GROUP, "v1alpha1", "scheduledtasks")
async def scheduled_tasks_by_family(namespace: str, name: str, spec: kopf.Spec,
                                    **_: object) -> dict:
    return by_family(namespace, name, spec)


class Views:
    """The indexes, once a handler has been given them; until then, the API server."""

    def __init__(self) -> None:
        self._indexes: dict[str, kopf.Index] = {}
        # The newest revision of each (namespace, family) this operator recorded itself: the
        # index may not have seen it yet when the Services are reconciled for it.
        self._recorded: dict[Key, int] = {}

    def bind(self, kwargs: Mapping[str, Any]) -> None:
        if not self._indexes and all(name in kwargs for name in INDEXES):
            self._indexes = {name: kwargs[name] for name in INDEXES}

    def _items(self, index: str, key: Key) -> list[dict]:
        store = self._indexes[index].get(key)
        return list(store) if store is not None else []

    def _workload(self, key: Key, kind: str) -> dict | None:
        return next((w for w in self._items("service_workloads", key) if w["kind"] == kind
                     and w["metadata"]["name"] == key[1]), None)

    def service_owned(self, namespace: str, name: str) -> dict[str, list[dict]]:
        """Every watched object labelled as the Service's, by kind ({} until the indexes are
        bound): what a prune need not list."""
        if not self._indexes:
            return {}
        items = self._items("service_workloads", (namespace, name))
        return {kind: [w for w in items if w["kind"] == kind] for kind in WORKLOAD_KINDS}

    def has_disruption_budget(self, namespace: str, name: str) -> bool:
        if not self._indexes:
            return k8s.get_disruption_budget(namespace, name) is not None
        return self._workload((namespace, name), "PodDisruptionBudget") is not None

    def recorded(self, namespace: str, family_slug: str, revision: int) -> None:
        key = (namespace, family_slug)
        self._recorded[key] = max(revision, self._recorded.get(key, 0))

    def task_definition_revisions(self, namespace: str, family_slug: str,
                                  wanted: int | None) -> list[dict]:
        """A family's revisions, from the index when it holds `wanted` (None: the newest
        recorded); otherwise from the API server."""
        key = (namespace, family_slug)
        if self._indexes:
            revisions = self._items("family_revisions", key)
            numbers = {int(r["revision"]) for r in revisions}
            newest = self._recorded.get(key, 0)
            if wanted in numbers or (wanted is None and numbers and max(numbers) >= newest):
                return revisions
        return k8s.controller_revisions(namespace, family_slug)

    def following(self, index: str, plural: str, namespace: str, family: str
                  ) -> list[tuple[str, int | None]]:
        """(name, pinned revision or None) of the Services or ScheduledTasks (`index`, of
        kind `plural`) that name a family; a LIST until the indexes are bound."""
        if self._indexes:
            return sorted(self._items(index, (namespace, family)), key=lambda item: item[0])
        found = (by_family(namespace, item["metadata"]["name"], item.get("spec") or {})
                 for item in k8s.list_custom(plural, namespace))
        return sorted((match[(namespace, family)] for match in found
                       if (namespace, family) in match), key=lambda item: item[0])

    def replica_service(self, namespace: str, name: str) -> tuple[dict | None, list[dict],
                                                                  list[dict]]:
        if not self._indexes:
            return k8s.service_objects(namespace, name)
        key = (namespace, name)
        return (self._workload(key, "Deployment"), self._items("service_replica_sets", key),
                self._items("service_pods", key))

    def daemon_service(self, namespace: str, name: str) -> tuple[dict | None, list[dict],
                                                                 list[dict]]:
        if not self._indexes:
            return k8s.daemon_objects(namespace, name)
        key = (namespace, name)
        daemon = self._workload(key, "DaemonSet")
        uid = (daemon or {}).get("metadata", {}).get("uid")
        revisions = [r for r in self._items("service_revisions", key)
                     if any(ref.get("uid") == uid
                            for ref in r["metadata"].get("ownerReferences") or [])]
        return daemon, revisions, self._items("service_pods", key)


VIEWS = Views()


class Coalescer:
    """Runs `work(key)` once marks for the key have stopped for `quiet` seconds, or
    `longest` seconds after the first of them; never twice at once for one key, and once
    for any number of marks that arrive while it waits or runs.

    The wait lets a burst that is spread out a little (a Service's three pods created,
    scheduled, started and passing their health checks one after another) end in one status
    write instead of one per step, while `longest` bounds how stale a status can be.
    """

    def __init__(self, work: Callable[[Key], None], workers: int = 4,
                 retry_after: float = 2.0, quiet: float = 0.0, longest: float = 0.0) -> None:
        self._work = work
        self._retry_after = retry_after
        self._quiet, self._longest = quiet, max(quiet, longest)
        self._ready = threading.Condition()
        self._first_mark: dict[Key, float] = {}  # the keys waiting, since when
        self._due_at: dict[Key, float] = {}
        self._urgent: set[Key] = set()  # waiting keys due at once, whatever marks follow
        self._running: set[Key] = set()
        self._again: dict[Key, bool] = {}  # marked while running -> urgent
        self._later: dict[Key, float] = {}  # deferred while running -> when to run again
        self._deferred: set[Key] = set()  # waiting only for a deferral: not queued work
        self._heap: list[tuple[float, int, Key]] = []  # (due, tie-breaker, key)
        self._sequence = itertools.count()
        self._threads = [threading.Thread(target=self._loop, daemon=True,
                                          name=f"status-refresh-{n}") for n in range(workers)]
        self._started = False
        self._context: contextvars.Context | None = None

    def mark(self, key: Key, urgent: bool = False) -> None:
        """`urgent`: run as soon as a worker is free (a task failed: the circuit breaker
        counts failures as they happen, not a burst later).

        Called from a Kopf handler: its context (Kopf's settings and event queue, which
        kopf.info() needs) is kept for the refreshes."""
        with self._ready:
            if not self._started:
                self._started = True
                self._context = contextvars.copy_context()
                for thread in self._threads:
                    thread.start()
            now = time.monotonic()
            self._deferred.discard(key)
            if key in self._running:
                self._again[key] = self._again.get(key, False) or urgent
            elif key in self._urgent:
                pass  # already due
            elif urgent:
                self._first_mark.setdefault(key, now)
                self._urgent.add(key)
                self._schedule(key, now)
            elif key in self._first_mark:
                self._schedule(key, min(now + self._quiet,
                                        self._first_mark[key] + self._longest))
            else:
                self._first_mark[key] = now
                self._schedule(key, now + self._quiet)
            self._report_depth()

    def defer(self, key: Key, delay: float) -> None:
        """Runs `work(key)` again in `delay` seconds, or sooner if marks bring it forward.

        Called by `work(key)` itself, when what it found may wait (see status_pacing); the
        run is scheduled when the work returns. Called twice, the sooner run is kept."""
        with self._ready:
            if key not in self._running:
                raise RuntimeError(f"defer({key}) outside work({key})")
            due = time.monotonic() + delay
            self._later[key] = min(due, self._later.get(key, due))

    def _report_depth(self) -> None:
        """With the lock held. As a workqueue's depth: what waits for a worker, not what is
        only deferred."""
        metrics.REFRESH_QUEUE.set(len(self._first_mark) - len(self._deferred))

    def _schedule(self, key: Key, due: float) -> None:
        """With the lock held. An earlier entry for the key stays in the heap, skipped.

        A waiting worker sleeps until the heap's first entry is due, so it is woken only for
        an entry due before that: most pod events push a key due a second later, and waking
        a worker for each only made it go back to sleep."""
        wake = not self._heap or due < self._heap[0][0]
        self._due_at[key] = due
        heapq.heappush(self._heap, (due, next(self._sequence), key))
        if wake:
            self._ready.notify()

    def _next(self) -> Key:
        with self._ready:
            while True:
                while self._heap and self._due_at.get(self._heap[0][2]) != self._heap[0][0]:
                    heapq.heappop(self._heap)
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is not None and wait <= 0:
                    key = heapq.heappop(self._heap)[2]
                    del self._first_mark[key], self._due_at[key]
                    self._urgent.discard(key)
                    self._deferred.discard(key)
                    self._running.add(key)
                    self._report_depth()
                    return key
                self._ready.wait(wait)

    def _loop(self) -> None:
        while True:
            key = self._next()
            try:
                (self._context.copy() if self._context else contextvars.Context()).run(
                    self._work, key)
            except Exception:  # noqa: BLE001 - one service's failure must not stop the rest
                log.exception("status refresh of service %s/%s failed; retrying", *key)
                threading.Timer(self._retry_after, self.mark, args=(key,)).start()
            finally:
                with self._ready:
                    self._running.discard(key)
                    later = self._later.pop(key, None)
                    if key in self._again:
                        urgent = self._again.pop(key)
                        self._first_mark[key] = now = time.monotonic()
                        if urgent:
                            self._urgent.add(key)
                        self._schedule(key, now if urgent else now + self._quiet)
                    elif later is not None:
                        self._first_mark[key] = time.monotonic()
                        self._deferred.add(key)
                        self._schedule(key, later)
