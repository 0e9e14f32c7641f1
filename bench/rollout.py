"""Rollout: a new task definition revision across N Services, healthy tasks sampled throughout.

N Services (--tasks each, minimumHealthyPercent / maximumPercent as given) track the family
`web`; once all run revision 1, revision 2 (a new image) is registered and every Service rolls
out. Every --sample seconds the pods are listed and, per Service, the Ready pods that are not
being deleted are counted; a sample below ceil(tasks x minimumHealthyPercent / 100) is a
violation (target: none). The rollout is done when every Service runs revision 2 with
runningCount == desiredCount and a COMPLETED rollout.

Usage: python bench/rollout.py --services 100
"""

from __future__ import annotations

import argparse
import collections
import math
import threading
import time

import common

LABEL_SERVICE = "ecs.operator.dev/service"


def _healthy_by_service(namespace: str) -> collections.Counter:
    healthy: collections.Counter = collections.Counter()
    for pod in common.core().list_namespaced_pod(namespace).items:
        if pod.metadata.deletion_timestamp:
            continue
        ready = any(c.type == "Ready" and c.status == "True"
                    for c in (pod.status.conditions or []))
        if ready:
            healthy[(pod.metadata.labels or {}).get(LABEL_SERVICE)] += 1
    return healthy


class Sampler(threading.Thread):
    def __init__(self, namespace: str, names: list[str], minimum: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.namespace, self.names, self.minimum, self.interval = \
            namespace, names, minimum, interval
        self.stopping = threading.Event()
        self.samples = self.violations = 0
        self.lowest = 10**9
        self.below: set[str] = set()

    def run(self) -> None:
        while True:
            healthy = _healthy_by_service(self.namespace)
            self.samples += 1
            for name in self.names:
                self.lowest = min(self.lowest, healthy[name])
                if healthy[name] < self.minimum:
                    self.violations += 1
                    self.below.add(name)
            if self.stopping.wait(self.interval):
                return


def _rolled_out(service_object: dict) -> bool:
    status = service_object.get("status") or {}
    return common.converged(service_object) and status.get("taskDefinition") == "web:2" \
        and status.get("rolloutState") == "COMPLETED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100, help="N (default 100)")
    parser.add_argument("--tasks", type=int, default=3, help="desiredCount (default 3)")
    parser.add_argument("--minimum-healthy-percent", type=int, default=100)
    parser.add_argument("--maximum-percent", type=int, default=200)
    parser.add_argument("--sample", type=float, default=0.5, help="sampling interval, seconds")
    parser.add_argument("--timeout", type=float, default=1800)
    args, operator = common.start(parser)
    namespace = common.create_namespace("bench-rollout")
    names = [f"svc-{i}" for i in range(args.services)]
    minimum = math.ceil(args.tasks * args.minimum_healthy_percent / 100)
    try:
        common.register(namespace, common.task_definition(), revision=1)
        common.run_services(namespace, names, args.timeout, desired=args.tasks,
                            minimum_healthy_percent=args.minimum_healthy_percent,
                            maximum_percent=args.maximum_percent)

        sampler = Sampler(namespace, names, minimum, args.sample)
        started = time.monotonic()
        sampler.start()  # from before the new revision exists until every Service is done
        try:
            common.register(namespace, common.task_definition(image="registry.example/web:2"),
                            revision=2)
            common.wait_for_all("revision 2 rolled out everywhere", "ecsservices", namespace,
                                args.services, _rolled_out, args.timeout)
        finally:
            sampler.stopping.set()
            sampler.join()
        elapsed = time.monotonic() - started
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(namespace)

    table = common.Table(f"rollout: revision 2 across {args.services} Services x {args.tasks} "
                         f"tasks (minimumHealthyPercent {args.minimum_healthy_percent}, "
                         f"maximumPercent {args.maximum_percent})")
    table.add("time until every Service is COMPLETED on web:2", elapsed, "s")
    table.add("samples (all Services each)", sampler.samples)
    table.add("lowest healthy tasks seen in any Service", sampler.lowest, "", f">= {minimum}",
              sampler.lowest >= minimum)
    table.add("Service-samples below minimum healthy", sampler.violations, "", "0",
              sampler.violations == 0)
    table.add("Services ever below minimum healthy", len(sampler.below), "", "0",
              not sampler.below)
    return 0 if table.print() else 1


if __name__ == "__main__":
    raise SystemExit(main())
