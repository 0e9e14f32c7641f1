"""The Helm chart renders, and its dashboard and alerts only use metrics the operator exports."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client import REGISTRY

import ecs_operator.metrics  # noqa: F401  (registers the operator's metrics)

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "ecs-operator"
PROMQL_FUNCTIONS = {"sum", "by", "count", "rate", "increase", "delta", "absent", "max",
                    "histogram_quantile", "le", "label_values"}


def helm(*args: str) -> str:
    binary = shutil.which("helm")
    assert binary, "helm is not on PATH: run through `make test` (hack/install-tools.sh builds it)"
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def exported_metric_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"],
                    "info": ["_info"]}.get(family.type, [""])
        names.update(family.name + suffix for suffix in suffixes)
    return names


def promql_metric_names(expression: str) -> set[str]:
    without_grouping = re.sub(r"\b(by|without)\s*\([^)]*\)", "", expression)
    without_labels = re.sub(r"\{[^}]*\}", "", without_grouping)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_labels)
    tokens = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", without_ranges))
    return {t for t in tokens if "_" in t and t not in PROMQL_FUNCTIONS}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((CHART / "dashboards" / "ecs-operator.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    return exprs


def rule_expressions() -> list[str]:
    rules = yaml.safe_load((CHART / "alerts" / "ecs-operator.rules.yaml").read_text())
    return [r["expr"] for group in rules["groups"] for r in group["rules"]]


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_every_query_uses_metrics_the_operator_exports(source: str) -> None:
    expressions = dashboard_expressions() if source == "dashboard" else rule_expressions()
    used = set().union(*(promql_metric_names(e) for e in expressions))
    assert used, "no metric found: the parser is broken"
    assert used <= exported_metric_names(), used - exported_metric_names()


def test_chart_lints() -> None:
    helm("lint", str(CHART), "--strict")


@pytest.mark.parametrize("scope,role_kind", [("cluster", "ClusterRole"), ("namespace", "Role")])
def test_chart_renders_least_privilege_rbac_for_each_scope(scope: str, role_kind: str) -> None:
    rendered = list(yaml.safe_load_all(helm(
        "template", "demo", str(CHART), "--namespace", "ops", "--set", f"scope={scope}",
        "--set", "metrics.serviceMonitor.enabled=true",
        "--set", "metrics.prometheusRule.enabled=true",
        "--set", "metrics.grafanaDashboard.enabled=true")))
    kinds = {doc["kind"] for doc in rendered if doc}
    assert {role_kind, f"{role_kind}Binding", "Deployment", "ServiceAccount", "Service",
            "ServiceMonitor", "PrometheusRule", "ConfigMap"} <= kinds
    role = next(doc for doc in rendered if doc and doc["kind"] == role_kind)
    assert all("*" not in rule["verbs"] and "*" not in rule["resources"] for rule in role["rules"])
    deployment = next(doc for doc in rendered if doc and doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["spec"]["replicas"] == 2
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert "--peering=ecs-operator" in container["args"]
    dashboard = next(doc for doc in rendered if doc and doc["kind"] == "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"


@pytest.mark.parametrize("values,expected", [
    ([], []),
    (["--set", "prometheus.url=http://prometheus-operated.monitoring:9090"],
     ["--prometheus-url=http://prometheus-operated.monitoring:9090",
      "--alarm-check-interval=10"]),
    (["--set", "prometheus.url=http://p:9090", "--set", "prometheus.alarmCheckIntervalSeconds=5"],
     ["--prometheus-url=http://p:9090", "--alarm-check-interval=5"]),
], ids=["no-prometheus", "prometheus", "interval"])
def test_the_prometheus_url_reaches_the_operator(values: list[str], expected: list[str]) -> None:
    rendered = yaml.safe_load_all(helm("template", "demo", str(CHART), *values))
    deployment = next(doc for doc in rendered if doc and doc["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert [a for a in args if a.startswith(("--prometheus-url", "--alarm-check"))] == expected


def test_values_schema_rejects_an_unknown_scope() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        helm("template", "demo", str(CHART), "--set", "scope=everywhere")
    assert "scope" in failed.value.stderr


def _rendered_api(*sets: str) -> dict[tuple[str, str], dict]:
    rendered = yaml.safe_load_all(helm("template", "demo", str(CHART), "--namespace", "ops",
                                       "--set", "api.enabled=true", *sets))
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in rendered if doc}


def test_the_ecs_api_is_off_unless_enabled() -> None:
    rendered = yaml.safe_load_all(helm("template", "demo", str(CHART), "--namespace", "ops"))
    assert not [doc for doc in rendered if doc and doc["metadata"]["name"].endswith("-api")]


def test_the_ecs_api_runs_next_to_the_operator_with_its_own_service_and_rbac() -> None:
    docs = _rendered_api("--set", "api.region=eu-west-1", "--set-string", "api.accountId=123456789012",
                         "--set", "api.tls.secretName=ecs-api-tls",
                         "--set", "api.impersonation.users={alice,bob}")
    api = docs[("Deployment", "demo-ecs-operator-api")]
    operator = docs[("Deployment", "demo-ecs-operator")]
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:5] == ["api", "--port=8443", "--region=eu-west-1",
                                     "--account-id=123456789012", "--default-cluster=default"]
    assert {"--tls-cert=/etc/ecs-api/tls/tls.crt", "--tls-key=/etc/ecs-api/tls/tls.key"} <= \
        set(container["args"])
    assert api["spec"]["template"]["spec"]["volumes"] == [
        {"name": "tls", "secret": {"secretName": "ecs-api-tls"}}]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert api["spec"]["template"]["spec"]["serviceAccountName"] == "demo-ecs-operator-api"
    # Each Service selects its own pods: the API's are not the operator's metrics endpoints.
    api_labels = api["spec"]["template"]["metadata"]["labels"]
    operator_labels = operator["spec"]["template"]["metadata"]["labels"]
    metrics = docs[("Service", "demo-ecs-operator-metrics")]["spec"]["selector"]
    service = docs[("Service", "demo-ecs-operator-api")]["spec"]
    assert service["selector"].items() <= api_labels.items()
    assert not metrics.items() <= api_labels.items()
    assert not service["selector"].items() <= operator_labels.items()
    assert service["ports"] == [{"name": "ecs-api", "port": 8443, "targetPort": "ecs-api"}]
    rules = docs[("ClusterRole", "demo-ecs-operator-api")]["rules"]
    assert {"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"],
            "resourceNames": ["alice", "bob"]} in rules
    assert all("*" not in rule["verbs"] and "*" not in rule["resources"] for rule in rules)
    assert docs[("Role", "demo-ecs-operator-api")]["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]


@pytest.mark.parametrize("value", ["api.accountId=12345", "api.defaultCluster=Not_A_Namespace",
                                   "api.service.type=Ingress"])
def test_values_schema_rejects_bad_api_values(value: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        helm("template", "demo", str(CHART), "--set", "api.enabled=true", "--set", value)
    assert value.split("=")[0].split(".")[-1] in failed.value.stderr
