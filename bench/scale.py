"""Scale: N ECS Services x 3 tasks against N plain Deployments, side by side in one run.

1. Plain: N Deployments (3 replicas, the pod the operator would make) in their own namespace;
   time from the first create until every one is available (Kubernetes controllers alone).
   With --plain-with-pdbs each also gets the PodDisruptionBudget the operator makes, so the
   ratio is the operator's own cost, not that of the objects it makes.
   Their namespace is then deleted (both sets would not fit the local cluster at once).
2. ECS: one TaskDefinition, then N Services (desiredCount 3) in another namespace; time from
   the first create until every Service reports runningCount == desiredCount.
   ratio = ECS time / plain time (target <= 1.5).
3. The operator at N Services: resident memory, CPU used during step 2, and the API writes
   during --steady-seconds of steady state: the operator's own counter, the objects written
   (resourceVersion changed: Services, TaskDefinitions, Deployments, PDBs, ControllerRevisions,
   events) in the Services' namespace by anyone, Kopf included, and for reference the API
   server's count of writes to those kinds in the whole cluster.

Usage: python bench/scale.py --services 1000   (KUBECONFIG: the local cluster)
"""

from __future__ import annotations

import argparse
import collections
import time

import common


def _timed_plain(namespace: str, count: int, tasks: int, timeout: float,
                 with_budgets: bool) -> float:
    started = time.monotonic()

    def create(i: int) -> None:
        common.apps().create_namespaced_deployment(namespace,
                                                   common.plain_deployment(f"svc-{i}", tasks))
        if with_budgets:
            common.policy().create_namespaced_pod_disruption_budget(
                namespace, common.plain_disruption_budget(f"svc-{i}", tasks))
    common.parallel(create, range(count))

    def available(deployment: dict) -> bool:
        status = deployment.get("status") or {}
        return status.get("availableReplicas") == tasks and \
            status.get("updatedReplicas") == tasks
    common.wait_for_all(f"{count} Deployments available", "deployments", namespace, count,
                        available, timeout, group="apps", version="v1")
    return time.monotonic() - started


def _timed_services(namespace: str, count: int, tasks: int, timeout: float) -> float:
    started = time.monotonic()
    try:
        common.run_services(namespace, [f"svc-{i}" for i in range(count)], timeout,
                            desired=tasks)
    except TimeoutError:
        return float("inf")  # reported as a MISS, with how many did converge
    return time.monotonic() - started


def _work_figures(work: collections.Counter, services: int) -> list[tuple[str, str, str]]:
    requests = " / ".join(f"{verb} {work[('requests', verb)] / services:.2f}"
                          for verb in ("GET", "PATCH", "POST", "DELETE")
                          if work[("requests", verb)])
    figures = [("operator requests per Service while converging", requests, "")]
    for controller, label in (("ecsservice", "spec reconciles"),
                              ("ecsservice-status", "status refreshes")):
        runs, seconds = work[("count", controller)], work[("sum", controller)]
        if runs:
            figures.append((f"  {label} per Service, mean time each",
                            f"{runs / services:.2f}, {seconds / runs:.3f} s", ""))
    return figures


