"""ECS's JSON 1.1 wire protocol: targets, errors, timestamps and pagination. Pure.

Requests are `POST /` with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`
and a JSON object body; errors are `{"__type": <error shape>, "message": ...}`, the shapes
botocore's ECS model lists.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
CONTENT_TYPE = "application/x-amz-json-1.1"

# ECS's timestamp members: on the wire, JSON 1.1 writes them as seconds since the epoch.
TIMESTAMP_KEYS = frozenset({
    "createdAt", "updatedAt", "startedAt", "stoppedAt", "stoppingAt", "registeredAt",
    "deregisteredAt", "deleteRequestedAt", "pullStartedAt", "pullStoppedAt",
    "executionStoppedAt", "connectivityAt", "finishedAt", "expiresAt",
})


class EcsError(Exception):
    """An error response: `code` is the error shape's name (`__type`)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def body(self) -> dict:
        return {"__type": self.code, "message": self.message}


def client_error(message: str) -> EcsError:
    return EcsError("ClientException", message)


def invalid_parameter(message: str) -> EcsError:
    return EcsError("InvalidParameterException", message)


def operation_of(target: str | None) -> str:
    if not target or not target.startswith(TARGET_PREFIX):
        raise EcsError("UnknownOperationException",
                       f"X-Amz-Target must be {TARGET_PREFIX}<Operation>")
    return target[len(TARGET_PREFIX):]


def parse_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError as error:
        raise EcsError("SerializationException", f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise EcsError("SerializationException", "the body must be a JSON object")
    return body


def epoch_seconds(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def to_wire(value: object) -> object:
    """A response with its RFC 3339 timestamps (as Kubernetes writes them) as epoch seconds."""
    if isinstance(value, dict):
        return {key: epoch_seconds(item) if key in TIMESTAMP_KEYS and isinstance(item, str)
                else to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    return value


def encode(response: dict) -> bytes:
    return json.dumps(to_wire(response), separators=(",", ":")).encode()


def page(items: list[str], next_token: str | None, max_results: int | None, *,
         default: int, maximum: int = 100) -> tuple[list[str], str | None]:
    """One page of `items` (already in the order ECS returns them) after `next_token`.

    The token names the last item returned, so items created or deleted between pages
    neither repeat nor shift the rest."""
    if max_results is None:
        size = default
    elif not 1 <= max_results <= maximum:
        raise invalid_parameter(f"maxResults must be between 1 and {maximum}")
    else:
        size = max_results
    start = 0
    if next_token:
        last = _decode_token(next_token)
        start = items.index(last) + 1 if last in items else _position_after(items, last)
    chosen = items[start:start + size]
    more = start + size < len(items)
    return chosen, _encode_token(chosen[-1]) if more and chosen else None


def _position_after(items: list[str], last: str) -> int:
    """Where a page resumes when its last item has gone: after everything ordered before it."""
    ascending = items == sorted(items)
    for index, item in enumerate(items):
        if (item > last) if ascending else (item < last):
            return index
    return len(items)


def _encode_token(last: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last}).encode()).decode()


def _decode_token(token: str) -> str:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(decoded["after"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise invalid_parameter("nextToken is not one this API returned") from error
