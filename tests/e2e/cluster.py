"""Helpers for e2e tests: kubectl against the local cluster, and waiting for conditions."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def kubectl(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", *args], input=input, text=True, capture_output=True,
                          check=check, env=os.environ)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def apply(manifest: dict | list[dict], namespace: str) -> subprocess.CompletedProcess:
    items = manifest if isinstance(manifest, list) else [manifest]
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    return kubectl("apply", "-n", namespace, "-f", "-", input=body, check=False)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60,
             interval: float = 0.5) -> T:
    """Polls until probe returns something truthy; fails with the last value seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except subprocess.CalledProcessError as error:
            # A failed kubectl (object not there yet, API server restarting) is not success.
            last = f"{error.cmd!r} failed: {error.stderr}"
        else:
            if result:
                return result
            last = result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")
