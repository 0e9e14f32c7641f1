"""What the operator keeps in memory about each Service between two of its events.

Shared by the reconcile (spec) side and the status side, which run on different threads: a
Service's lock serialises both for that Service.
"""

from __future__ import annotations

import collections
import threading

from .. import metrics
from . import alarm_watch

Key = tuple[str, str]

locks: dict[Key, threading.Lock] = collections.defaultdict(threading.Lock)
# What each Service was last applied as (kind, name), so unchanged sets skip the pruning.
applied: dict[Key, set[tuple[str, str]]] = {}
# Each Service as last reconciled, with its current status (see remember).
known: dict[Key, dict] = {}
# When each Service's status was last written (time.monotonic()): progress may wait a while
# after a write (translate/status_pacing.py).
written_at: dict[Key, float] = {}
# The last edit by someone else each service's workload was reverted for: (manager, time).
reverted: dict[Key, tuple[str, str]] = {}
# Services deleted lately, oldest first. Their pods and ReplicaSets go after them, each with a
# few last events; a refresh for each would read the Service only to find it gone (seven
# thousand such reads when a namespace of a thousand Services was deleted).
_gone: collections.OrderedDict[Key, None] = collections.OrderedDict()
_GONE_REMEMBERED = 10_000
_gone_lock = threading.Lock()


def forget(namespace: str, name: str) -> None:
    """The Service is gone: nothing it applied or was reverted for matters any more."""
    known.pop((namespace, name), None)
    applied.pop((namespace, name), None)
    reverted.pop((namespace, name), None)
    written_at.pop((namespace, name), None)
    alarm_watch.forget(namespace, name)
    metrics.STATES.service(namespace, name, None)
    with _gone_lock:
        _gone[(namespace, name)] = None
        _gone.move_to_end((namespace, name))
        while len(_gone) > _GONE_REMEMBERED:
            _gone.popitem(last=False)


def exists_again(namespace: str, name: str) -> None:
    with _gone_lock:
        _gone.pop((namespace, name), None)


def is_gone(namespace: str, name: str) -> bool:
    return (namespace, name) in _gone


def remember(service: dict, status: dict) -> None:
    """The Service as last acted on, with the status it has now: what refreshes compute from.

    The operator is the only writer of a Service's status, so this is what the API server
    holds; a refresh then costs no read, and describes the generation last reconciled.
    """
    meta = service["metadata"]
    known[(meta["namespace"], meta["name"])] = {
        "apiVersion": service.get("apiVersion"), "kind": service.get("kind"),
        "metadata": {key: meta[key] for key in ("namespace", "name", "uid", "generation")
                     if key in meta},
        "spec": service.get("spec", {}), "status": status}
