"""Convergence latency: apply a Service -> its Deployment exists with the right spec and the
Service's status is updated for that generation.

Background: --background Services (--background-tasks each) are created first and left to reach
a steady state (every status converged, and the operator's CPU below 5 % for 3 s: the Events and
annotation patches that follow a convergence are done), so the figures are "at N Services".
Then --applies Services are created one at a time, at least --spacing seconds apart (so that
one is not measured while the last one's pods are still starting), each timed from the create
call until
  - the Deployment exists with replicas == desiredCount and the task definition's revision, and
  - the Service's status has observedGeneration == generation, that taskDefinition and desiredCount,
both followed with watches (or polled with GETs every --poll seconds, as the figures before the
fifth round were: the polling was load of its own). Twice: idle (the background steady), and
under load (a thread keeps changing the background Services' desiredCount between 1 and 2,
--load-rate changes a second on a fixed schedule, so pods start and stop all the time; several
rates give one loaded phase each, and each phase goes on where the last one stopped, so every
change is a real one). Each phase also shows when the Service's creation reached a watch of
this process (the earliest any controller can act on it), when the Deployment and the status
were each first seen, the operator's spec reconciles (all of them, the load's included), how
busy the operator and the whole machine were, the API server's most served requests, and the
load actually made.

Usage: python bench/latency.py --background 1000 --applies 200
       python bench/latency.py --background 1000 --applies 200 --load-rate 5 --spacing 0 --poll 0.02
         (one loaded phase, applies back to back and polled: how the figures were taken
         before the fifth round)
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import common
from ecs_operator.translate.names import ANNOTATION_TASK_DEFINITION
from kubernetes import watch
from kubernetes.client.rest import ApiException

DESIRED = 1  # of each timed Service


def _deployment_done(found: dict) -> bool:
    return found.get("spec", {}).get("replicas") == DESIRED and \
        (found["metadata"].get("annotations") or {}).get(ANNOTATION_TASK_DEFINITION) == "web:1"


def _status_done(found: dict) -> bool:
    status = found.get("status") or {}
    return status.get("observedGeneration") == found["metadata"]["generation"] and \
        status.get("taskDefinition") == "web:1" and status.get("desiredCount") == DESIRED


def _get(namespace: str, group: str, version: str, plural: str, name: str) -> dict | None:
    try:
        return common.custom().get_namespaced_custom_object(group, version, namespace, plural,
                                                            name)
    except ApiException as error:
        if error.status == 404:
            return None
        raise


@dataclass(frozen=True)
class Apply:
    """One timed apply, seconds from the create call."""
    watched: float  # the Service's creation reached a watch of this process
    deployment: float  # the Deployment first seen with the right replicas and revision
    status: float  # the status first seen for that generation

    @property
    def total(self) -> float:
        return max(self.deployment, self.status)


class Sightings(threading.Thread):
    """Watches one kind in the namespace and notes when each object first passed each check:
    what a user's `kubectl get -w` would show, without asking the API server again."""

    def __init__(self, namespace: str, group: str, version: str, plural: str,
                 checks: dict[str, Callable[[dict], bool]]) -> None:
        super().__init__(daemon=True)
        self.where = (group, version, namespace, plural)
        self.checks = checks
        self.first: dict[tuple[str, str], float] = {}
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.resource_version = self._current_version()

    def _current_version(self) -> str:
        listed = common.custom().list_namespaced_custom_object(*self.where, limit=1)
        return listed["metadata"]["resourceVersion"]

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                for event in watch.Watch().stream(
                        common.custom().list_namespaced_custom_object, *self.where,
                        resource_version=self.resource_version, timeout_seconds=5):
                    self._note(event, time.monotonic())
                    if self.stopping.is_set():
                        return
            except ApiException as error:
                if error.status != 410:
                    raise
                self.resource_version = self._current_version()  # a sighting may be lost

    def _note(self, event: dict, at: float) -> None:
        found = event["object"]
        self.resource_version = found["metadata"]["resourceVersion"]
        if event["type"] == "DELETED":
            return
        with self.changed:
            for check, passes in self.checks.items():
                key = (check, found["metadata"]["name"])
                if key not in self.first and passes(found):
                    self.first[key] = at
            self.changed.notify_all()

    def seen(self, check: str, name: str, deadline: float) -> float:
        with self.changed:
            while (check, name) not in self.first:
                if not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"{name}: {check} not seen in time")
            return self.first[(check, name)]


