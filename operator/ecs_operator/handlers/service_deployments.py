"""BLUE_GREEN, CANARY and LINEAR services: observe ready tasks per revision, advance the
service deployment (translate/service_deployment.py) and return the objects to apply.

Users steer a deployment in flight through annotations on the ECSService, which
`kubectl ecs continue-service-deployment` / `stop-service-deployment` patch and a user may
patch by hand:
- ecs.operator.dev/continue-service-deployment: "<serviceDeploymentArn> CONTINUE|ROLLBACK
  [STAGE]" (without STAGE, it answers whichever stage is paused);
- ecs.operator.dev/stop-service-deployment: "<serviceDeploymentArn>" (a rollback).
A timer evaluates every Service with a deployment in flight, so bake times end, hooks are
answered and progress is made without any other event.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import time
from datetime import datetime, timezone

import kopf

from .. import k8s, metrics
from ..translate.circuit_breaker import task_failures
from ..translate.deployment_entries import is_healthy, pods_by_revision
from ..translate.deployment_guards import outcome
from ..translate.gateway_routes import GATEWAY_GROUP, production_shares, route_bindings
from ..translate.names import GROUP, LABEL_SERVICE
from ..translate.placement import placement
from ..translate.pod import pod_spec
from ..translate.service import pod_template
from ..translate.rolling_records import hand_over
from ..translate.service_deployment import ANNOTATION_CONTINUE, ANNOTATION_STOP, IN_FLIGHT, \
    STRATEGIES, Requests, Step, advance
from ..translate.service_objects import ServiceObjects
from ..translate.strategy_objects import strategy_objects
from . import hook_calls
from .alarm_watch import firing_alarms_now
from .observed import VIEWS

log = logging.getLogger(__name__)
# `ecs-operator run --bake-time-scale`: multiplies every bake time (a test and demo aid:
# 0.01 makes a minute 0.6 s).
BAKE_TIME_SCALE_ENV = "ECS_OPERATOR_BAKE_TIME_SCALE"
TIMER_SECONDS = 2.0
NO_GATEWAY_API = ("loadBalancers[].advancedConfiguration: the API server serves no HTTPRoute "
                  "(install the Gateway API CRDs)")


# Whether the API server serves HTTPRoute changes only when CRDs are installed or removed: one
# discovery request serves every Service's evaluations (every 2 s each) for this long.
DISCOVERY_SECONDS = 30.0
_discovered: tuple[float, bool] | None = None


def _serves_httproutes() -> bool:
    global _discovered
    now = time.monotonic()
    if _discovered is None or now - _discovered[0] > DISCOVERY_SECONDS:
        _discovered = (now, "httproutes" in k8s.served_resources(GATEWAY_GROUP, "v1"))
    return _discovered[1]


def requests(annotations: dict) -> Requests:
    continued: dict[str, tuple[str, str | None]] = {}
    words = (annotations.get(ANNOTATION_CONTINUE) or "").split()
    if len(words) >= 2 and words[1].upper() in ("CONTINUE", "ROLLBACK"):
        continued[words[0]] = (words[1].upper(), words[2] if len(words) > 2 else None)
    stopped = frozenset(a for a in (annotations.get(ANNOTATION_STOP) or "").replace(",", " ")
                        .split())
    return Requests(continued, stopped)


def ready_by_revision(pods: list[dict]) -> dict[str, int]:
    return {revision: sum(is_healthy(p) for p in group)
            for revision, group in pods_by_revision(pods).items()}


def failed_by_revision(pods: list[dict]) -> dict[str, int]:
    """Failed tasks per revision, counted as the ROLLING path's circuit breaker counts them."""
    return {revision: task_failures(group)
            for revision, group in pods_by_revision(pods).items()}


def plan(service: dict, target: str, wanted: ServiceObjects,
         resolve: object) -> tuple[ServiceObjects, Step]:
    """`resolve(reference)` -> (family, revision, task definition model), as services.py
    resolves the spec's."""
    meta, spec = service["metadata"], service.get("spec", {})
    namespace, name = meta["namespace"], meta["name"]
    _, _, pods = VIEWS.replica_service(namespace, name)
    routes = route_bindings(spec)
    if routes and not _serves_httproutes():
        # Applying the routes would fail every evaluation and hold the deployment: it runs
        # split by ready tasks, and the status says why.
        wanted = ServiceObjects(wanted.objects, sorted({*wanted.unsupported, NO_GATEWAY_API}))
        routes = []
    now = datetime.now(timezone.utc)
    evaluate = functools.partial(
        advance, service=name, target=target, desired=int(spec.get("desiredCount", 1)),
        config=spec.get("deploymentConfiguration") or {},
        records=hand_over((service.get("status") or {}).get("serviceDeployments") or [], now),
        ready=ready_by_revision(pods), now=now,
        bake_scale=float(os.environ.get(BAKE_TIME_SCALE_ENV, "1")),
        failed=failed_by_revision(pods), firing=firing_alarms_now(namespace, name, spec),
        weighted=bool(routes))
    asked = requests(meta.get("annotations") or {})
    step = evaluate(requests=asked)
    if step.hook_calls:
        # The same evaluation again, at the same moment, now with the hooks' answers.
        answers = hook_calls.call_all(namespace, name, step.hook_calls)
        step = evaluate(requests=dataclasses.replace(asked, hook_answers=answers))
    scheduling = placement(spec, selector={LABEL_SERVICE: name}).pod_fields()
    templates = {}
    for arn in step.wanted.replicas:
        family, number, model = resolve(arn)  # type: ignore[operator]
        templates[arn] = pod_template(name=name, family=family, revision=number,
                                      pod=pod_spec(model), scheduling=scheduling)
    shares = production_shares(step.records[0] if step.records else None,
                               step.wanted.production)
    return strategy_objects(wanted, service=name, plan=step.wanted, templates=templates,
                            routes=routes, shares=shares), step


def report(service: dict, step: Step) -> None:
    """Posts the evaluation's events, Warnings when the breaker or an alarm failed the
    deployment; a rollback counts in ecs_service_rollbacks_total, as ROLLING's do."""
    meta = service["metadata"]
    before = (service.get("status") or {}).get("serviceDeployments") or []
    failed, rolling_back = outcome(before, step.records)
    if rolling_back:
        metrics.ROLLBACKS.labels(meta["namespace"], meta["name"]).inc()
    emit = kopf.warn if failed else kopf.info
    for message in step.events:
        emit(service, reason="ServiceDeploymentFailed" if failed else "ServiceDeployment",
             message=message)


def in_flight(status: kopf.Status, **_: object) -> bool:
    """A BLUE_GREEN, CANARY or LINEAR deployment is under way (a ROLLING one's record follows
    its ReplicaSets' events; it needs no timer)."""
    records = status.get("serviceDeployments") or []
    return bool(records) and records[0].get("status") in IN_FLIGHT \
        and records[0].get("strategy") in STRATEGIES


@kopf.timer(GROUP, "v1alpha1", "ecsservices", interval=TIMER_SECONDS, when=in_flight)
def service_deployment_due(namespace: str, name: str, **_: object) -> None:
    from .services import reconcile  # services.py imports this module
    reconcile(namespace, name)
