"""Kopf's per-event costs that the operator pays thousands of times a minute at scale.

A profile of the operator converging 1,000 Services (docs/performance.md) showed its event
loop, not the API calls, setting the pace; these were the largest pieces of it that change
nothing a user sees, with a write per Service that Kopf's bookkeeping made.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterable
from typing import Any

import kopf
from kopf._cogs.aiokits import aiotoggles

from .translate.names import API_VERSION, GROUP


class EssenceDiffBase(kopf.AnnotationsDiffBaseStorage):
    """Kopf finds what changed in an object by deep-copying all of it and then dropping the
    metadata and status. A Service's status and managedFields are most of its size, and every
    status write comes back as an event, so the copy is made of the essence alone: the same
    result, a fraction of the work."""

    def build(self, *, body: Any, extra_fields: Iterable[Any] | None = None) -> Any:
        extra = list(extra_fields or [])
        heads = {(field.split(".")[0] if isinstance(field, str) else field[0])
                 for field in extra if field}
        slim = {key: value for key, value in body.items()
                if key not in ("metadata", "status") or key in heads}
        if "metadata" not in heads:
            metadata = body.get("metadata") or {}
            # ownerReferences: Kopf names its annotation differently on a Deployment's
            # ReplicaSets, and reads that from the body it is given.
            slim["metadata"] = {key: metadata[key] for key in
                                ("labels", "annotations", "ownerReferences") if key in metadata}
        return super().build(body=kopf.Body(slim), extra_fields=extra)


class OwnKindsDiffBase(EssenceDiffBase):
    """Kopf builds a diff base for every event of every kind it watches, although only the
    operator's own kinds (API group GROUP) have change handlers. Pods, ReplicaSets,
    Deployments and budgets only feed indexes and event handlers, which never read it: for
    them the copy, one per pod event, was about 9 % of the event loop's busy time at 1,000
    Services (docs/performance.md).
    No diff base means an empty diff, which is what Kopf makes of a kind with no change
    handlers anyway."""

    def fetch(self, *, body: Any) -> Any:
        return super().fetch(body=body) if is_own_kind(body) else None

    def build(self, *, body: Any, extra_fields: Iterable[Any] | None = None) -> Any:
        return super().build(body=body, extra_fields=extra_fields) if is_own_kind(body) \
            else None


def is_own_kind(body: Any) -> bool:
    return str(body.get("apiVersion", "")).startswith(f"{GROUP}/")


def is_ecs_service(body: Any) -> bool:
    return body.get("kind") == "Service" and body.get("apiVersion") == API_VERSION


def is_task_definition(body: Any) -> bool:
    return body.get("kind") == "TaskDefinition" and body.get("apiVersion") == API_VERSION


class GenerationDiffBase(OwnKindsDiffBase):
    """For ECS Services and TaskDefinitions, what was last handled is told without an
    annotation patch after each handled change.

    A Service's status carries the generation it reconciled (status.observedGeneration), so
    that is its diff base: the same generation, nothing to handle; an older one, the spec
    changed; no status yet, a creation. Kopf then needs no annotation patch after each handled
    change (1,000 main-resource writes when 1,000 Services are created, each carrying a copy
    of the spec).

    A TaskDefinition's handler also follows its annotations (deregistered revisions, EFS
    provisioning), which move no generation: its diff base is what this process handled
    last, kept in memory (at most `remembered` of them), and the generation after a restart,
    when its resume handler runs anyway. The annotation patch was a third of the operator's
    time to record a revision, which RegisterTaskDefinition waits for.

    The operator's other kinds keep Kopf's annotation."""

    def __init__(self, *args: Any, remembered: int = 10_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._handled: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._remembered = remembered

    def fetch(self, *, body: Any) -> Any:
        if is_task_definition(body):
            handled = self._handled.get((body.get("metadata") or {}).get("uid", ""))
            return handled if handled is not None else self._by_generation(body)
        if not is_ecs_service(body):
            return super().fetch(body=body)
        return self._by_generation(body)

    def _by_generation(self, body: Any) -> Any:
        observed = (body.get("status") or {}).get("observedGeneration")
        if observed is None:
            return None
        essence = self.build(body=body)
        if observed == (body.get("metadata") or {}).get("generation"):
            return essence
        return {key: value for key, value in essence.items() if key != "spec"}

    def store(self, *, body: Any, patch: Any, essence: Any) -> None:
        if is_task_definition(body):
            uid = (body.get("metadata") or {}).get("uid", "")
            self._handled[uid] = essence
            self._handled.move_to_end(uid)
            while len(self._handled) > self._remembered:
                self._handled.popitem(last=False)
        elif not is_ecs_service(body):
            super().store(body=body, patch=patch, essence=essence)


class ServiceProgressStorage(kopf.AnnotationsProgressStorage):
    """Kopf's progress annotations, without the "kopf-managed" marker on ECS Services.

    Kopf records a handler's progress and, once the handler succeeds, removes the record in
    the same patch; but the marker it adds beside the first record stays, and so costs one
    patch per Service created. The marker only tells other Kopf operators to ignore this
    prefix. Progress records of handlers being retried are still written, as annotations.
    """

    def _store_marker(self, prefix: str, patch: Any, body: Any) -> None:
        if not is_ecs_service(body):
            super()._store_marker(prefix=prefix, patch=patch, body=body)


class QuietKopfLines(logging.Filter):
    """Kopf logs every handler's success about an object, and posts those lines as Events.

    Posting "Handler ... succeeded" and "Creation is processed" would be two Event writes per
    change of every Service, next to the operator's own ECS-worded events; warnings and errors
    (a handler that will be retried) are still posted. The per-event lines of watching handlers
    (one per pod or ReplicaSet change, thousands a minute) are not even logged unless the
    operator runs with --verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        if getattr(record, "k8s_skip", False):
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        record.k8s_skip = True
        return True


QUIET_KOPF_LINES = QuietKopfLines()


def install_log_filter() -> None:
    objects = logging.getLogger("kopf.objects")
    if QUIET_KOPF_LINES not in objects.filters:
        objects.addFilter(QUIET_KOPF_LINES)


_condition_wait_for = aiotoggles.ToggleSet.wait_for


async def _shared_wait_for(self: aiotoggles.ToggleSet, state: bool) -> None:
    """Kopf holds every object's first event until the indexes have seen every object of the
    initial listings: each object's worker waits on one condition, and every object indexed
    wakes all the workers already waiting. With N objects that is N*N/2 wake-ups on the event
    loop; at 1,000 Services (about 6,000 pods, ReplicaSets, Deployments and Services) the
    operator ran no handler for minutes after it started. Here one task per awaited state
    waits on the condition and the workers wait for that task: N wake-ups. A waiter still
    returns only when the set is in the state it asked for."""
    wanted = bool(state)
    shared = vars(self).setdefault("_shared_waits", {})
    while self.is_on() != wanted:
        waiting = shared.get(wanted)
        if waiting is None or waiting.done():
            waiting = shared[wanted] = asyncio.ensure_future(_condition_wait_for(self, wanted))
        await asyncio.shield(waiting)


def install_shared_waits() -> None:
    aiotoggles.ToggleSet.wait_for = _shared_wait_for  # type: ignore[method-assign]