def _server_figures(plain: collections.Counter, ecs: collections.Counter
                    ) -> list[tuple[str, str]]:
    """Where the API server's extra work in the ECS half came from: the requests and the
    kinds' watch events it served more of than in the plain half."""
    figures = []
    for measure, scale, unit, top in (("requests", 1, "", 8), ("watch bytes", 1e-6, " MB", 5)):
        keys = [k for k in set(plain) | set(ecs) if k[0] == measure]
        keys.sort(key=lambda k: ecs[k] - plain[k], reverse=True)
        for key in keys[:top]:
            figures.append((f"API server {measure}, {' '.join(key[1:])}, plain / ECS",
                            f"{plain[key] * scale:.0f} / {ecs[key] * scale:.0f}{unit}"))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000, help="N (default 1000)")
    parser.add_argument("--tasks", type=int, default=3, help="tasks per Service (default 3)")
    parser.add_argument("--steady-seconds", type=float, default=60,
                        help="steady-state window for counting API writes (default 60)")
    parser.add_argument("--plain-with-pdbs", action="store_true",
                        help="give each plain Deployment the PodDisruptionBudget the operator "
                             "makes too, to tell the operator's own cost from its objects'")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="give up on a phase after this many seconds")
    args, operator = common.start(parser)
    plain_ns = common.create_namespace("bench-plain")
    ecs_ns = common.create_namespace("bench-ecs")
    try:
        cpu_start, server_start = common.control_plane_cpu(), common.apiserver_work()
        plain = _timed_plain(plain_ns, args.services, args.tasks, args.timeout,
                             args.plain_with_pdbs)
        cpu_plain = common.control_plane_cpu() - cpu_start
        server_plain = common.apiserver_work() - server_start
        # Both sets at once would not fit the local cluster (1,500 pods a node): free the nodes.
        common.delete_namespace(plain_ns)
        common.wait_for("the plain namespace to go", lambda: not any(
            n.metadata.name == plain_ns for n in common.core().list_namespace().items),
            args.timeout, interval=2)
        common.register(ecs_ns, common.task_definition(), revision=1)
        cpu_before, cpu_start = operator.cpu_seconds(), common.control_plane_cpu()
        server_start = common.apiserver_work()
        samples_before = operator.samples()
        ecs = _timed_services(ecs_ns, args.services, args.tasks, args.timeout)
        cpu_used = operator.cpu_seconds() - cpu_before
        work = common.operator_work(samples_before, operator.samples())
        cpu_ecs = common.control_plane_cpu() - cpu_start
        server_ecs = common.apiserver_work() - server_start

        # Let the last status writes and events settle before the quiet window starts.
        time.sleep(5)
        writes_before, server_before = operator.api_writes(), common.apiserver_writes()
        objects_before = common.namespace_versions(ecs_ns)
        cpu_quiet_before = operator.cpu_seconds()
        time.sleep(args.steady_seconds)
        writes = operator.api_writes() - writes_before
        objects_written = common.changed(objects_before, common.namespace_versions(ecs_ns))
        server_by_kind = common.apiserver_writes() - server_before
        server_writes = sum(server_by_kind.values())
        cpu_quiet = operator.cpu_seconds() - cpu_quiet_before
        rss = operator.rss_mib()
        still = sum(common.converged(s) for s in common.list_custom(ecs_ns, "ecsservices"))
    finally:
        operator.stop()
        if not args.keep:
            common.delete_namespace(plain_ns)
            common.delete_namespace(ecs_ns)

    n, tasks = args.services, args.tasks
    table = common.Table(f"scale: {n} Services x {tasks} tasks ({n * tasks} pods) vs "
                         f"{n} plain Deployments")
    plain_kind = "plain Deployments + PDBs" if args.plain_with_pdbs else "plain Deployments"
    table.add(f"{plain_kind} available ({n})", plain, "s")
    table.add(f"ECS Services running == desired ({n})",
              ecs if ecs != float("inf") else f"> {args.timeout:.0f}", "s")
    table.add("ratio ECS / plain", ecs / plain if ecs != float("inf") else "timed out", "",
              "<= 1.5", ecs / plain <= 1.5)
    table.add(f"operator RSS at {n} Services", rss, "MiB", "<= 200 MiB", rss <= 200)
    table.add("operator CPU while converging", cpu_used, "CPU s")
    table.add(f"operator CPU in {args.steady_seconds:.0f} s steady state", cpu_quiet, "CPU s")
    for figure, value, unit in _work_figures(work, n):
        table.add(figure, value, unit)
    table.add(f"operator API writes in {args.steady_seconds:.0f} s steady state", writes, "",
              "0", writes == 0)
    written = sum(objects_written.values())
    table.add(f"objects written in the Services' namespace in {args.steady_seconds:.0f} s",
              written, "", "0", written == 0)
    for kind, count in objects_written.most_common(5):
        table.add(f"  of which {kind}", count)
    table.add(f"API server writes to those kinds, whole cluster, in {args.steady_seconds:.0f} s",
              server_writes)
    for (verb, resource), count in server_by_kind.most_common(3):
        table.add(f"  of which {verb} {resource}", count)
    table.add("Services still running == desired", f"{still}/{n}", "", f"{n}/{n}", still == n)
    for name in sorted(set(cpu_plain) | set(cpu_ecs), key=lambda k: (k == "machine", k)):
        label = "whole machine" if name == "machine" else name
        table.add(f"CPU used by {label}, plain phase / ECS phase",
                  f"{cpu_plain[name]:.1f} / {cpu_ecs[name]:.1f}", "CPU s")
    for figure, value in _server_figures(server_plain, server_ecs):
        table.add(figure, value)
    return 0 if table.print() else 1


if __name__ == "__main__":
    raise SystemExit(main())
