"""Rollout: a new task definition revision across N Services, for each deployment strategy,
with production traffic and healthy tasks sampled throughout.

For each strategy asked (ROLLING, BLUE_GREEN, CANARY, LINEAR; all by default), in a namespace
of its own: N Services of --tasks tasks, each with a load balancer (so a production Service
selects its tasks), track the family `web`; once all run revision 1, revision 2 (a new image)
is registered and every Service deploys it. Every --sample seconds the bench lists the
namespace's EndpointSlices, pods and ECSServices and, per Service:
- the ready endpoints of the production Service, as a share of desiredCount (the lowest share
  seen is printed; for ROLLING, minimumHealthyPercent is the floor);
- endpoints on the wrong revision: production serving a revision its selector does not name
  (BLUE_GREEN: revision 2 before the switch; CANARY and LINEAR select both once traffic
  shifts), production serving revision 1 after the service deployment succeeded, or the
  `<service>-test` Service serving revision 1 at all (target: none). Selectors and records
  are read after the endpoints, so they can only be further along than what was seen.
The strategy is done when every Service's latest service deployment (ROLLING: its rollout)
completed on revision 2. The operator runs with --bake-time-scale (default 0.05: a bake
minute lasts 3 s); the bake times are 1 minute.

Usage: python bench/rollout.py --services 100 [--strategy BLUE_GREEN ...]
"""

from __future__ import annotations

import argparse
import collections
import math
import threading
import time
from dataclasses import dataclass, field

import common

LABEL_SERVICE = "ecs.operator.dev/service"
LABEL_REVISION = "ecs.operator.dev/revision"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
TEST_SUFFIX = "-test"
STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")
OLD, NEW = "1", "2"


def deployment_configuration(strategy: str, minimum_healthy_percent: int,
                             maximum_percent: int) -> dict:
    """What each Service asks for: ECS's fields, one bake minute wherever a strategy bakes."""
    if strategy == "ROLLING":
        return {"minimumHealthyPercent": minimum_healthy_percent,
                "maximumPercent": maximum_percent}
    config: dict = {"strategy": strategy, "bakeTimeInMinutes": 1}
    if strategy == "CANARY":
        config["canaryConfiguration"] = {"canaryPercent": 10, "canaryBakeTimeInMinutes": 1}
    if strategy == "LINEAR":
        config["linearConfiguration"] = {"stepPercent": 50, "stepBakeTimeInMinutes": 1}
    return config


def production_may_serve(strategy: str, selected: str | None,
                         record: dict | None) -> frozenset[str]:
    """The revisions a Service's production endpoints may be on. `selected` is the revision
    label of its selector (None: both), read after the endpoints: while it names the old
    revision, only the old one; once it names the new one, the old one's endpoints may
    still be leaving; never the old revision once the deployment to the new one succeeded.
    (No rollback happens in this bench: the selector returns to the old revision only there.)"""
    if strategy == "ROLLING":
        return frozenset((OLD, NEW))  # a rolling update mixes revisions by design
    allowed = {OLD} if selected == OLD else {OLD, NEW}
    if record and record.get("status") == "SUCCESSFUL" and \
            record.get("targetServiceRevision", {}).get("arn") == f"web:{NEW}":
        allowed.discard(OLD)
    return frozenset(allowed)


@dataclass
class ServiceSample:
    """One Service in one sample: revisions of its ready production and test endpoints, and
    the revision its production selector names (None: every revision of the service)."""
    production: list[str]
    test: list[str]
    selected: str | None = None


def wrong_revision_endpoints(strategy: str, sample: ServiceSample,
                             record: dict | None) -> int:
    allowed = production_may_serve(strategy, sample.selected, record)
    return sum(1 for revision in sample.production if revision not in allowed) + \
        sum(1 for revision in sample.test if revision != NEW)


@dataclass
class Figures:
    """What the sampler found across every sample of every Service."""
    desired: int
    samples: int = 0
    lowest_share: float = math.inf
    wrong_samples: int = 0
    wrong_services: set[str] = field(default_factory=set)
    empty_samples: int = 0

    def add(self, strategy: str, name: str, sample: ServiceSample,
            record: dict | None) -> None:
        self.lowest_share = min(self.lowest_share, len(sample.production) / self.desired)
        if not sample.production:
            self.empty_samples += 1
        if wrong_revision_endpoints(strategy, sample, record):
            self.wrong_samples += 1
            self.wrong_services.add(name)


