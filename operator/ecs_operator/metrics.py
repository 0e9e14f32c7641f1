"""Prometheus metrics on /metrics.

Gauges come from the last status the operator computed for each object (the same numbers
`kubectl get` shows), collected at scrape time; counters count what happened while this
process ran. Labels are bounded: namespace, service, family, state, stop_code, never a pod.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import REGISTRY, Counter as CounterMetric, Gauge, Histogram, Info, \
    start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from . import __version__
from .translate.rolling_records import ROLLING

log = logging.getLogger(__name__)

BUILD_INFO = Info("ecs_operator_build", "The running operator's version.")
RECONCILE_TOTAL = CounterMetric("controller_runtime_reconcile_total",
                                "Reconciliations per controller and result.",
                                ["controller", "result"])
RECONCILE_ERRORS = CounterMetric("controller_runtime_reconcile_errors_total",
                                 "Reconciliations that raised an error.", ["controller"])
RECONCILE_TIME = Histogram("controller_runtime_reconcile_time_seconds",
                           "Time per reconciliation.", ["controller"],
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TASK_STOPS = CounterMetric("ecs_task_stops_total", "Tasks that stopped, by stop code.",
                           ["namespace", "stop_code"])
API_REQUESTS = CounterMetric("ecs_operator_api_requests_total",
                             "API server requests made by the operator's reconcilers (not "
                             "Kopf's own watches, event posts and annotation patches), by HTTP "
                             "verb.", ["verb"])
# controller-runtime's name for a controller's queue: services waiting for a status refresh.
REFRESH_QUEUE = Gauge("workqueue_depth", "Objects waiting to be reconciled.",
                      ["name"]).labels("ecsservice-status")
GC_SECONDS = Histogram(
    "ecs_operator_gc_seconds",
    "Timed garbage collections of old objects (see gc_pacing.py), by scope: every thread "
    "waits this long.", ["scope"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
ROLLBACKS = CounterMetric("ecs_service_rollbacks_total",
                          "Rollbacks started by the circuit breaker or a deployment alarm.",
                          ["namespace", "service"])

ROLLOUT_STATES = ("IN_PROGRESS", "COMPLETED", "FAILED")
# ECS's ServiceDeploymentStatus and the stages a deployment in flight can be at (botocore).
SERVICE_DEPLOYMENT_STATUSES = ("PENDING", "IN_PROGRESS", "SUCCESSFUL", "STOPPED",
                               "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS",
                               "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
IN_FLIGHT_STATUSES = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED",
                      "ROLLBACK_IN_PROGRESS")
STOP_CODES = ("TaskFailedToStart", "EssentialContainerExited", "UserInitiated",
              "ServiceSchedulerInitiated")


class ObjectStates(Collector):
    """The latest status of each Service, Task and TaskDefinition, exported as gauges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.services: dict[tuple[str, str], dict] = {}
        self.tasks: dict[tuple[str, str], tuple[str, str]] = {}
        self.revisions: dict[tuple[str, str], int] = {}

    def service(self, namespace: str, name: str, status: dict | None) -> None:
        with self._lock:
            if status is None:
                self.services.pop((namespace, name), None)
                return
            if (namespace, name) not in self.services:
                # A counter's series must exist at 0 before its first increase, or
                # increase() and rate() never see that first event.
                ROLLBACKS.labels(namespace, name)
            self.services[(namespace, name)] = status

    def task(self, namespace: str, name: str, status: dict | None) -> None:
        with self._lock:
            if status is None:
                self.tasks.pop((namespace, name), None)
                return
            if not any(ns == namespace for ns, _ in self.tasks):
                for code in STOP_CODES:
                    TASK_STOPS.labels(namespace, code)
            self.tasks[(namespace, name)] = (status.get("lastStatus", "PROVISIONING"),
                                             status.get("healthStatus", "UNKNOWN"))

    def task_definition(self, namespace: str, family: str, revision: int) -> None:
        with self._lock:
            self.revisions[(namespace, family)] = revision

    def describe(self) -> Iterator:
        return iter(())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            services = dict(self.services)
            tasks = Counter((ns, last, health) for (ns, _), (last, health) in self.tasks.items())
            revisions = dict(self.revisions)
        labels = ["namespace", "service"]
        gauges = {
            "desired": GaugeMetricFamily("ecs_service_desired_tasks", "desiredCount.", labels=labels),
            "running": GaugeMetricFamily("ecs_service_running_tasks", "runningCount.",
                                         labels=labels),
            "pending": GaugeMetricFamily("ecs_service_pending_tasks", "pendingCount.",
                                         labels=labels),
            "failed": GaugeMetricFamily("ecs_service_failed_tasks",
                                        "failedTasks of the deployments listed in status.",
                                        labels=labels),
        }
        deployments = GaugeMetricFamily("ecs_service_deployments",
                                        "Deployments listed in status, by rollout state.",
                                        labels=labels + ["state"])
        safety = _safety_gauges(labels)
        strategy = _service_deployment_gauges(labels)
        for (namespace, name), status in sorted(services.items()):
            key = [namespace, name]
            gauges["desired"].add_metric(key, status.get("desiredCount", 0))
            gauges["running"].add_metric(key, status.get("runningCount", 0))
            gauges["pending"].add_metric(key, status.get("pendingCount", 0))
            listed = status.get("deployments", [])
            gauges["failed"].add_metric(key, sum(d.get("failedTasks", 0) for d in listed))
            for state in ROLLOUT_STATES:
                deployments.add_metric(key + [state],
                                       sum(d.get("rolloutState") == state for d in listed))
            _add_safety(safety, key, listed)
            _add_service_deployments(strategy, key, status.get("serviceDeployments") or [])
        yield from gauges.values()
        yield deployments
        yield from safety.values()
        yield from strategy.values()
        by_state = GaugeMetricFamily("ecs_tasks", "Standalone tasks by lastStatus and health.",
                                     labels=["namespace", "state", "health"])
        for (namespace, last, health), count in sorted(tasks.items()):
            by_state.add_metric([namespace, last, health], count)
        yield by_state
        revision = GaugeMetricFamily("ecs_task_definition_revision",
                                     "Latest revision of each task definition family.",
                                     labels=["namespace", "family"])
        for (namespace, family), number in sorted(revisions.items()):
            revision.add_metric([namespace, family], number)
        yield revision


