"""The real ECS clients (boto3 and the aws CLI, from .venv-clients) against `ecs-operator api`,
and the API process itself."""

from __future__ import annotations

import json
import os
import pathlib
import ssl
import subprocess
import sys
import urllib.request

from .cluster import wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLIENTS = ROOT / ".venv-clients/bin"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
ARN_PREFIX = f"arn:aws:ecs:{REGION}:{ACCOUNT}:"


class EcsError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class ApiProcess:
    """`ecs-operator api` as users run it, logging every request to a file."""

    def __init__(self, port: int, keys_namespace: str, log_path: pathlib.Path,
                 tls: tuple[pathlib.Path, pathlib.Path] | None = None,
                 kubeconfig: pathlib.Path | None = None) -> None:
        self.endpoint = f"{'https' if tls else 'http'}://localhost:{port}"
        self.keys_namespace = keys_namespace
        self.log_path = log_path
        self.context = ssl.create_default_context(cafile=str(tls[0])) if tls else None
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ecs_operator.cli", "api", "--host", "127.0.0.1",
                 "--port", str(port), "--region", REGION, "--account-id", ACCOUNT,
                 "--keys-namespace", keys_namespace, "--key-refresh-seconds", "1", "-v",
                 *(["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else [])],
                stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **({"KUBECONFIG": str(kubeconfig)} if kubeconfig else {})})
        wait_for("the ECS API to answer", self._healthy, timeout=30)

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2,
                                        context=self.context) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def require_clients() -> None:
    missing = [name for name in ("python", "aws") if not (CLIENTS / name).exists()]
    assert not missing, f"{CLIENTS} lacks {missing}: `make clients` installs boto3 and awscli"


class Boto3:
    """boto3 with parameter validation on, one subprocess per call."""

    def __init__(self, endpoint: str, access_key: str, secret: str,
                 ca_bundle: pathlib.Path | None = None) -> None:
        self.endpoint, self.access_key, self.secret = endpoint, access_key, secret
        self.ca_bundle = str(ca_bundle) if ca_bundle else None

    def _run(self, **given: object) -> dict:
        given = {"endpoint": self.endpoint, "region": REGION, "accessKeyId": self.access_key,
                 "secretAccessKey": self.secret, "caBundle": self.ca_bundle, **given}
        done = subprocess.run([str(CLIENTS / "python"), str(ROOT / "tests/e2e/clients/boto3_call.py")],
                              input=json.dumps(given), text=True, capture_output=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        if "error" in answer:
            raise EcsError(**answer["error"])
        return answer["response"]

    def __call__(self, operation: str, clock_offset: float = 0, unsigned: bool = False,
                 **params: object) -> dict:
        return self._run(operation=operation, params=params, clockOffsetSeconds=clock_offset,
                         unsigned=unsigned)

    def wait(self, waiter: str, **params: object) -> None:
        self._run(waiter=waiter, params=params)


class AwsCli:
    """`aws ecs ...` with AWS_ENDPOINT_URL_ECS, no config files, JSON output."""

    def __init__(self, endpoint: str, access_key: str, secret: str) -> None:
        self.env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
                    "AWS_ENDPOINT_URL_ECS": endpoint, "AWS_DEFAULT_REGION": REGION,
                    "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                    "AWS_MAX_ATTEMPTS": "1"}

    def __call__(self, *args: str, timeout: float = 600) -> dict:
        done = subprocess.run([str(CLIENTS / "aws"), "ecs", *args, "--output", "json"],
                              text=True, capture_output=True, env=self.env, timeout=timeout)
        if done.returncode != 0:
            raise EcsError("CliFailed", done.stderr.strip(), done.returncode)
        return json.loads(done.stdout) if done.stdout.strip() else {}
