"""A lifecycle hook whose target is an http URL, served here on 127.0.0.1: the operator POSTs
ECS's hook event at the hook's stage, calls again after callBackDelay while the hook answers
IN_PROGRESS, finishes the deployment once it answers SUCCEEDED, and rolls back, with
production never leaving blue, when it answers FAILED."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .cluster import apply, kubectl_json, wait_for
from .manifests import task_definition
from .test_deployments import REVISION, blue_green, finished, ready_endpoints
from .test_deployments import scaled_operator  # noqa: F401  (the module's operator)

STAGE = "POST_TEST_TRAFFIC_SHIFT"


class HookServer:
    """Answers each POST with the next of `answers` (the last one repeats) and keeps the
    events it was sent."""

    def __init__(self, answers: list[dict]) -> None:
        self.answers, self.events = answers, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                server.events.append(json.loads(self.rfile.read(length)))
                answer = server.answers[min(len(server.events), len(server.answers)) - 1]
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def hook_server(request):
    server = HookServer(request.param)
    yield server
    server.close()


@pytest.mark.parametrize(("hook_server", "outcome", "serving"), [
    pytest.param([{"hookStatus": "IN_PROGRESS", "callBackDelay": 1, "hookDetails": {"try": 1}},
                  {"hookStatus": "SUCCEEDED"}], "SUCCESSFUL", "web-2-", id="succeeded"),
    pytest.param([{"hookStatus": "FAILED"}], "ROLLBACK_SUCCESSFUL", "web-1-", id="failed"),
], indirect=["hook_server"])
def test_an_http_hook_is_called_with_ecs_event_and_its_answer_decides(
        scaled_operator, namespace: str, hook_server: HookServer, outcome: str,  # noqa: F811
        serving: str) -> None:
    apply([task_definition(), blue_green(lifecycleHooks=[
        {"hookTargetArn": hook_server.url, "lifecycleStages": [STAGE],
         "hookDetails": {"suite": "smoke"}}])], namespace)
    wait_for("web:1 deployed", finished(namespace, "web:1"), timeout=120)
    assert hook_server.events == [], "a first deployment has no test traffic shift"
    apply(task_definition(image="registry.example/web:2"), namespace)
    record = wait_for(outcome, finished(namespace, "web:2", outcome), timeout=180)
    wait_for("production on the right revision",
             ready_endpoints(namespace, "web", serving, 3), timeout=60)

    first = hook_server.events[0]
    assert first["lifecycleStage"] == STAGE
    assert first["resourceArn"] == f"{namespace}/web/2"
    assert first["executionDetails"] == {
        "serviceArn": f"{namespace}/web", "targetServiceRevisionArn": "web:2",
        "testTrafficWeights": {"web:2": 100.0}, "productionTrafficWeights": {"web:1": 100.0}}
    assert first["hookDetails"] == {"suite": "smoke"}
    [detail] = record["lifecycleHookDetails"]
    if outcome == "SUCCESSFUL":
        assert len(hook_server.events) == 2, "called again after callBackDelay, then done"
        assert hook_server.events[1]["hookDetails"] == {"suite": "smoke", "try": 1}
        assert detail["status"] == "SUCCEEDED"
    else:
        assert len(hook_server.events) == 1
        assert detail["status"] == "FAILED"
        assert "answered FAILED" in record["rollback"]["reason"]
        selector = kubectl_json("get", "service", "web", "-n", namespace)["spec"]["selector"]
        assert selector[REVISION] == "1"
