"""`ecs-operator` command line: run the operator, serve ECS's API, or write the CRDs."""

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
    from .handlers.alarm_watch import CHECK_INTERVAL_ENV, PROMETHEUS_URL_ENV
    from .handlers.service_refresh import PROGRESS_INTERVAL_ENV
    from .handlers.tasks import RETENTION_ENV
    from .runner import run
    if args.stopped_task_retention is not None:
        os.environ[RETENTION_ENV] = str(args.stopped_task_retention)
    if args.status_progress_interval is not None:
        os.environ[PROGRESS_INTERVAL_ENV] = str(args.status_progress_interval)
    if args.prometheus_url is not None:
        os.environ[PROMETHEUS_URL_ENV] = args.prometheus_url
    if args.alarm_check_interval is not None:
        os.environ[CHECK_INTERVAL_ENV] = str(args.alarm_check_interval)
    # Replicas with equal priorities would all pause; distinct random ones elect one.
    priority = args.priority if args.priority is not None else random.randint(1, 1_000_000)
    return run(namespaces=args.namespace, all_namespaces=not args.namespace,
               metrics_port=args.metrics_port, peering=args.peering, priority=priority,
               verbose=args.verbose)


def run_api(args: argparse.Namespace) -> int:
    import logging
    from . import k8s
    from .api.keys import LABEL_ACCESS_KEY, KeyStore
    from .api.server import Settings, serve
    from .k8s.ecs_resources import list_secrets
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.tls_cert) != bool(args.tls_key):
        print("ecs-operator api: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    k8s.load_configuration()
    keys = KeyStore(lambda: list_secrets(args.keys_namespace, f"{LABEL_ACCESS_KEY}=true"),
                    refresh_seconds=args.key_refresh_seconds)
    serve(args.host, args.port, Settings(keys, args.region, args.account_id,
                                         args.default_cluster),
          tls_cert=args.tls_cert, tls_key=args.tls_key)
    return 0


def _own_namespace() -> str:
    """The pod's namespace in a cluster; "default" elsewhere."""
    path = pathlib.Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
    return path.read_text().strip() if path.exists() else "default"


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
    run.add_argument("--prometheus-url", default=None, metavar="URL",
                     help="Prometheus whose alerts are the Services' deployment alarms "
                          "(deploymentConfiguration.alarms.alarmNames), e.g. "
                          "http://prometheus.monitoring:9090")
    run.add_argument("--alarm-check-interval", type=float, default=None, metavar="SECONDS",
                     help="how often a deployment with alarms asks Prometheus (default 10)")
    run.add_argument("-v", "--verbose", action="store_true")

    api = commands.add_parser("api", help="serve ECS's API (JSON 1.1, SigV4) on the resources")
    api.add_argument("--host", default="0.0.0.0")
    api.add_argument("--port", type=int, default=8443)
    api.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"),
                     help="the region requests are signed for and ARNs name")
    api.add_argument("--account-id", default="000000000000", help="the account ARNs name")
    api.add_argument("--default-cluster", default="default",
                     help="the cluster (namespace) of requests that name none, for keys "
                          "without a cluster of their own")
    api.add_argument("--keys-namespace", default=None,
                     help="where the access-key Secrets are (default: the pod's namespace)")
    api.add_argument("--key-refresh-seconds", type=float, default=10.0,
                     help="how often the access-key Secrets are read again")
    api.add_argument("--tls-cert", default=None, help="PEM certificate: serve HTTPS")
    api.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    api.add_argument("-v", "--verbose", action="store_true", help="log every request")

    crds = commands.add_parser("crds", help="write the CustomResourceDefinitions")
    crds.add_argument("--output", type=pathlib.Path, default=pathlib.Path("crds"))

    args = parser.parse_args(argv)
    if args.command == "crds":
        write_crds(args.output)
        return 0
    if args.command == "api":
        args.keys_namespace = args.keys_namespace or _own_namespace()
        return run_api(args)
    return run_operator(args)


if __name__ == "__main__":
    sys.exit(main())
