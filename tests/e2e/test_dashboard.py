"""The Grafana dashboard's queries, answered by a real Prometheus (Debian's `prometheus`)
scraping the operator while a BLUE_GREEN service deploys a new revision: every panel's PromQL
is valid against the metrics the operator exports, and the service-deployment panels show the
deployment move through its stages to SUCCESSFUL with all production traffic on the new
revision. (Grafana itself is not run: it is AGPL.)"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import ROOT, free_port
from .cluster import apply, wait_for
from .manifests import service, task_definition
from .prometheus import PrometheusProcess, scraping_operator
from .test_deployments import BAKE_TIME_SCALE, finished

DASHBOARD = ROOT / "charts/ecs-operator/dashboards/ecs-operator.json"


@pytest.fixture(scope="module")
def prometheus(operator, tmp_path_factory: pytest.TempPathFactory):
    """Prometheus scraping the operator every second; the operator with short bake times."""
    with scraping_operator(operator, tmp_path_factory.mktemp("prometheus"), free_port(),
                           ["--bake-time-scale", BAKE_TIME_SCALE]) as server:
        yield server


def panels() -> dict[str, list[str]]:
    """Panel title -> its PromQL, with the dashboard variables as a user would pick them."""
    dashboard = json.loads(DASHBOARD.read_text())
    return {panel["title"]: [target["expr"] for target in panel["targets"]]
            for panel in dashboard["panels"]}


def chosen(expr: str, namespace: str) -> str:
    return (expr.replace("$namespace", namespace).replace("$service", "web")
            .replace("$__rate_interval", "1m"))


def series_values(result: list[dict], label: str) -> set[str]:
    return {series["metric"].get(label, "") for series in result}


def test_dashboard_panels_follow_a_blue_green_deployment_in_a_real_prometheus(
        prometheus: PrometheusProcess, namespace: str) -> None:
    apply([task_definition(), service(desired=2, loadBalancers=[
        {"containerName": "app", "containerPort": 80}], deploymentConfiguration={
            "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2})], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    started = time.time()
    apply(task_definition(image="registry.example/web:2"), namespace)
    wait_for("web:2 deployed", finished(namespace, "web:2"), timeout=180)
    stage_query = chosen(panels()["Service deployments in flight by stage (BLUE_GREEN, CANARY, "
                                  "LINEAR)"][0], namespace)
    # The last scrape must have seen the finished record before the figures are read.
    wait_for("Prometheus to see no deployment in flight",
             lambda: prometheus.query(stage_query) == [], timeout=30)
    ended = time.time()

    for exprs in panels().values():
        for expr in exprs:
            prometheus.query_range(chosen(expr, namespace), started, ended)  # valid PromQL

    stages = series_values(prometheus.query_range(stage_query, started, ended), "stage")
    assert "BAKE_TIME" in stages, f"a 6 s bake scraped every second is seen: {stages}"

    by_status = {series["metric"]["status"]: float(series["value"][1]) for series in
                 prometheus.query(chosen(panels()["Service deployments by status"][0],
                                         namespace))}
    assert by_status["SUCCESSFUL"] == 2, by_status  # web:1's first deployment, then web:2
    assert by_status["ROLLBACK_SUCCESSFUL"] == 0, by_status
    [traffic] = prometheus.query(chosen(panels()["Production traffic on the new revision"][0],
                                        namespace))
    assert float(traffic["value"][1]) == 100.0
    [rolled_back] = prometheus.query(chosen(panels()["Service deployments rolled back"][0],
                                            namespace))
    assert float(rolled_back["value"][1]) == 0
    desired = prometheus.query(chosen(panels()["Desired vs running tasks"][0], namespace))
    assert [float(s["value"][1]) for s in desired] == [2.0]