def _measure(namespace: str, prefix: str, applies: int, spacing: float, poll: float | None,
             timeout: float) -> list[Apply]:
    """`spacing`: seconds from one create to the next at least, so that an apply is not
    measured while the previous Service's pods are still starting (0: back to back).
    `poll`: None follows the Deployments and statuses with watches; a number polls both
    with GETs that often instead (how the figures before the fifth round were taken)."""
    services = Sightings(namespace, common.GROUP, common.VERSION, "ecsservices",
                         {"watched": lambda found: True, "status": _status_done})
    deployments = Sightings(namespace, "apps", "v1", "deployments",
                            {"deployment": _deployment_done}) if poll is None else None
    watchers = [w for w in (services, deployments) if w is not None]
    for watcher in watchers:
        watcher.start()
    try:
        timed = []
        started = time.monotonic() - spacing
        for index in range(applies):
            name = f"{prefix}-{index}"
            time.sleep(max(0.0, started + spacing - time.monotonic()))
            started = time.monotonic()
            common.create_custom(namespace, "ecsservices", common.service(name, desired=DESIRED))
            deadline = started + timeout
            if deployments is not None:
                deployment_at = deployments.seen("deployment", name, deadline)
                status_at = services.seen("status", name, deadline)
            else:
                deployment_at, status_at = _poll(namespace, name, poll, deadline)
            timed.append(Apply(services.seen("watched", name, deadline) - started,
                               deployment_at - started, status_at - started))
        return timed
    finally:
        for watcher in watchers:
            watcher.stopping.set()  # each ends with its watch, within 5 s; not waited for


def _poll(namespace: str, name: str, interval: float, deadline: float) -> tuple[float, float]:
    deployment_at = status_at = None
    while deployment_at is None or status_at is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not converge in time")
        if deployment_at is None:
            found = _get(namespace, "apps", "v1", "deployments", name)
            if found is not None and _deployment_done(found):
                deployment_at = time.monotonic()
        if status_at is None:
            found = _get(namespace, common.GROUP, common.VERSION, "ecsservices", name)
            if found is not None and _status_done(found):
                status_at = time.monotonic()
        if deployment_at is None or status_at is None:
            time.sleep(interval)
    return deployment_at, status_at


class Flips:
    """Which background Service changes next, and the desiredCount each has: one for the
    whole run, so that a loaded phase goes on where the last one stopped and every change it
    makes is a real one (a fresh start would first set Services back to what they have)."""

    def __init__(self, names: list[str], tasks: int) -> None:
        self.tasks = tasks
        self.desired = dict.fromkeys(names, tasks)
        self.order = itertools.cycle(names)

    def next(self) -> tuple[str, int]:
        name = next(self.order)
        return name, 2 * self.tasks + 1 - self.desired[name]

    def made(self, name: str, desired: int) -> None:
        self.desired[name] = desired


class Load(threading.Thread):
    """Flips background Services' desiredCount between its first value and one more, on a
    fixed schedule, `rate` changes a second: a change falls due every 1/rate s whatever the
    last one took, so runs against a slower API server are not given a lighter load. A change
    made more than a second after it fell due counts as late."""

    def __init__(self, change: Callable[[str, int], None], flips: Flips, rate: float) -> None:
        """`change(name, desired)`: sets a background Service's desiredCount."""
        super().__init__(daemon=True)
        self.change, self.flips, self.rate = change, flips, rate
        self.stopping = threading.Event()
        self.changes = self.late = 0
        self.started = self.stopped = 0.0

    def run(self) -> None:
        self.started = time.monotonic()
        for index in itertools.count():
            self.stopping.wait(max(0.0, self.started + index / self.rate - time.monotonic()))
            if self.stopping.is_set():
                break
            if time.monotonic() - (self.started + index / self.rate) > 1.0:
                self.late += 1
            name, desired = self.flips.next()
            self.change(name, desired)
            self.flips.made(name, desired)
            self.changes += 1
        self.stopped = time.monotonic()

    def achieved_rate(self) -> float:
        """Changes a second. Each change is given its 1/rate slot: a phase that stopped T s
        after its first change, having kept up, made floor(T x rate) + 1 changes, and
        dividing by T alone overstated the rate by 1/T."""
        return self.changes / (self.stopped - self.started + 1 / self.rate)


