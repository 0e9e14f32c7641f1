"""Restart: how long a restarted operator keeps users waiting next to N Services.

1. N Services (desiredCount 3) of one TaskDefinition converge under an operator started here.
2. That operator is stopped and another started, as an upgrade would. At once, in a new
   namespace, a TaskDefinition is registered and then a Service of 1 task created; timed from
   the start until the revision is recorded and until that Service is running.
   Then, still from the start, until every one of the N Services has been resumed
   (reconciled once: the operator's controller_runtime_reconcile_total for ecsservice), and
   the LIST requests the API server served meanwhile.
3. The same again (another restart), this time while the N Services' namespace is being
   deleted (skip with --no-deletion).

Usage: python bench/restart.py --services 1000   (KUBECONFIG: the local cluster)
"""

from __future__ import annotations

import argparse
import time

import common


def _lists() -> float:
    return sum(value for key, value in common.apiserver_work().items()
               if key[:2] == ("requests", "LIST"))


def _reconciles(operator: common.Operator) -> float:
    return sum(value for (name, labels), value in operator.samples().items()
               if name == "controller_runtime_reconcile_total"
               and dict(labels).get("controller") == "ecsservice")


def _timed_probe(timeout: float, resumes: int | None = None) -> tuple[float, ...]:
    """Start an operator; seconds until it is configured, until a new TaskDefinition is
    recorded, and until a new Service is running. With `resumes`: also the seconds until
    that many Services (and the new one) were reconciled, and the LISTs served until then."""
    lists_before = _lists() if resumes is not None else 0.0
    started = time.monotonic()
    operator = common.Operator()
    configured = time.monotonic() - started
    namespace = common.create_namespace("bench-restart-probe")
    try:
        common.register(namespace, common.task_definition(), revision=1, timeout=timeout)
        recorded = time.monotonic() - started
        common.run_services(namespace, ["probe"], timeout, desired=1)
        running = time.monotonic() - started
        if resumes is None:
            return configured, recorded, running
        common.wait_for("every Service resumed",
                        lambda: _reconciles(operator) >= resumes + 1, timeout, interval=0.5)
        return configured, recorded, running, time.monotonic() - started, \
            _lists() - lists_before
    finally:
        try:
            operator.stop()
        finally:
            common.delete_namespace(namespace)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000, help="N (default 1000)")
    parser.add_argument("--tasks", type=int, default=3, help="tasks per Service (default 3)")
    parser.add_argument("--no-deletion", action="store_true",
                        help="skip the restart while the Services' namespace is deleted")
    parser.add_argument("--timeout", type=float, default=1200,
                        help="give up on a step after this many seconds")
    common.operator_arguments(parser)
    args = parser.parse_args()
    if args.operator_pid is not None:
        raise SystemExit("restart.py restarts the operator itself: no --operator-pid")
    common.connect()
    common.install_crds()
    operator = common.Operator()
    namespace = common.create_namespace("bench-restart")
    try:
        common.register(namespace, common.task_definition(), revision=1)
        common.run_services(namespace, [f"svc-{i}" for i in range(args.services)],
                            args.timeout, desired=args.tasks)
        operator.stop()
        plain = _timed_probe(args.timeout, resumes=args.services)
        if not args.no_deletion:
            common.delete_namespace(namespace)
            during_deletion = _timed_probe(args.timeout)
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(namespace)

    n = args.services
    table = common.Table(f"restart: the operator stopped and started next to {n} Services x "
                         f"{args.tasks} tasks")
    phases = [("", plain)] if args.no_deletion else [
        ("", plain), (", their namespace being deleted", during_deletion)]
    for label, (configured, recorded, running, *resumed) in phases:
        table.add(f"operator configured{label}", configured, "s")
        table.add(f"  a new TaskDefinition recorded{label}", recorded, "s")
        table.add(f"  a new Service running{label}", running, "s")
        if resumed:
            table.add(f"  all {n} Services resumed{label}", resumed[0], "s")
            table.add(f"  LIST requests served until then{label}", int(resumed[1]))
    table.print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