def _ready_endpoints(slices: list, revisions: dict[str, str]) -> dict[str, list[str]]:
    """Service name -> the revisions of its ready endpoints."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    for endpoint_slice in slices:
        owner = (endpoint_slice.metadata.labels or {}).get(SERVICE_NAME_LABEL)
        for endpoint in endpoint_slice.endpoints or []:
            ready = endpoint.conditions and endpoint.conditions.ready
            if owner and ready and endpoint.target_ref is not None:
                found[owner].append(revisions.get(endpoint.target_ref.name, "?"))
    return found


class Sampler(threading.Thread):
    def __init__(self, namespace: str, strategy: str, names: list[str], desired: int,
                 interval: float) -> None:
        super().__init__(daemon=True)
        self.namespace, self.strategy, self.names, self.interval = \
            namespace, strategy, names, interval
        self.figures = Figures(desired)
        self.stopping = threading.Event()

    def run(self) -> None:
        discovery = common.client.DiscoveryV1Api()
        while True:
            pods = common.core().list_namespaced_pod(self.namespace).items
            slices = discovery.list_namespaced_endpoint_slice(self.namespace).items
            # Selectors and records after endpoints: they can only be further along than what
            # the endpoints showed, never behind.
            selected = {s.metadata.name: (s.spec.selector or {}).get(LABEL_REVISION)
                        for s in common.core().list_namespaced_service(self.namespace).items}
            records = {s["metadata"]["name"]: ((s.get("status") or {})
                                               .get("serviceDeployments") or [None])[0]
                       for s in common.list_custom(self.namespace, "ecsservices")}
            revisions = {p.metadata.name: (p.metadata.labels or {}).get(LABEL_REVISION, "?")
                         for p in pods}
            endpoints = _ready_endpoints(slices, revisions)
            self.figures.samples += 1
            for name in self.names:
                sample = ServiceSample(endpoints.get(name, []),
                                       endpoints.get(name + TEST_SUFFIX, []), selected.get(name))
                self.figures.add(self.strategy, name, sample, records.get(name))
            if self.stopping.wait(self.interval):
                return


def deployed(strategy: str):
    def done(service_object: dict) -> bool:
        status = service_object.get("status") or {}
        if strategy == "ROLLING":
            return common.converged(service_object) and \
                status.get("taskDefinition") == f"web:{NEW}" and \
                status.get("rolloutState") == "COMPLETED"
        record = (status.get("serviceDeployments") or [{}])[0]
        return record.get("targetServiceRevision", {}).get("arn") == f"web:{NEW}" and \
            record.get("status") == "SUCCESSFUL"
    return done


def service_body(name: str, strategy: str, args: argparse.Namespace) -> dict:
    body = common.service(name, desired=args.tasks)
    body["spec"]["loadBalancers"] = [{"containerName": "app", "containerPort": 80}]
    body["spec"]["deploymentConfiguration"] = deployment_configuration(
        strategy, args.minimum_healthy_percent, args.maximum_percent)
    return body


def run_strategy(strategy: str, args: argparse.Namespace) -> common.Table:
    namespace = common.create_namespace(f"bench-rollout-{strategy.lower().replace('_', '')}")
    names = [f"svc-{i}" for i in range(args.services)]
    try:
        common.register(namespace, common.task_definition(), revision=1)
        common.parallel(lambda name: common.create_custom(
            namespace, "ecsservices", service_body(name, strategy, args)), names)
        common.wait_for_all(f"{len(names)} Services running", "ecsservices", namespace,
                            len(names), common.converged, args.timeout)
        sampler = Sampler(namespace, strategy, names, args.tasks, args.sample)
        started = time.monotonic()
        sampler.start()  # from before the new revision exists until every Service is done
        try:
            common.register(namespace, common.task_definition(image="registry.example/web:2"),
                            revision=2)
            common.wait_for_all(f"{strategy}: revision 2 deployed everywhere", "ecsservices",
                                namespace, args.services, deployed(strategy), args.timeout)
        finally:
            sampler.stopping.set()
            sampler.join()
        elapsed = time.monotonic() - started
    finally:
        if not args.keep:
            common.delete_namespace(namespace)
    return figures_table(strategy, args, elapsed, sampler.figures)


def figures_table(strategy: str, args: argparse.Namespace, elapsed: float,
                  figures: Figures) -> common.Table:
    asked = deployment_configuration(strategy, args.minimum_healthy_percent, args.maximum_percent)
    table = common.Table(f"rollout {strategy}: revision 2 across {args.services} Services x "
                         f"{args.tasks} tasks (deploymentConfiguration {asked})")
    floor = math.ceil(args.tasks * args.minimum_healthy_percent / 100) / args.tasks \
        if strategy == "ROLLING" else 1.0
    table.add("time until every Service completed on web:2", elapsed, "s")
    table.add("samples (all Services each)", figures.samples)
    table.add("lowest healthy share (ready production endpoints / desiredCount)",
              round(figures.lowest_share, 3), "", f">= {floor:.3g}",
              figures.lowest_share >= floor)
    table.add("Service-samples with no ready production endpoint", figures.empty_samples, "",
              "0", figures.empty_samples == 0)
    if strategy == "ROLLING":
        table.add("Service-samples with traffic on the wrong revision", "n/a (mixes by design)")
    else:
        table.add("Service-samples with traffic on the wrong revision", figures.wrong_samples,
                  "", "0", figures.wrong_samples == 0)
        table.add("Services ever serving the wrong revision", len(figures.wrong_services), "",
                  "0", not figures.wrong_services)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100, help="N (default 100)")
    parser.add_argument("--tasks", type=int, default=3, help="desiredCount (default 3)")
    parser.add_argument("--strategy", action="append", choices=STRATEGIES,
                        help="repeat for several (default: all four)")
    parser.add_argument("--minimum-healthy-percent", type=int, default=100,
                        help="ROLLING only (default 100)")
    parser.add_argument("--maximum-percent", type=int, default=200,
                        help="ROLLING only (default 200)")
    parser.add_argument("--bake-time-scale", type=float, default=0.05,
                        help="the operator's --bake-time-scale (default 0.05: 1 min = 3 s)")
    parser.add_argument("--sample", type=float, default=1.0, help="sampling interval, seconds")
    parser.add_argument("--timeout", type=float, default=1800)
    args, operator = common.start(parser, operator_args=lambda parsed: [
        "--bake-time-scale", str(parsed.bake_time_scale)])
    tables = []
    try:
        for strategy in args.strategy or STRATEGIES:
            tables.append(run_strategy(strategy, args))
    finally:
        operator.stop()
    passed = [table.print() for table in tables]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
