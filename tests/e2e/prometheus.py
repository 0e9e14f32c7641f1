"""A real Prometheus (Debian's `prometheus` package) scraping the e2e operator's /metrics and
evaluating the chart's alerting rules, for the deployment alarms."""

from __future__ import annotations

import contextlib
import json
import pathlib
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from .cluster import wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART_RULES = ROOT / "charts/ecs-operator/alerts/ecs-operator.rules.yaml"
# Short, so an alert fires within seconds of the metric moving.
SCRAPE_AND_EVALUATION_SECONDS = 1


def config(metrics_target: str, rules: list[pathlib.Path]) -> dict:
    every = f"{SCRAPE_AND_EVALUATION_SECONDS}s"
    return {
        "global": {"scrape_interval": every, "evaluation_interval": every},
        "rule_files": [str(path) for path in rules],
        "scrape_configs": [{"job_name": "ecs-operator",
                            "static_configs": [{"targets": [metrics_target]}]}],
    }


class PrometheusProcess:
    def __init__(self, workdir: pathlib.Path, port: int, metrics_target: str,
                 extra_rules: list[dict] | None = None) -> None:
        """`extra_rules`: alerting rules of a test's own, beside the chart's."""
        self.workdir, self.port, self.extra_rules = workdir, port, extra_rules or []
        self.url = f"http://127.0.0.1:{port}"
        self.metrics_target = metrics_target
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("prometheus")
        assert binary, "prometheus is not on PATH: apt-get install prometheus (.ci/run does)"
        rules = self.workdir / "ecs-operator.rules.yaml"
        shutil.copy(CHART_RULES, rules)
        # JSON is YAML: the config and the test's rules are built as dicts, never as text.
        files = [rules]
        if self.extra_rules:
            files.append(self.workdir / "test.rules.yaml")
            files[-1].write_text(json.dumps({"groups": [{
                "name": "test", "interval": f"{SCRAPE_AND_EVALUATION_SECONDS}s",
                "rules": self.extra_rules}]}))
        (self.workdir / "prometheus.yml").write_text(
            json.dumps(config(self.metrics_target, files)))
        with open(self.workdir / "prometheus.log", "a") as log:
            self.process = subprocess.Popen(
                [binary, f"--config.file={self.workdir / 'prometheus.yml'}",
                 f"--storage.tsdb.path={self.workdir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for("Prometheus to be ready", lambda: self._ready() or self.process.poll() is not None,
                 timeout=60)
        assert self.process.poll() is None, (self.workdir / "prometheus.log").read_text()[-2000:]

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def alerts(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v1/alerts", timeout=5) as response:
            return json.load(response)["data"]["alerts"]

    def api(self, path: str, **params: object) -> dict:
        """A query API call; its `data`, or AssertionError with Prometheus' own error."""
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            answer = json.load(error)
        assert answer["status"] == "success", f"{params}: {answer.get('error')}"
        return answer["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def query_range(self, expr: str, start: float, end: float, step: float = 1) -> list[dict]:
        return self.api("query_range", query=expr, start=start, end=end, step=step)["result"]


@contextlib.contextmanager
def scraping_operator(operator, workdir: pathlib.Path, port: int, operator_args: list[str],
                      extra_rules: list[dict] | None = None):
    """A Prometheus scraping the e2e operator, which runs with `operator_args` (where
    "{prometheus_url}" is the Prometheus' URL) until the block ends, and then with the
    arguments it had before."""
    server = PrometheusProcess(workdir, port, f"127.0.0.1:{operator.metrics_port}",
                               extra_rules)
    server.start()
    before = list(operator.extra_args)
    operator.stop()
    operator.extra_args = [arg.format(prometheus_url=server.url) for arg in operator_args]
    operator.start()
    try:
        yield server
    finally:
        server.stop()
        operator.stop()
        operator.extra_args = before
        operator.start()
