"""Render the Grafana dashboard to a PNG from a real Prometheus scraping the real operator.

No Grafana can be installed here, so this draws each panel of
charts/ecs-operator/dashboards/ecs-operator.json (same titles, layout and PromQL) with
matplotlib, from range queries answered by Prometheus (Debian's `prometheus` package) that
scraped the operator while a scenario ran on the local cluster: a service rolls out, scales, and
a failing revision trips the circuit breaker, a CANARY service deploys a new revision, plus a
few standalone tasks.

    make dashboard-png      # needs: apt-get install prometheus; pip install matplotlib
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "charts/ecs-operator/dashboards/ecs-operator.json"
OUTPUT = ROOT / "docs/dashboard.png"
PROMETHEUS_PORT = 19090
OPERATOR_METRICS_PORT = 18080
NAMESPACE = "dashboard-demo"
STEP_SECONDS = 2


def kubectl(*args: str, stdin: str | None = None) -> None:
    subprocess.run(["kubectl", *args], input=stdin, text=True, check=True,
                   capture_output=True)


def apply(*objects: dict) -> None:
    kubectl("apply", "-n", NAMESPACE, "-f", "-",
            stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))


def task_definition(image: str, labels: dict | None = None) -> dict:
    app = {"name": "app", "image": image, "memory": 256,
           "healthCheck": {"command": ["CMD", "true"], "interval": 10}}
    if labels:
        app["dockerLabels"] = labels
    return {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "TaskDefinition",
            "metadata": {"name": "web"}, "spec": {"containerDefinitions": [app]}}


def shop(image: str) -> dict:
    """A CANARY service's task definition: its deployments fill the service-deployment panels."""
    return {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "TaskDefinition",
            "metadata": {"name": "shop"}, "spec": {"containerDefinitions": [
                {"name": "app", "image": image, "memory": 128,
                 "portMappings": [{"containerPort": 80}]}]}}


def scenario() -> None:
    kubectl("create", "namespace", NAMESPACE)
    apply(shop("registry.example/shop:1"),
          {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Service",
           "metadata": {"name": "shop"},
           "spec": {"taskDefinition": "shop", "desiredCount": 4, "loadBalancers": [
               {"containerName": "app", "containerPort": 80}], "deploymentConfiguration": {
               "strategy": "CANARY", "bakeTimeInMinutes": 1, "canaryConfiguration": {
                   "canaryPercent": 25, "canaryBakeTimeInMinutes": 2}}}})
    apply(task_definition("registry.example/web:1"),
          {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Service",
           "metadata": {"name": "web"},
           "spec": {"taskDefinition": "web", "desiredCount": 4, "deploymentConfiguration": {
               "minimumHealthyPercent": 100, "maximumPercent": 125,
               "deploymentCircuitBreaker": {"enable": True, "rollback": True}}}},
          {"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "TaskDefinition",
           "metadata": {"name": "job"}, "spec": {"containerDefinitions": [
               {"name": "app", "image": "registry.example/job:1", "memory": 128,
                "dockerLabels": {"sim-exit-code": "0"}}]}})
    time.sleep(30)
    kubectl("scale", "-n", NAMESPACE, "esvc", "web", "--replicas=6")
    for index in range(3):
        apply({"apiVersion": "ecs.operator.dev/v1alpha1", "kind": "Task",
               "metadata": {"name": f"job-{index}"}, "spec": {"taskDefinition": "job"}})
    time.sleep(30)
    apply(task_definition("registry.example/web:2"), shop("registry.example/shop:2"))
    time.sleep(30)
    apply(task_definition("registry.example/web:3", {"sim-fail": "true"}))
    time.sleep(45)


def query_range(expression: str, start: float, end: float) -> list[dict]:
    params = urllib.parse.urlencode({"query": expression, "start": start, "end": end,
                                     "step": str(STEP_SECONDS)})
    url = f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query_range?{params}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["data"]["result"]


