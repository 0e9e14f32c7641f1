"""Shared by the bench scripts: the cluster, the operator under test, manifests, timing,
percentiles and the table each script prints.

The scripts talk to the cluster in $KUBECONFIG (the local one: `make cluster-up`) with the
official kubernetes client. They start the operator themselves (`ecs-operator run`, logging to a
file) unless given `--metrics-url` and `--operator-pid` of one already running.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from prometheus_client.parser import text_string_to_metric_families

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The scripts use the operator's own translation and names, installed or not.
sys.path.insert(0, str(ROOT / "operator"))
GROUP, VERSION = "ecs.operator.dev", "v1alpha1"
IMAGE = "registry.example/web:1"
WRITE_VERBS = ("POST", "PUT", "PATCH", "DELETE", "APPLY", "CREATE", "UPDATE",
               "DELETECOLLECTION")
# What the operator writes (itself or through Kopf): measured at the API server, so Kopf's own
# annotation patches and event posts count too.
OPERATOR_RESOURCES = ("ecsservices", "taskdefinitions", "ecstasks", "scheduledtasks",
                      "deployments", "poddisruptionbudgets", "controllerrevisions", "cronjobs",
                      "events", "services", "horizontalpodautoscalers", "daemonsets")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# --- the cluster -------------------------------------------------------------------------

def connect() -> None:
    config.load_kube_config()
    # Enough connections for the creating threads.
    configuration = client.Configuration.get_default_copy()
    configuration.connection_pool_maxsize = 32
    client.Configuration.set_default(configuration)


def core() -> client.CoreV1Api:
    return client.CoreV1Api()


def apps() -> client.AppsV1Api:
    return client.AppsV1Api()


def policy() -> client.PolicyV1Api:
    return client.PolicyV1Api()


def custom() -> client.CustomObjectsApi:
    return client.CustomObjectsApi()


def install_crds() -> None:
    subprocess.run(["kubectl", "apply", "--server-side", "-f", str(ROOT / "crds")], check=True,
                   capture_output=True)
    subprocess.run(["kubectl", "wait", "--for=condition=Established", "crd", "--all",
                    "--timeout=60s"], check=True, capture_output=True)


def create_namespace(prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    core().create_namespace({"metadata": {"name": name, "labels": {"bench": "ecs-operator"}}})
    wait_for("the default ServiceAccount", lambda: _has_default_account(name), timeout=60)
    return name


def _has_default_account(namespace: str) -> bool:
    try:
        core().read_namespaced_service_account("default", namespace)
        return True
    except ApiException:
        return False


def delete_namespace(name: str) -> None:
    try:
        core().delete_namespace(name)
    except ApiException as error:
        if error.status != 404:
            raise


def wait_for(what: str, probe: Callable[[], object], timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def parallel(function: Callable, items: Iterable, workers: int = 16) -> list:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


def apiserver_writes() -> collections.Counter:
    """Writes the API server has served to the kinds the operator writes, since it started,
    by (verb, resource)."""
    text = subprocess.run(["kubectl", "get", "--raw", "/metrics"], check=True,
                          capture_output=True, text=True).stdout
    writes: collections.Counter = collections.Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "apiserver_request_total" \
                    and sample.labels.get("verb") in WRITE_VERBS \
                    and sample.labels.get("resource") in OPERATOR_RESOURCES:
                writes[(sample.labels["verb"], sample.labels["resource"])] += sample.value
    return writes


def apiserver_work() -> collections.Counter:
    """What the API server has done so far, for telling where its CPU goes: requests served,
    by ("requests", verb, resource) (watches left out), and bytes of watch events sent, by
    ("watch bytes", resource)."""
    text = subprocess.run(["kubectl", "get", "--raw", "/metrics"], check=True,
                          capture_output=True, text=True).stdout
    work: collections.Counter = collections.Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "apiserver_request_total" and labels.get("resource") \
                    and labels.get("verb") not in ("WATCH", "CONNECT"):
                resource = labels["resource"] + (f"/{labels['subresource']}"
                                                 if labels.get("subresource") else "")
                work[("requests", labels["verb"], resource)] += sample.value
            elif sample.name == "apiserver_watch_events_sizes_sum":
                work[("watch bytes", labels.get("resource", "?"))] += sample.value
    return work


# /proc/<pid>/comm is cut at 15 characters ("kube-controller").
CONTROL_PLANE = ("kube-apiserver", "etcd", "kube-controller", "kube-scheduler", "kwok")


def control_plane_cpu() -> collections.Counter:
    """CPU seconds used so far by the local cluster's processes on this machine, by name, and
    by the whole machine ("machine"); empty names when the cluster runs elsewhere."""
    used: collections.Counter = collections.Counter()
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            name = (proc / "comm").read_text().strip()
            if name.startswith(CONTROL_PLANE):
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                used[name] += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited while being read
    ticks = pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    idle = int(ticks[3]) + int(ticks[4])  # idle + iowait
    used["machine"] = (sum(int(t) for t in ticks) - idle) / CLOCK_TICKS
    return used


def namespace_versions(namespace: str) -> dict[tuple[str, str], str]:
    """resourceVersion of every object of the kinds the operator writes in one namespace
    (events included): any write to one of them, by anyone, changes this snapshot."""
    versions = {}
    lists = {
        "events": lambda: core().list_namespaced_event(namespace).items,
        "deployments": lambda: apps().list_namespaced_deployment(namespace).items,
        "controllerrevisions": lambda: apps().list_namespaced_controller_revision(
            namespace).items,
        "poddisruptionbudgets": lambda: client.PolicyV1Api(
        ).list_namespaced_pod_disruption_budget(namespace).items,
    }
    for kind, listing in lists.items():
        for item in listing():
            versions[(kind, item.metadata.name)] = item.metadata.resource_version
    for plural in ("ecsservices", "taskdefinitions"):
        for item in list_custom(namespace, plural):
            versions[(plural, item["metadata"]["name"])] = item["metadata"]["resourceVersion"]
    return versions


def changed(before: dict, after: dict) -> collections.Counter:
    """Objects written between two snapshots (created, changed or deleted), by kind."""
    keys = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return collections.Counter(kind for kind, _ in keys)


# --- manifests ---------------------------------------------------------------------------

def task_definition(name: str = "web", image: str = IMAGE) -> dict:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "TaskDefinition",
            "metadata": {"name": name},
            "spec": {"family": name, "containerDefinitions": [
                # Small: 3,000 of these fit the local cluster's 3 x 32 CPUs.
                {"name": "app", "image": image, "essential": True, "cpu": 16, "memory": 64,
                 "portMappings": [{"containerPort": 80}]}]}}


def service(name: str, task_definition_ref: str = "web", desired: int = 3,
            minimum_healthy_percent: int = 100, maximum_percent: int = 200) -> dict:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Service", "metadata": {"name": name},
            "spec": {"taskDefinition": task_definition_ref, "desiredCount": desired,
                     "deploymentConfiguration": {
                         "minimumHealthyPercent": minimum_healthy_percent,
                         "maximumPercent": maximum_percent}}}


def plain_deployment(name: str, replicas: int, image: str = IMAGE) -> dict:
    """A Deployment with the pod the operator makes of task_definition() (same translation)."""
    from ecs_operator.models.task_definition import TaskDefinitionSpec
    from ecs_operator.translate.pod import pod_spec
    pod = pod_spec(TaskDefinitionSpec.model_validate(task_definition(image=image)["spec"]))
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {
                         "maxUnavailable": 0, "maxSurge": replicas}},
                     "template": {"metadata": {"labels": {"app": name},
                                               "annotations": pod.annotations},
                                  "spec": {**pod.spec, "restartPolicy": "Always"}}}}


def plain_disruption_budget(name: str, replicas: int) -> dict:
    """The PodDisruptionBudget the operator makes for a Service at minimumHealthyPercent 100
    (one task at a time may be drained: translate/disruption_budget.py)."""
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name},
            "spec": {"minAvailable": max(replicas - 1, 0),
                     "selector": {"matchLabels": {"app": name}}}}


def create_custom(namespace: str, plural: str, body: dict) -> None:
    custom().create_namespaced_custom_object(GROUP, VERSION, namespace, plural, body)


def list_custom(namespace: str, plural: str) -> list[dict]:
    return custom().list_namespaced_custom_object(GROUP, VERSION, namespace, plural)["items"]


def register(namespace: str, definition: dict, revision: int, timeout: float = 120) -> None:
    """Create or replace a TaskDefinition and wait until `revision` is recorded."""
    name = definition["metadata"]["name"]
    try:
        current = custom().get_namespaced_custom_object(GROUP, VERSION, namespace,
                                                        "taskdefinitions", name)
        definition = {**definition, "metadata": {**definition["metadata"],
                                                 "resourceVersion":
                                                     current["metadata"]["resourceVersion"]}}
        custom().replace_namespaced_custom_object(GROUP, VERSION, namespace, "taskdefinitions",
                                                  name, definition)
    except ApiException as error:
        if error.status != 404:
            raise
        create_custom(namespace, "taskdefinitions", definition)
    wait_for(f"task definition {name}:{revision}", lambda: (
        custom().get_namespaced_custom_object(GROUP, VERSION, namespace, "taskdefinitions",
                                              name).get("status", {}).get("revision") == revision),
        timeout=timeout)


def wait_for_all(what: str, plural: str, namespace: str, count: int,
                 done: Callable[[dict], bool], timeout: float, group: str = GROUP,
                 version: str = VERSION) -> None:
    """Until `count` objects of a namespace are `done`, followed with one LIST and then a
    watch. Polling instead (a LIST of 1,000 Services a second) was a tenth of the API
    server's CPU in a profile, and as much again in this process: work that neither the
    operator nor the Kubernetes controllers do."""
    deadline = time.monotonic() + timeout
    finished: set[str] = set()
    resource_version = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what} "
                               f"({len(finished)}/{count})")
        if resource_version is None:
            listed = custom().list_namespaced_custom_object(group, version, namespace, plural,
                                                            resource_version="0")
            finished = {o["metadata"]["name"] for o in listed["items"] if done(o)}
            resource_version = listed["metadata"]["resourceVersion"]
        if len(finished) >= count:
            return
        try:
            for event in watch.Watch().stream(
                    custom().list_namespaced_custom_object, group, version, namespace, plural,
                    resource_version=resource_version, allow_watch_bookmarks=True,
                    timeout_seconds=max(1, min(int(remaining), 60))):
                found = event["object"]
                resource_version = found["metadata"]["resourceVersion"]
                if event["type"] == "BOOKMARK":
                    continue
                if event["type"] != "DELETED" and done(found):
                    finished.add(found["metadata"]["name"])
                else:
                    finished.discard(found["metadata"]["name"])
                if len(finished) >= count:
                    return
        except ApiException as error:
            if error.status != 410:
                raise
            resource_version = None  # too old to resume from: list again


def run_services(namespace: str, names: list[str], timeout: float, **fields: object) -> None:
    """Creates Services of the TaskDefinition `web` from 16 threads (`fields`: those of
    `service`), then waits until every one runs its desiredCount."""
    parallel(lambda name: create_custom(namespace, "ecsservices", service(name, **fields)),
             names)
    wait_for_all(f"{len(names)} Services running", "ecsservices", namespace, len(names),
                 converged, timeout)


def converged(service_object: dict) -> bool:
    spec, status = service_object.get("spec", {}), service_object.get("status") or {}
    desired = spec.get("desiredCount", 1)
    return status.get("desiredCount") == desired and status.get("runningCount") == desired


# --- the operator under test -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Operator:
    """`ecs-operator run` started here, or one already running (pid and metrics URL)."""

    def __init__(self, pid: int | None = None, metrics_url: str | None = None,
                 extra_args: list[str] | None = None) -> None:
        self.process: subprocess.Popen | None = None
        self.log_path: pathlib.Path | None = None
        if pid is None:
            port = free_port()
            self.log_path = pathlib.Path(tempfile.mkstemp(prefix="bench-operator-",
                                                          suffix=".log")[1])
            with open(self.log_path, "w") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "ecs_operator.cli", "run", "--metrics-port",
                     str(port), *(extra_args or [])], stdout=log, stderr=subprocess.STDOUT)
            self.pid = self.process.pid
            self.metrics_url = f"http://127.0.0.1:{port}/metrics"
            wait_for("the operator to start",
                     lambda: "configured, watching" in self.log_path.read_text()
                     or self.process.poll() is not None, timeout=60)
            if self.process.poll() is not None:
                raise RuntimeError(f"the operator exited:\n{self.log_path.read_text()[-3000:]}")
        else:
            self.pid, self.metrics_url = pid, metrics_url

    def rss_mib(self) -> float:
        pages = int(pathlib.Path(f"/proc/{self.pid}/statm").read_text().split()[1])
        return pages * PAGE_SIZE / 2**20

    def cpu_seconds(self) -> float:
        fields = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime

    def samples(self) -> dict[tuple[str, frozenset], float]:
        with urllib.request.urlopen(self.metrics_url, timeout=10) as response:
            text = response.read().decode()
        return {(s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    def api_writes(self) -> float:
        return sum(value for (name, labels), value in self.samples().items()
                   if name == "ecs_operator_api_requests_total"
                   and dict(labels).get("verb") in WRITE_VERBS)

    def stop(self) -> None:
        """SIGTERM, and SIGKILL after 30 s, as a kubelet would (Kopf first posts the Events
        it has queued)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def operator_work(before: dict, after: dict) -> collections.Counter:
    """What the operator's reconcilers did in between, from its own metrics."""
    work: collections.Counter = collections.Counter()
    for (name, labels), value in after.items():
        labels_ = dict(labels)
        delta = value - before.get((name, labels), 0.0)
        if name == "ecs_operator_api_requests_total":
            work[("requests", labels_["verb"])] += delta
        elif name in ("controller_runtime_reconcile_time_seconds_sum",
                      "controller_runtime_reconcile_time_seconds_count"):
            work[(name.rsplit("_", 1)[1], labels_["controller"])] += delta
    return work


