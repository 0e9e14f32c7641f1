"""The HTTP server: reads a request, verifies its signature, runs the operation, writes ECS's
JSON 1.1 response. Threads serve requests (the Kubernetes client is synchronous)."""

from __future__ import annotations

import logging
import socket
import ssl
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ..translate.ecs_shapes import Arns
from . import dispatch
from .calls import Call
from .keys import KeyStore
from .protocol import CONTENT_TYPE, EcsError, encode, operation_of, parse_body
from .sigv4 import SignedRequest, verify

log = logging.getLogger("ecs_operator.api")
MAX_BODY = 10 * 1024 * 1024


class Settings:
    def __init__(self, keys: KeyStore, region: str, account: str, default_cluster: str) -> None:
        self.keys, self.region, self.default_cluster = keys, region, default_cluster
        self.arns = Arns(prefix=f"arn:aws:ecs:{region}:{account}:")


class EcsApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse their connections
    server: EcsApiServer

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: with Nagle's algorithm the body waited
        # for the client's delayed ACK, 40 ms on every response of a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/healthz":
            self._send(200, b"ok", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        started = time.perf_counter()
        operation, user, status = "-", "-", 200
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise EcsError("SerializationException", "the body is too large")
            body = self.rfile.read(length)
            settings = self.server.settings
            url = urlsplit(self.path)
            signed = SignedRequest(method="POST", path=url.path, query=url.query,
                                   headers=list(self.headers.items()), body=body)
            credential = verify(signed, settings.keys.keys(), settings.region,
                                datetime.now(timezone.utc))
            user = credential.user
            operation = operation_of(self.headers.get("X-Amz-Target"))
            call = Call(credential=credential, arns=settings.arns,
                        default_cluster=settings.default_cluster, operation=operation)
            payload = encode(dispatch.handle(call, parse_body(body)))
        except EcsError as error:
            status, payload = error.status, encode(error.body())
        except Exception as error:  # noqa: BLE001 - a client sees ECS's ServerException
            log.exception("%s failed", operation)
            status = 500
            payload = encode(EcsError("ServerException", f"internal error: {error}").body())
        self._send(status, payload, CONTENT_TYPE)
        log.info("%s %s %d %.1fms", operation, user, status,
                 (time.perf_counter() - started) * 1000)

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # one line per request is logged by do_POST


class EcsApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], settings: Settings) -> None:
        super().__init__(address, EcsApiHandler)
        self.settings = settings


def serve(host: str, port: int, settings: Settings, tls_cert: str | None = None,
          tls_key: str | None = None) -> None:
    server = EcsApiServer((host, port), settings)
    scheme = "http"
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_cert, tls_key)
        # The handshake happens in the request's thread, so a slow client holds up no other.
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        scheme = "https"
    log.info("serving ECS's API on %s://%s:%d", scheme, host, server.server_address[1])
    try:
        server.serve_forever()
    finally:
        server.server_close()