def concrete(expression: str) -> str:
    return (expression.replace("$namespace", NAMESPACE).replace("$service", ".*")
            .replace("$__rate_interval", "30s"))


def legend(template: str, labels: dict) -> str:
    for key, value in labels.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def with_gaps(values: list, start: float) -> tuple[list[float], list[float]]:
    """x and y of a series, broken where it had no sample (as Grafana draws it), not joined
    across the gap: a stage left and entered again is two lines."""
    xs: list[float] = []
    ys: list[float] = []
    for moment, value in values:
        if xs and float(moment) - start - xs[-1] > 2 * STEP_SECONDS:
            xs.append(float("nan"))
            ys.append(float("nan"))
        xs.append(float(moment) - start)
        ys.append(float(value))
    return xs, ys


def render(start: float, end: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dashboard = json.loads(DASHBOARD.read_text())
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    figure = plt.figure(figsize=(18, rows * 0.42), facecolor="#111217")
    grid = figure.add_gridspec(rows, 24, hspace=2.2, wspace=1.2)
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        axes = figure.add_subplot(grid[pos["y"]:pos["y"] + pos["h"] - 1,
                                       pos["x"]:pos["x"] + pos["w"]])
        axes.set_facecolor("#181b1f")
        axes.set_title(panel["title"], color="#d8d9da", loc="left", fontsize=10)
        axes.tick_params(colors="#8e8e8e", labelsize=7)
        series = [(legend(t["legendFormat"], s["metric"]), s["values"])
                  for t in panel["targets"]
                  for s in query_range(concrete(t["expr"]), start, end)]
        if panel["type"] in ("stat", "table"):
            axes.axis("off")
            # A stat shows the value at the end of the range; a series that ended is gone.
            current = [(name, values[-1][1]) for name, values in series
                       if float(values[-1][0]) >= end - 5]
            text = "\n".join(f"{name}: {float(v):g}" for name, v in current) or "0"
            axes.text(0.02, 0.5, text, color="#73bf69", fontsize=14 if panel["type"] == "stat"
                      else 9, va="center", transform=axes.transAxes)
            continue
        for name, values in series:
            axes.plot(*with_gaps(values, start), label=name, linewidth=1.4)
        axes.set_xlabel("seconds", color="#8e8e8e", fontsize=7)
        if series:
            axes.legend(fontsize=6, loc="upper left", facecolor="#181b1f",
                        labelcolor="#d8d9da", framealpha=0.7)
    figure.suptitle(dashboard["title"] + " (rendered from Prometheus range queries)",
                    color="#d8d9da", fontsize=13)
    figure.subplots_adjust(top=0.95, bottom=0.03, left=0.04, right=0.98)
    figure.savefig(OUTPUT, dpi=80, facecolor=figure.get_facecolor())
    print(f"wrote {OUTPUT}")


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        config = pathlib.Path(workdir) / "prometheus.yml"
        config.write_text(json.dumps({
            "global": {"scrape_interval": "2s", "evaluation_interval": "2s"},
            "scrape_configs": [{"job_name": "ecs-operator", "static_configs": [
                {"targets": [f"127.0.0.1:{OPERATOR_METRICS_PORT}"]}]}]}))
        prometheus = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={workdir}/data",
             f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        operator = subprocess.Popen(
            # Bake minutes of 6 s: the canary's stages fit in the picture.
            [sys.executable, "-m", "ecs_operator.cli", "run",
             f"--metrics-port={OPERATOR_METRICS_PORT}", "--bake-time-scale", "0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(5)
            start = time.time()
            scenario()
            render(start, time.time())
        finally:
            # Tasks carry the operator's finalizer: delete them while it still runs.
            subprocess.run(["kubectl", "delete", "namespace", NAMESPACE, "--timeout=120s"],
                           capture_output=True)
            operator.terminate()
            prometheus.terminate()
            operator.wait()
            prometheus.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
