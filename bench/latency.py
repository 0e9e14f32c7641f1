"""Convergence latency: apply a Service -> its Deployment exists with the right spec and the
Service's status is updated for that generation.

Background: --background Services (--background-tasks each) are created first and left to reach
a steady state (every status converged, and the operator's CPU below 5 % for 3 s: the Events and
annotation patches that follow a convergence are done), so the figures are "at N Services".
Then --applies Services are created one at a time, each timed from the create call until
  - the Deployment exists with replicas == desiredCount and the task definition's revision, and
  - the Service's status has observedGeneration == generation, that taskDefinition and desiredCount,
polled every --poll seconds. Twice: idle (the background steady), and under load (a thread keeps
changing the background Services' desiredCount between 1 and 2, --load-rate changes a second
on a fixed schedule, so pods start and stop all the time). Each phase also shows when the
Deployment and the status were each first seen, the operator's spec reconciles (all of them,
the load's included) and its CPU, and the load actually made.

Usage: python bench/latency.py --background 1000 --applies 200
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from dataclasses import dataclass

import common
from kubernetes.client.rest import ApiException

ANNOTATION = "ecs.operator.dev/task-definition"


def _deployment_ready(namespace: str, name: str, desired: int) -> bool:
    try:
        found = common.apps().read_namespaced_deployment(name, namespace)
    except ApiException as error:
        if error.status == 404:
            return False
        raise
    return found.spec.replicas == desired and \
        (found.metadata.annotations or {}).get(ANNOTATION) == "web:1"


def _status_ready(namespace: str, name: str, desired: int) -> bool:
    found = common.custom().get_namespaced_custom_object(common.GROUP, common.VERSION, namespace,
                                                         "ecsservices", name)
    status = found.get("status") or {}
    return status.get("observedGeneration") == found["metadata"]["generation"] and \
        status.get("taskDefinition") == "web:1" and status.get("desiredCount") == desired


@dataclass(frozen=True)
class Apply:
    """One timed apply, seconds from the create call."""
    deployment: float  # the Deployment first seen with the right replicas and revision
    status: float  # the status first seen for that generation

    @property
    def total(self) -> float:
        return max(self.deployment, self.status)


def _measure(namespace: str, prefix: str, applies: int, poll: float, timeout: float
             ) -> list[Apply]:
    timed = []
    for index in range(applies):
        name = f"{prefix}-{index}"
        started = time.monotonic()
        common.create_custom(namespace, "ecsservices", common.service(name, desired=1))
        deployment_at = status_at = None
        while deployment_at is None or status_at is None:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{name} did not converge within {timeout}s")
            if deployment_at is None and _deployment_ready(namespace, name, 1):
                deployment_at = time.monotonic() - started
            if status_at is None and _status_ready(namespace, name, 1):
                status_at = time.monotonic() - started
            if deployment_at is None or status_at is None:
                time.sleep(poll)
        timed.append(Apply(deployment_at, status_at))
    return timed


class Load(threading.Thread):
    """Flips background Services' desiredCount between 1 and 2 on a fixed schedule, `rate`
    changes a second: a change falls due every 1/rate s whatever the last one took, so runs
    against a slower API server are not given a lighter load. A change made more than a
    second after it fell due counts as late."""

    def __init__(self, namespace: str, names: list[str], rate: float) -> None:
        super().__init__(daemon=True)
        self.namespace, self.names, self.rate = namespace, names, rate
        self.stopping = threading.Event()
        self.changes = self.late = 0
        self.started = self.stopped = 0.0

    def run(self) -> None:
        desired: dict[str, int] = {}
        self.started = time.monotonic()
        for index, name in enumerate(itertools.cycle(self.names)):
            self.stopping.wait(max(0.0, self.started + index / self.rate - time.monotonic()))
            if self.stopping.is_set():
                break
            if time.monotonic() - (self.started + index / self.rate) > 1.0:
                self.late += 1
            desired[name] = 3 - desired.get(name, 1)
            common.custom().patch_namespaced_custom_object(
                common.GROUP, common.VERSION, self.namespace, "ecsservices", name,
                {"spec": {"desiredCount": desired[name]}})
            self.changes += 1
        self.stopped = time.monotonic()

    def achieved_rate(self) -> float:
        return self.changes / max(self.stopped - self.started, 1e-9)


def _spec_reconciles(before: dict, after: dict) -> tuple[float, float]:
    """The operator's spec reconciles in between (count, seconds), from its metrics."""
    def total(samples: dict, suffix: str) -> float:
        return sum(value for (name, labels), value in samples.items()
                   if name == f"controller_runtime_reconcile_time_seconds_{suffix}"
                   and dict(labels).get("controller") == "ecsservice")
    return total(after, "count") - total(before, "count"), \
        total(after, "sum") - total(before, "sum")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--background", type=int, default=1000,
                        help="Services present while measuring (default 1000)")
    parser.add_argument("--background-tasks", type=int, default=1,
                        help="desiredCount of the background Services (default 1)")
    parser.add_argument("--applies", type=int, default=200,
                        help="Services applied and timed in each phase (default 200)")
    parser.add_argument("--load-rate", type=float, default=5,
                        help="desiredCount changes a second under load (default 5)")
    parser.add_argument("--poll", type=float, default=0.02, help="poll interval, seconds")
    parser.add_argument("--target", type=float, default=0.5, help="p99 target, seconds")
    parser.add_argument("--timeout", type=float, default=1800)
    args, operator = common.start(parser)
    namespace = common.create_namespace("bench-latency")
    try:
        common.register(namespace, common.task_definition(), revision=1)
        names = [f"bg-{i}" for i in range(args.background)]
        common.run_services(namespace, names, args.timeout, desired=args.background_tasks)
        common.wait_until_quiet(operator, args.timeout)
        phases = {}
        for phase, prefix in (("idle", "idle"), ("under load", "load")):
            load = Load(namespace, names, args.load_rate) \
                if phase == "under load" and names else None
            metrics_before, cpu_before = operator.samples(), operator.cpu_seconds()
            started = time.monotonic()
            if load:
                load.start()
            try:
                timed = _measure(namespace, prefix, args.applies, args.poll, 60)
            finally:
                if load:
                    load.stopping.set()
                    load.join()
            phases[phase] = (timed, load, _spec_reconciles(metrics_before, operator.samples()),
                             (operator.cpu_seconds() - cpu_before) / (time.monotonic() - started))
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(namespace)

    table = common.Table(f"convergence latency: {args.applies} applies per phase, "
                         f"{args.background} background Services")
    for phase, (timed, load, (reconciles, seconds), cpu_share) in phases.items():
        totals = [apply.total for apply in timed]
        p99 = common.percentile(totals, 99)
        table.add(f"{phase}: p50", common.percentile(totals, 50), "s")
        table.add(f"{phase}: p99", p99, "s", f"<= {args.target} s", p99 <= args.target)
        table.add(f"{phase}: max", max(totals), "s")
        for part in ("deployment", "status"):
            values = [getattr(apply, part) for apply in timed]
            table.add(f"  {part} seen, p50 / p99",
                      f"{common.percentile(values, 50):.3f} / "
                      f"{common.percentile(values, 99):.3f}", "s")
        if reconciles:
            table.add("  operator spec reconciles, mean time each",
                      f"{reconciles:.0f}, {seconds / reconciles:.3f} s")
        table.add("  operator CPU, share of one core", f"{cpu_share:.2f}")
        if load:
            table.add("  desiredCount changes made, a second",
                      f"{load.changes}, {load.achieved_rate():.2f}/s ({load.late} late)")
    return 0 if table.print() else 1


if __name__ == "__main__":
    raise SystemExit(main())
