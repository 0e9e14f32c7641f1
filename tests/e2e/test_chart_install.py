"""The Helm chart installs on the local cluster, and its RBAC is enough: the operator runs with
the chart's ServiceAccount token (not an admin kubeconfig) and serves services and tasks."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import yaml

from .cluster import apply, kubectl, kubectl_json, wait_for
from .conftest import ROOT, OperatorProcess
from .manifests import service, task_definition
from .test_services import steady
from .test_tasks import batch_definition, container, task, until_status


def helm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["helm", *args], capture_output=True, text=True, env=os.environ)


def service_account_kubeconfig(namespace: str, account: str, path: pathlib.Path) -> None:
    token = kubectl("create", "token", account, "-n", namespace, "--duration=1h").stdout.strip()
    admin = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "operator",
        "clusters": [{"name": "local", "cluster": cluster}],
        "users": [{"name": "operator", "user": {"token": token}}],
        "contexts": [{"name": "operator", "context": {"cluster": "local", "user": "operator"}}],
    }
    path.write_text(yaml.safe_dump(config))


def test_chart_installs_and_its_rbac_is_enough(operator, namespace: str, tmp_path) -> None:
    release = f"ecs-{namespace[-8:]}"
    installed = helm("install", release, str(ROOT / "charts/ecs-operator"), "-n", namespace,
                     "--wait", "--timeout", "90s")
    assert installed.returncode == 0, installed.stderr
    try:
        deployment = kubectl_json("get", "deployment", f"{release}-ecs-operator", "-n", namespace)
        assert deployment["status"].get("readyReplicas") == 2
        account = f"{release}-ecs-operator"
        kubeconfig = tmp_path / "operator.kubeconfig"
        service_account_kubeconfig(namespace, account, kubeconfig)

        operator.stop()  # only the ServiceAccount's operator may act during this test
        restricted = OperatorProcess(tmp_path / "restricted.log")
        restricted.extra_env = {"KUBECONFIG": str(kubeconfig)}
        restricted.extra_args = ["--peering", "ecs-operator"]
        restricted.start()
        try:
            apply([task_definition(), service(desired=2),
                   batch_definition("job", [container("app", dockerLabels={"sim-exit-code": "0"})]),
                   task("run-1", "job")], namespace)
            wait_for("web:1 steady under the chart's RBAC",
                     steady(namespace, task_definition_ref="web:1"))
            wait_for("the task to stop", until_status(namespace, "run-1", "STOPPED"))
            apply(task_definition(image="registry.example/web:2"), namespace)
            wait_for("web:2 steady under the chart's RBAC",
                     steady(namespace, task_definition_ref="web:2"))
            denials = [line for line in restricted.log().splitlines()
                       if f"system:serviceaccount:{namespace}:{account}" in line]
            assert not denials, denials[:5]
        finally:
            restricted.stop()
            operator.start()
    finally:
        uninstalled = helm("uninstall", release, "-n", namespace, "--wait")
        assert uninstalled.returncode == 0, uninstalled.stderr
