"""Production and test traffic weights of a service deployment's revisions, as its records
show them: the share of the ready tasks on a plain Kubernetes Service, or the share the
deployment asks for where an HTTPRoute splits traffic by weight (gateway_routes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # service_deployment imports this module
    from .service_deployment import Wanted


def asked_shares(record: dict, steps: list[float], shifted: bool,
                 wanted: Wanted) -> dict[str, float] | None:
    """The production share (percent) of each revision production selects, as the deployment
    asks it; None while rolling back, where the ready tasks decide (the source is not whole
    yet). `steps`: the strategy's production shares; `shifted`: the current step's shift is
    done. While a CANARY / LINEAR step shifts, the previous step's share holds until the
    target has the step's tasks ready."""
    if len(wanted.production) == 1:
        return {wanted.production[0]: 100.0}
    if record["status"] != "IN_PROGRESS":
        return None
    step = int(record.get("trafficStep", 0))
    target_share = steps[step] if shifted else (steps[step - 1] if step else 0.0)
    source, target = wanted.production
    return {source: round(100.0 - target_share, 1), target: target_share}


def counted(record: dict, wanted: Wanted, ready: dict[str, int],
             asked: dict[str, float] | None) -> dict:
    """The record's revisions with the counts and traffic weights now asked for: `asked`
    when given (an HTTPRoute's weights), else the share of the ready tasks."""
    serving = sum(ready.get(r, 0) for r in wanted.production)

    def summary(entry: dict) -> dict:
        arn = entry["arn"]
        if arn not in wanted.production:
            weight = 0.0
        elif asked is not None:
            weight = asked[arn]
        elif len(wanted.production) == 1:
            weight = 100.0
        else:
            weight = round(100.0 * ready.get(arn, 0) / serving, 1) if serving else 0.0
        return {"arn": arn, "requestedTaskCount": wanted.replicas.get(arn, 0),
                "runningTaskCount": ready.get(arn, 0),
                "requestedProductionTrafficWeight": weight,
                "requestedTestTrafficWeight": 100.0 if wanted.test == arn else 0.0}
    split_by = "HTTPROUTE_WEIGHTS" if asked is not None else "READY_TASKS"
    return {**record, "productionTrafficSplit": split_by,
            "targetServiceRevision": summary(record["targetServiceRevision"]),
            "sourceServiceRevisions": [summary(s) for s in record["sourceServiceRevisions"]]}
