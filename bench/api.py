"""ECS API benchmark: DescribeServices and RegisterTaskDefinition latency (p50/p99) as boto3
sees them, with N Services in the cluster, and the DescribeServices requests per second the
API sustains with several clients at once.

Starts the operator and `ecs-operator api` (unless given), makes a cluster (a labelled
namespace) with an access key, creates N Services (desiredCount 0 by default: the figures are
about the API, not about running pods; --tasks to give them tasks), waits until the operator
has seen them all and is quiet again, then runs bench/api_client.py with .venv-clients' boto3
(`make clients`).

RegisterTaskDefinition answers once the operator has recorded the revision, so its latency
includes the operator's reaction to the change (a watch event and the revision's write).
"""

from __future__ import annotations

import argparse
import base64
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import ROOT, Table, create_custom, create_namespace, core, delete_namespace, \
    free_port, percentile, run_services, start, task_definition, wait_for, wait_until_quiet

CLIENTS_PYTHON = ROOT / ".venv-clients/bin/python"
REGION, ACCOUNT = "us-east-1", "000000000000"
P99_TARGET_SECONDS = 0.050


def start_api(keys_namespace: str) -> tuple[subprocess.Popen, str, pathlib.Path]:
    port = free_port()
    log = open(tempfile.mkstemp(prefix="bench-api-", suffix=".log")[1], "w")
    # -v: one line per request with the time the API spent on it (server_times reads them).
    process = subprocess.Popen(
        [sys.executable, "-m", "ecs_operator.cli", "api", "--host", "127.0.0.1", "--port",
         str(port), "--region", REGION, "--account-id", ACCOUNT, "--keys-namespace",
         keys_namespace, "-v"], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"ecs-operator api exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"{endpoint}/healthz", timeout=2):
                return True
        except OSError:
            return False
    wait_for("the ECS API", healthy, timeout=30)
    return process, endpoint, pathlib.Path(log.name)


REQUEST_LINE = re.compile(r"ecs_operator\.api: (?P<operation>\w+) \S+ 200 (?P<ms>[0-9.]+)ms$")


def server_times(log: pathlib.Path, operation: str) -> list[float]:
    """Seconds the API spent on each successful `operation` (its -v request log)."""
    return [float(m["ms"]) / 1000 for m in map(REQUEST_LINE.search, log.read_text().splitlines())
            if m and m["operation"] == operation]


def cluster_namespace(prefix: str) -> str:
    """A namespace labelled as an ECS cluster, as CreateCluster makes one."""
    name = create_namespace(prefix)
    core().patch_namespace(name, {"metadata": {"labels": {"ecs.operator.dev/cluster": "true"}}})
    return name


def add_key(namespace: str, access_key: str, secret: str) -> None:
    data = {"accessKeyId": access_key, "secretAccessKey": secret, "username": "bench-admin",
            "groups": "system:masters", "cluster": namespace}
    core().create_namespaced_secret(namespace, {
        "metadata": {"name": "bench-key", "labels": {"ecs.operator.dev/api-access-key": "true"}},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000, help="N (default 1000)")
    parser.add_argument("--tasks", type=int, default=0, help="desiredCount of each (default 0)")
    parser.add_argument("--describe-calls", type=int, default=1000)
    parser.add_argument("--register-calls", type=int, default=200)
    parser.add_argument("--register-interval", type=float, default=0.0,
                        help="seconds between registrations (default 0: back to back, each "
                             "sharing the machine with the previous one's status write)")
    parser.add_argument("--threads", type=int, default=4,
                        help="clients at once in the throughput phase")
    parser.add_argument("--throughput-seconds", type=float, default=20)
    parser.add_argument("--timeout", type=float, default=1800)
    args, operator = start(parser)
    if not CLIENTS_PYTHON.exists():
        raise SystemExit(f"{CLIENTS_PYTHON} is missing: `make clients`")
    # An earlier run's namespace still being deleted (1,000 Services, their Deployments...)
    # keeps the control plane busy for a minute: it would be measured too.
    wait_for("earlier namespaces to be deleted", lambda: not [
        n for n in core().list_namespace().items if n.status.phase == "Terminating"],
        args.timeout, interval=2)
    namespace = cluster_namespace("bench-api")
    api, endpoint, api_log = start_api(namespace)
    try:
        add_key(namespace, "AKIABENCH", "bench-secret")
        create_custom(namespace, "taskdefinitions", task_definition())
        names = [f"svc-{n:04d}" for n in range(args.services)]
        began = time.monotonic()
        run_services(namespace, names, args.timeout, desired=args.tasks)
        print(f"{args.services} Services ready in {time.monotonic() - began:.0f}s",
              file=sys.stderr)
        # "At N Services", not while they are being made: ready Services still have their
        # paced status writes and Events to come, ten seconds or so at 1,000.
        settling = time.monotonic()
        wait_until_quiet(operator, args.timeout)
        settled = time.monotonic() - settling
        plan = {"endpoint": endpoint, "region": REGION, "accessKeyId": "AKIABENCH",
                "secretAccessKey": "bench-secret", "cluster": namespace, "services": names,
                "family": "bench-register", "describeCalls": args.describe_calls,
                "registerCalls": args.register_calls,
                "registerInterval": args.register_interval, "threads": args.threads,
                "throughputSeconds": args.throughput_seconds}
        time.sleep(2)  # the key Secret is read on the first request; let the first pass
        done = subprocess.run([str(CLIENTS_PYTHON), str(ROOT / "bench/api_client.py")],
                              input=json.dumps(plan), text=True, capture_output=True,
                              check=True)
        figures = json.loads(done.stdout)
    finally:
        api.terminate()
        api.wait(timeout=30)
        operator.stop()
        if not args.keep:
            delete_namespace(namespace)

    spacing = f", {args.register_interval * 1000:.0f} ms between registrations" \
        if args.register_interval else ""
    table = Table(f"ECS API at {args.services} Services ({args.tasks} tasks each), boto3 "
                  f"from one client{spacing}, then several")
    table.add("operator busy after the Services were ready", settled, "s")
    # The log's first DescribeServices is the client's warm-up; the sustained phase follows
    # the timed calls, so each timed phase is a slice of the log in order.
    for name, values, first in (("DescribeServices", figures["describe"], 1),
                                ("RegisterTaskDefinition", figures["register"], 0)):
        table.add(f"{name} p50", percentile(values, 50) * 1000, "ms")
        p99 = percentile(values, 99)
        table.add(f"{name} p99", p99 * 1000, "ms", f"<= {P99_TARGET_SECONDS * 1000:.0f} ms",
                  p99 <= P99_TARGET_SECONDS)
        table.add(f"{name} calls", len(values))
        served = server_times(api_log, name)[first:first + len(values)]
        table.add(f"{name} p50 / p99 inside the API", f"{percentile(served, 50) * 1000:.1f} / "
                  f"{percentile(served, 99) * 1000:.1f}", "ms")
    sustained = figures["throughput"]
    table.add(f"DescribeServices sustained ({args.threads} clients)",
              sustained["requests"] / sustained["seconds"], "req/s")
    table.add("errors while sustained", sustained["errors"], "", "0",
              sustained["errors"] == 0)
    return 0 if table.print() else 1


if __name__ == "__main__":
    sys.exit(main())