def desired_count_setter(namespace: str) -> Callable[[str, int], None]:
    def change(name: str, desired: int) -> None:
        common.custom().patch_namespaced_custom_object(
            common.GROUP, common.VERSION, namespace, "ecsservices", name,
            {"spec": {"desiredCount": desired}})
    return change


def _busiest_requests(served: collections.Counter, seconds: float, top: int = 5) -> str:
    """The kinds of request the API server served most over a phase, from every client."""
    requests = [(key[1], key[2], count) for key, count in served.most_common()
                if key[0] == "requests"][:top]
    return ", ".join(f"{verb} {resource} {count / seconds:.1f}"
                     for verb, resource, count in requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--background", type=int, default=1000,
                        help="Services present while measuring (default 1000)")
    parser.add_argument("--background-tasks", type=int, default=1,
                        help="desiredCount of the background Services (default 1)")
    parser.add_argument("--applies", type=int, default=200,
                        help="Services applied and timed in each phase (default 200)")
    parser.add_argument("--load-rate", type=float, nargs="+", default=[1, 2, 5],
                        help="desiredCount changes a second under load, one loaded phase "
                             "each, in turn (default 1 2 5)")
    parser.add_argument("--spacing", type=float, default=1.0,
                        help="seconds from one timed create to the next, at least (default 1; "
                             "0: back to back, as before the fifth round)")
    parser.add_argument("--poll", type=float, default=None,
                        help="poll the Deployment and status with GETs this often (seconds) "
                             "instead of following them with watches")
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
        flips = Flips(names, args.background_tasks)
        loaded = [(f"under load {rate:g}/s" if len(args.load_rate) > 1 else "under load",
                   f"load{index}", rate) for index, rate in enumerate(args.load_rate)]
        for phase, prefix, rate in [("idle", "idle", 0.0), *loaded]:
            load = Load(desired_count_setter(namespace), flips, rate) \
                if rate and names else None
            metrics_before, server_before = operator.samples(), common.apiserver_work()
            started = time.monotonic()
            cpu_before = operator.cpu_seconds(), common.control_plane_cpu()["machine"]
            if load:
                load.start()
            try:
                timed = _measure(namespace, prefix, args.applies, args.spacing, args.poll, 60)
            finally:
                if load:
                    load.stopping.set()
                    load.join()
            cpu = operator.cpu_seconds() - cpu_before[0], \
                common.control_plane_cpu()["machine"] - cpu_before[1]
            elapsed = time.monotonic() - started
            server = common.apiserver_work() - server_before
            work = common.operator_work(metrics_before, operator.samples())
            phases[phase] = (timed, load, (work[("count", "ecsservice")],
                                           work[("sum", "ecsservice")]),
                             cpu[0] / elapsed, cpu[1] / elapsed,
                             _busiest_requests(server, elapsed))
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(namespace)

    table = common.Table(
        f"convergence latency: {args.applies} applies per phase, {args.spacing:g} s apart, "
        f"{args.background} background Services, "
        + ("followed with watches" if args.poll is None else f"polled every {args.poll:g} s"))
    for phase, (timed, load, (reconciles, seconds), cpu_share, machine, busiest) \
            in phases.items():
        totals = [apply.total for apply in timed]
        p99 = common.percentile(totals, 99)
        table.add(f"{phase}: p50", common.percentile(totals, 50), "s")
        table.add(f"{phase}: p99", p99, "s", f"<= {args.target} s", p99 <= args.target)
        table.add(f"{phase}: max", max(totals), "s")
        for part in ("watched", "deployment", "status"):
            values = [getattr(apply, part) for apply in timed]
            table.add(f"  {'creation reached a watch' if part == 'watched' else part + ' seen'}"
                      ", p50 / p99",
                      f"{common.percentile(values, 50):.3f} / "
                      f"{common.percentile(values, 99):.3f}", "s")
        if reconciles:
            table.add("  operator spec reconciles, mean time each",
                      f"{reconciles:.0f}, {seconds / reconciles:.3f} s")
        table.add("  CPU busy, operator / whole machine (cores)",
                  f"{cpu_share:.2f} / {machine:.2f} of {os.cpu_count()}")
        table.add("  API server's most served requests, a second", busiest)
        if load:
            table.add("  desiredCount changes made, a second",
                      f"{load.changes}, {load.achieved_rate():.2f}/s ({load.late} late)")
    return 0 if table.print() else 1


if __name__ == "__main__":
    raise SystemExit(main())
