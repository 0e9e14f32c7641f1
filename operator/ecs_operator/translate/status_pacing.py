"""Which status changes a Service writes at once, and which may wait a few seconds.

While a Service's tasks start one after another its counts change several times before it
reaches its desiredCount. Each change written is a status update that the API server decodes,
validates against the CRD's schema, stores and sends to every watcher: in a profile of the API
server while 1,000 Services converged, those updates were a sixth of its CPU. A change that
only says how far the tasks have got can therefore wait; anything a user or the circuit breaker
acts on (a new generation, a condition or rollout state that flips, a stopped or failed task, a
problem) is written at once.
"""

from __future__ import annotations

from .service_status import StatusResult

# What only measures progress: the counts and the tasks' names, the events list (the events
# added are checked on their own) and, in each deployment and condition, the fields that
# follow the counts.
_PROGRESS_FIELDS = frozenset({"runningCount", "pendingCount", "runningTasks", "events"})
_DEPLOYMENT_PROGRESS_FIELDS = frozenset({"runningCount", "pendingCount", "healthyCount",
                                         "updatedAt"})
_CONDITION_PROGRESS_FIELDS = frozenset({"message"})
_PROGRESS_EVENTS = frozenset({"TasksStarted"})


def _without_progress(status: dict) -> dict:
    kept = {key: value for key, value in status.items() if key not in _PROGRESS_FIELDS}
    kept["deployments"] = [
        {key: value for key, value in deployment.items()
         if key not in _DEPLOYMENT_PROGRESS_FIELDS}
        for deployment in status.get("deployments") or []]
    kept["conditions"] = [
        {key: value for key, value in condition.items()
         if key not in _CONDITION_PROGRESS_FIELDS}
        for condition in status.get("conditions") or []]
    return kept


def only_progress(previous: dict, result: StatusResult) -> bool:
    """True when the new status differs from the one written only in how many tasks run or
    wait, and what it tells in Events is only that tasks started."""
    if not previous:
        return False
    if any(event.reason not in _PROGRESS_EVENTS for event in result.events):
        return False
    return _without_progress(previous) == _without_progress(result.status)


def seconds_to_wait(previous: dict, result: StatusResult, *,
                    since_last_write: float | None, interval: float) -> float:
    """How long the write of `result` may wait: 0 to write it now.

    `since_last_write`: seconds since this Service's status was last written, None when not
    known (after a restart). At most one progress-only write per `interval`; the write that
    waits is made when the interval is over, or sooner with the next change that may not wait.
    """
    if interval <= 0 or since_last_write is None or not only_progress(previous, result):
        return 0.0
    return max(0.0, interval - since_last_write)
