"""The e2e fixtures: a real control plane (started here, or the one KUBECONFIG names), the
CRDs installed, the operator running as a subprocess, and a namespace per test."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import uuid

import pytest

from .cluster import kubectl, kubectl_json, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Short, so the clean-up of stopped tasks can be seen within a test.
STOPPED_TASK_RETENTION_SECONDS = 30


@pytest.fixture(scope="session")
def cluster() -> str:
    """The kubeconfig of a running cluster. Reuses $KUBECONFIG when it answers."""
    given = os.environ.get("KUBECONFIG")
    if given and given != str(ROOT / ".cluster/kubeconfig") and subprocess.run(
            ["kubectl", "get", "--raw", "/readyz"], capture_output=True).returncode == 0:
        return given
    started = subprocess.run([str(ROOT / "hack/cluster/up.sh")], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"local cluster did not start:\n{started.stdout}\n{started.stderr}")
    sys.stderr.write(started.stdout)
    kubeconfig = str(ROOT / ".cluster/kubeconfig")
    os.environ["KUBECONFIG"] = kubeconfig
    bin_dir = subprocess.run([str(ROOT / "hack/install-tools.sh")], capture_output=True,
                             text=True, check=True).stdout.strip()
    os.environ["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
    return kubeconfig


@pytest.fixture(scope="session")
def crds(cluster: str) -> None:
    kubectl("apply", "--server-side", "-f", str(ROOT / "crds"))
    kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")


@pytest.fixture(scope="session")
def gateway_api_crds(cluster: str) -> None:
    """The Gateway API's CRDs at hack/versions.env's version, fetched into the tools cache
    through the Go module proxy (hack/gateway-api-crds.sh), not kept in the repo."""
    fetched = subprocess.run([str(ROOT / "hack/gateway-api-crds.sh")], capture_output=True,
                             text=True)
    if fetched.returncode != 0:
        pytest.fail(f"Gateway API CRDs not fetched:\n{fetched.stderr}")
    # Polled rather than `kubectl wait`, which failed in CI right after the apply (a new
    # CRD's status can have no conditions yet); this also runs just after test_failures.py
    # restarted the API server.
    wait_for("the Gateway API CRDs applied", lambda: kubectl(
        "apply", "--server-side", "-f", fetched.stdout.strip()).returncode == 0, timeout=60)
    wait_for("HTTPRoute established", lambda: any(
        c["type"] == "Established" and c["status"] == "True"
        for c in (kubectl_json("get", "crd", "httproutes.gateway.networking.k8s.io")
                  .get("status") or {}).get("conditions") or []), timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OperatorProcess:
    """The operator as users run it (`ecs-operator run`), logging to a file."""

    def __init__(self, log_path: pathlib.Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.metrics_port = free_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        self.extra_env: dict[str, str] = {}
        self.extra_args: list[str] = []

    def start(self) -> None:
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecs_operator.cli", "run",
                 "--metrics-port", str(self.metrics_port),
                 "--stopped-task-retention", str(STOPPED_TASK_RETENTION_SECONDS),
                 *self.extra_args],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.extra_env})
        try:
            wait_for("the operator to start", lambda: "configured, watching" in self.log()
                     or self.process.poll() is not None, timeout=60)
        finally:
            if self.process.poll() is not None:
                self.process.wait()
        assert self.process.returncode is None, self.log()[-3000:]

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture(scope="session")
def operator(crds: None, tmp_path_factory: pytest.TempPathFactory) -> OperatorProcess:
    running = OperatorProcess(tmp_path_factory.mktemp("operator") / "operator.log")
    running.start()
    yield running
    running.stop()
    sys.stderr.write(f"operator log: {running.log_path}\n")


@pytest.fixture
def namespace(cluster: str) -> str:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    # The default ServiceAccount must exist before pods can be created in the namespace.
    wait_for("the default ServiceAccount", lambda: kubectl(
        "get", "serviceaccount", "default", "-n", name, check=False).returncode == 0)
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)