def _safety_gauges(labels: list[str]) -> dict[str, GaugeMetricFamily]:
    return {
        "failures": GaugeMetricFamily(
            "ecs_service_circuit_breaker_failures",
            "Failed tasks the PRIMARY deployment's circuit breaker counts.", labels=labels),
        "threshold": GaugeMetricFamily(
            "ecs_service_circuit_breaker_threshold",
            "Failed tasks that trip the PRIMARY deployment's circuit breaker.", labels=labels),
        "alarms": GaugeMetricFamily(
            "ecs_service_alarms_triggered",
            "1 for each deployment alarm that failed a deployment listed in status.",
            labels=labels + ["alarm"]),
    }


def _add_safety(safety: dict[str, GaugeMetricFamily], key: list[str], listed: list[dict]) -> None:
    primary = next((d for d in listed if d.get("status") == "PRIMARY"), None)
    if primary and primary.get("circuitBreaker"):
        safety["failures"].add_metric(key, primary["circuitBreaker"].get("failureCount", 0))
        safety["threshold"].add_metric(key, primary["circuitBreaker"].get("threshold", 0))
    for alarm in sorted({name for d in listed
                         for name in (d.get("alarms") or {}).get("triggeredAlarmNames", [])}):
        safety["alarms"].add_metric(key + [alarm], 1)


def _service_deployment_gauges(labels: list[str]) -> dict[str, GaugeMetricFamily]:
    return {
        "status": GaugeMetricFamily(
            "ecs_service_deployments_by_status",
            "Service deployments (every strategy's) listed in status.serviceDeployments "
            "(the latest 10), by ECS's status.", labels=labels + ["status"]),
        "stage": GaugeMetricFamily(
            "ecs_service_deployment_stage",
            "1 at the lifecycle stage of the service deployment in flight.",
            labels=labels + ["stage"]),
        "traffic": GaugeMetricFamily(
            "ecs_service_deployment_production_traffic_percent",
            "Share of production traffic the latest service deployment gives its target and "
            "source revisions (by ready tasks on a plain Kubernetes Service).",
            labels=labels + ["role"]),
    }


def _add_service_deployments(gauges: dict[str, GaugeMetricFamily], key: list[str],
                             records: list[dict]) -> None:
    if not records:
        return
    for status in SERVICE_DEPLOYMENT_STATUSES:
        gauges["status"].add_metric(key + [status], sum(r.get("status") == status
                                                        for r in records))
    latest = records[0]
    if latest.get("status") in IN_FLIGHT_STATUSES and latest.get("lifecycleStage"):
        gauges["stage"].add_metric(key + [latest["lifecycleStage"]], 1)
    if latest.get("strategy") == ROLLING:
        return  # no traffic shift: a rolling update replaces tasks
    target = latest.get("targetServiceRevision") or {}
    gauges["traffic"].add_metric(key + ["target"],
                                 target.get("requestedProductionTrafficWeight", 0.0))
    gauges["traffic"].add_metric(key + ["source"], sum(
        source.get("requestedProductionTrafficWeight", 0.0)
        for source in latest.get("sourceServiceRevisions") or []))


STATES = ObjectStates()
REGISTRY.register(STATES)


@contextmanager
def reconciling(controller: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    except Exception:
        RECONCILE_ERRORS.labels(controller).inc()
        RECONCILE_TOTAL.labels(controller, "error").inc()
        raise
    else:
        RECONCILE_TOTAL.labels(controller, "success").inc()
    finally:
        RECONCILE_TIME.labels(controller).observe(time.perf_counter() - started)


def serve_metrics(port: int) -> None:
    """Port 0 turns the endpoint off."""
    BUILD_INFO.info({"version": __version__})
    if port:
        start_http_server(port)
        log.info("metrics on :%d/metrics", port)
