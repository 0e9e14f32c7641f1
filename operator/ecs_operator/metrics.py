"""Prometheus metrics served on /metrics."""

from __future__ import annotations

import logging

from prometheus_client import Info, start_http_server

from . import __version__

BUILD_INFO = Info("ecs_operator_build", "The running operator's version.")
log = logging.getLogger(__name__)


def serve_metrics(port: int) -> None:
    """Port 0 turns the endpoint off (tests run several operators on one machine)."""
    BUILD_INFO.info({"version": __version__})
    if port:
        start_http_server(port)
        log.info("metrics on :%d/metrics", port)
