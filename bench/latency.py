"""Convergence latency: apply a Service -> its Deployment exists with the right spec and the
Service's status is updated for that generation.

Background: --background Services (--background-tasks each) are created first and left to reach
a steady state (every status converged, and the operator's CPU below 5 % for 3 s: the Events and
annotation patches that follow a convergence are done), so the figures are "at N Services".
Then --applies Services are created one at a time, each timed from the create call until
  - the Deployment exists with replicas == desiredCount and the task definition's revision, and
  - the Service's status has observedGeneration == generation, that taskDefinition and desiredCount,
polled every --poll seconds. Twice: idle (the background steady), and under load (a thread keeps
changing the background Services' desiredCount between 1 and 2, --load-rate changes a second,
so pods start and stop all the time).

Usage: python bench/latency.py --background 1000 --applies 200
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time

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


def _measure(namespace: str, prefix: str, applies: int, poll: float, timeout: float
             ) -> list[float]:
    latencies = []
    for index in range(applies):
        name = f"{prefix}-{index}"
        started = time.monotonic()
        common.create_custom(namespace, "ecsservices", common.service(name, desired=1))
        deployment_done = status_done = False
        while not (deployment_done and status_done):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{name} did not converge within {timeout}s")
            deployment_done = deployment_done or _deployment_ready(namespace, name, 1)
            status_done = status_done or _status_ready(namespace, name, 1)
            if not (deployment_done and status_done):
                time.sleep(poll)
        latencies.append(time.monotonic() - started)
    return latencies


class Load(threading.Thread):
    """Flips background Services' desiredCount between 1 and 2, `rate` times a second."""

    def __init__(self, namespace: str, names: list[str], rate: float) -> None:
        super().__init__(daemon=True)
        self.namespace, self.names, self.rate = namespace, names, rate
        self.stopping = threading.Event()
        self.changes = 0

    def run(self) -> None:
        desired = {}
        for name in itertools.cycle(self.names):
            if self.stopping.is_set():
                return
            desired[name] = 3 - desired.get(name, 1)
            common.custom().patch_namespaced_custom_object(
                common.GROUP, common.VERSION, self.namespace, "ecsservices", name,
                {"spec": {"desiredCount": desired[name]}})
            self.changes += 1
            self.stopping.wait(1 / self.rate)


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
        idle = _measure(namespace, "idle", args.applies, args.poll, 60)
        load = Load(namespace, names, args.load_rate) if names else None
        if load:
            load.start()
        try:
            loaded = _measure(namespace, "load", args.applies, args.poll, 60)
        finally:
            if load:
                load.stopping.set()
                load.join()
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(namespace)

    table = common.Table(f"convergence latency: {args.applies} applies per phase, "
                         f"{args.background} background Services")
    for phase, values in (("idle", idle), ("under load", loaded)):
        p99 = common.percentile(values, 99)
        table.add(f"{phase}: p50", common.percentile(values, 50), "s")
        table.add(f"{phase}: p99", p99, "s", f"<= {args.target} s", p99 <= args.target)
        table.add(f"{phase}: max", max(values), "s")
    if load:
        table.add("desiredCount changes made under load", load.changes)
    return 0 if table.print() else 1


if __name__ == "__main__":
    raise SystemExit(main())
