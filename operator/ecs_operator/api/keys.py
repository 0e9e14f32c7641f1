"""Access keys from Kubernetes Secrets, each mapped to the Kubernetes identity it acts as.

A Secret labelled `ecs.operator.dev/api-access-key: "true"` in the API's namespace holds
`accessKeyId`, `secretAccessKey`, `username`, and optionally `groups` (comma-separated) and
`cluster` (the namespace of the key's task definitions and of requests naming no cluster).
The store re-reads them at most every `refresh_seconds`, so a new or revoked key counts
within that time.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable

from .sigv4 import Credential

LABEL_ACCESS_KEY = "ecs.operator.dev/api-access-key"
REQUIRED = ("accessKeyId", "secretAccessKey", "username")


def credentials(secrets: list[dict]) -> dict[str, Credential]:
    """Access key id -> credential, from Secrets (a Secret lacking a required key is skipped)."""
    found = {}
    for secret in secrets:
        data = {key: base64.b64decode(value).decode()
                for key, value in (secret.get("data") or {}).items()}
        data.update(secret.get("stringData") or {})
        if not all(data.get(key) for key in REQUIRED):
            continue
        groups = tuple(g.strip() for g in data.get("groups", "").split(",") if g.strip())
        found[data["accessKeyId"]] = Credential(
            access_key_id=data["accessKeyId"], secret_access_key=data["secretAccessKey"],
            user=data["username"], groups=groups, cluster=data.get("cluster") or None)
    return found


class KeyStore:
    def __init__(self, read: Callable[[], list[dict]], refresh_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read, self._refresh, self._clock = read, refresh_seconds, clock
        self._keys: dict[str, Credential] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def keys(self) -> dict[str, Credential]:
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._refresh:
                self._keys = credentials(self._read())
                self._read_at = now
            return self._keys
