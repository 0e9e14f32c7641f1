"""The operator's API client against a local HTTP endpoint: connections are kept for every
concurrent caller, and applying several objects at once attempts each and reports a failure."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from ecs_operator import k8s

CALLERS = 24  # Kopf's 8 handler threads, 8 appliers, 4 refreshers and a few more


class _ApiServer(BaseHTTPRequestHandler):
    """Answers applies: refused with 422 for names in `refused`; each waits at `barrier`, when
    set, until that many requests are in flight."""
    protocol_version = "HTTP/1.1"
    connections: set[tuple[str, int]]
    applied: list[str]
    refused: set[str]
    barrier: threading.Barrier | None

    def do_PATCH(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.connections.add(self.client_address)
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        self.applied.append(name)
        if self.barrier:
            self.barrier.wait()
        status = 422 if name in self.refused else 200
        body = json.dumps({"kind": "Status", "code": status, "message": f"{name} refused"}
                          if status != 200
                          else {"metadata": {"name": name}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


class _Listener(ThreadingHTTPServer):
    # All callers connect at once: with socketserver's backlog of 5, a connection dropped from
    # the queue was retried by the kernel seconds later, and the barrier gave up (seen in CI).
    request_queue_size = 2 * CALLERS
    daemon_threads = True


@pytest.fixture
def api_server(monkeypatch):
    monkeypatch.setattr(_ApiServer, "connections", set(), raising=False)
    monkeypatch.setattr(_ApiServer, "applied", [], raising=False)
    monkeypatch.setattr(_ApiServer, "refused", set(), raising=False)
    monkeypatch.setattr(_ApiServer, "barrier", None, raising=False)
    server = _Listener(("127.0.0.1", 0), _ApiServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    configuration = client.Configuration(host=f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setattr(client.Configuration, "_default", configuration)
    monkeypatch.setattr(k8s, "_client", None)
    yield _ApiServer
    server.shutdown()
    server.server_close()


def _object(kind: str, name: str) -> dict:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": "shop"}}


def test_concurrent_callers_reuse_their_connections(api_server, caplog) -> None:
    api_server.barrier = threading.Barrier(CALLERS, timeout=30)
    caplog.set_level(logging.WARNING, logger="urllib3.connectionpool")
    with ThreadPoolExecutor(CALLERS) as callers:
        for _ in range(2):  # the second round must find every connection kept
            list(callers.map(k8s.apply, (_object("Deployment", f"web-{i}")
                                         for i in range(CALLERS))))

    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert len(api_server.connections) == CALLERS


def test_apply_all_returns_each_object_in_order(api_server) -> None:
    objects = [_object("Deployment", "web"), _object("PodDisruptionBudget", "web-pdb"),
               _object("Service", "web-svc")]

    applied = k8s.apply_all(objects)

    assert [obj["metadata"]["name"] for obj in applied] == ["web", "web-pdb", "web-svc"]


def test_apply_all_attempts_every_object_and_raises_the_first_failure(api_server) -> None:
    api_server.refused = {"web-pdb", "web-svc"}
    objects = [_object("Deployment", "web"), _object("PodDisruptionBudget", "web-pdb"),
               _object("Service", "web-svc")]

    with pytest.raises(ApiException) as raised:
        k8s.apply_all(objects)

    assert raised.value.status == 422
    assert "web-pdb refused" in str(raised.value.body)  # the first failure in the order given
    assert sorted(api_server.applied) == ["web", "web-pdb", "web-svc"]


def _owned(kind: str, name: str, uid: str) -> dict:
    return {"kind": kind, "metadata": {"name": name, "ownerReferences": [{"uid": uid}]}}


def test_a_prune_lists_only_the_kinds_the_caller_does_not_hold(monkeypatch) -> None:
    calls: list[tuple[str, str]] = []

    def call(method: str, path: str, **_: object) -> dict:
        calls.append((method, path))
        return {"items": [_owned("Service", "web", "u-1")] if path.endswith("/services")
                else []}

    monkeypatch.setattr(k8s, "_call", call)
    known = {"Deployment": [_owned("Deployment", "web", "u-1")], "DaemonSet": [],
             "PodDisruptionBudget": [_owned("PodDisruptionBudget", "web", "u-1"),
                                     _owned("PodDisruptionBudget", "other", "u-2")]}
    removed = k8s.prune_service_objects("shop", "web", "u-1", {("Deployment", "web")},
                                        known=known)

    assert removed == [("PodDisruptionBudget", "web"), ("Service", "web")]
    assert calls == [
        ("DELETE", "/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web"),
        ("GET", "/api/v1/namespaces/shop/services"),
        ("DELETE", "/api/v1/namespaces/shop/services/web"),
        ("GET", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers"),
    ]