def wait_until_quiet(operator: Operator, timeout: float, share: float = 0.05,
                     window: float = 3.0) -> None:
    """Until the operator used less than `share` of a CPU over `window` seconds: the work a
    converged status does not show (Events still being posted, Kopf's annotation patches)
    is done."""
    def quiet() -> bool:
        before = operator.cpu_seconds()
        time.sleep(window)
        return operator.cpu_seconds() - before < share * window
    wait_for("the operator to finish its work", quiet, timeout, interval=0)


def operator_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--operator-pid", type=int, default=None,
                        help="measure this running operator instead of starting one")
    parser.add_argument("--metrics-url", default=None,
                        help="its /metrics URL (with --operator-pid)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the bench namespaces in place at the end")


def start(parser: argparse.ArgumentParser,
          operator_args: Callable[[argparse.Namespace], list[str]] | None = None
          ) -> tuple[argparse.Namespace, Operator]:
    """What every benchmark does first: its arguments and the operator's, the cluster
    connection, the CRDs, and the operator to measure (started here unless given, with
    `operator_args(args)` on its command line)."""
    operator_arguments(parser)
    args = parser.parse_args()
    if args.operator_pid is not None and not args.metrics_url:
        raise SystemExit("--operator-pid needs --metrics-url")
    connect()
    install_crds()
    extra = operator_args(args) if operator_args else None
    return args, Operator(args.operator_pid, args.metrics_url, extra_args=extra)


# --- figures -----------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Row:
    figure: str
    value: float | str
    unit: str = ""
    target: str = ""
    ok: bool | None = None  # None: informative, no target


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, figure: str, value: float | str, unit: str = "", target: str = "",
            ok: bool | None = None) -> None:
        self.rows.append(Row(figure, value, unit, target, ok))

    def print(self) -> bool:
        """Prints the table; True when every row with a target passed."""
        header = ("figure", "value", "target", "result")
        lines = [(r.figure, f"{_number(r.value)} {r.unit}".strip(), r.target,
                  "" if r.ok is None else ("PASS" if r.ok else "MISS")) for r in self.rows]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
        print(f"\n{self.title}")
        for line in [header, tuple("-" * w for w in widths), *lines]:
            print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())
        return all(r.ok is not False for r in self.rows)


def _number(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
