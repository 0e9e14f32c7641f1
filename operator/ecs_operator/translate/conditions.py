"""Kubernetes-style conditions that keep their transition time while their status holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def timestamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool | None
    reason: str
    message: str = ""


def _status_text(status: bool | None) -> str:
    return "Unknown" if status is None else ("True" if status else "False")


def merge_conditions(previous: list[dict], wanted: list[Condition], *, generation: int,
                     now: datetime) -> list[dict]:
    """The wanted conditions, each keeping its lastTransitionTime unless its status changed."""
    by_type = {c.get("type"): c for c in previous or []}
    merged = []
    for condition in wanted:
        status = _status_text(condition.status)
        before = by_type.get(condition.type)
        if before and before.get("status") == status and before.get("lastTransitionTime"):
            transitioned = before["lastTransitionTime"]
        else:
            transitioned = timestamp(now)
        merged.append({"type": condition.type, "status": status, "reason": condition.reason,
                       "message": condition.message, "observedGeneration": generation,
                       "lastTransitionTime": transitioned})
    return merged


def condition_status(conditions: list[dict] | None, type_: str) -> str | None:
    for condition in conditions or []:
        if condition.get("type") == type_:
            return condition.get("status")
    return None
