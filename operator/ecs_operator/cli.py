"""`ecs-operator` command line: run the operator, or write the CRDs."""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import sys


def write_crds(output: pathlib.Path) -> None:
    from .crds import all_crds, render
    output.mkdir(parents=True, exist_ok=True)
    for filename, crd in all_crds().items():
        (output / filename).write_text(render(crd))
        print(f"wrote {output / filename}")


def run_operator(args: argparse.Namespace) -> int:
    from .handlers.service_deployments import BAKE_TIME_SCALE_ENV
    from .handlers.service_refresh import PROGRESS_INTERVAL_ENV
    from .handlers.tasks import RETENTION_ENV
    from .runner import run
    if args.stopped_task_retention is not None:
        os.environ[RETENTION_ENV] = str(args.stopped_task_retention)
    if args.status_progress_interval is not None:
        os.environ[PROGRESS_INTERVAL_ENV] = str(args.status_progress_interval)
    if args.bake_time_scale is not None:
        os.environ[BAKE_TIME_SCALE_ENV] = str(args.bake_time_scale)
    # Replicas with equal priorities would all pause; distinct random ones elect one.
    priority = args.priority if args.priority is not None else random.randint(1, 1_000_000)
    return run(namespaces=args.namespace, all_namespaces=not args.namespace,
               metrics_port=args.metrics_port, peering=args.peering, priority=priority,
               verbose=args.verbose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecs-operator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the operator against the current kubeconfig")
    run.add_argument("-n", "--namespace", action="append", default=[],
                     help="serve only this namespace (repeatable); default: all namespaces")
    run.add_argument("--metrics-port", type=int, default=8080)
    run.add_argument("--peering", default=None,
                     help="Kopf peering name, for several replicas with one active")
    run.add_argument("--priority", type=int, default=None,
                     help="peering priority; the highest alive replica is active "
                          "(default: random)")
    run.add_argument("--stopped-task-retention", type=int, default=None, metavar="SECONDS",
                     help="how long STOPPED tasks stay visible before they are deleted "
                          "(default 3600, as ECS)")
    run.add_argument("--status-progress-interval", type=float, default=None,
                     metavar="SECONDS",
                     help="how often a Service's status may be written only because more of "
                          "its tasks run or wait (default 10; 0: every change); anything else "
                          "is written at once")
    run.add_argument("--bake-time-scale", type=float, default=None, metavar="FACTOR",
                     help="multiply every deployment bake time (a test and demo aid: 0.01 "
                          "makes a minute 0.6 s; default 1)")
    run.add_argument("-v", "--verbose", action="store_true")

    crds = commands.add_parser("crds", help="write the CustomResourceDefinitions")
    crds.add_argument("--output", type=pathlib.Path, default=pathlib.Path("crds"))

    args = parser.parse_args(argv)
    if args.command == "crds":
        write_crds(args.output)
        return 0
    return run_operator(args)


if __name__ == "__main__":
    sys.exit(main())
