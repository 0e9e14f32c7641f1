"""Calls the http(s) lifecycle hooks a service deployment asks for (translate/lifecycle_hooks.py)
with ECS's event, and returns their answers. Not the API server: plain HTTP to the user's URL."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from ..translate.ecs_shapes import arn
from ..translate.lifecycle_hooks import Answer, HookCall

log = logging.getLogger(__name__)
# A hook that needs longer answers IN_PROGRESS and is called again (ECS's callBackDelay).
CALL_TIMEOUT_SECONDS = 10.0
ANSWER_LIMIT_BYTES = 64 * 1024


def with_namespace(namespace: str, service: str, event: dict) -> dict:
    """The event's ARNs as kubectl ecs shows them: the namespace stands for the cluster."""
    details = {**event["executionDetails"], "serviceArn": arn(namespace, service)}
    return {**event, "resourceArn": arn(namespace, event["resourceArn"]),
            "executionId": arn(namespace, event["executionId"]), "executionDetails": details}


def call(namespace: str, service: str, hook: HookCall) -> Answer:
    body = json.dumps(with_namespace(namespace, service, hook.event)).encode()
    request = urllib.request.Request(hook.url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT_SECONDS) as response:
            text = response.read(ANSWER_LIMIT_BYTES)
    except urllib.error.HTTPError as error:
        return Answer(error=f"answered HTTP {error.code}")
    except (OSError, ValueError) as error:  # refused, timed out, bad URL
        return Answer(error=f"could not be called: {error}")
    try:
        return Answer(body=json.loads(text))
    except ValueError:
        return Answer(error=f"answered {text[:200]!r}, which is not JSON")


def call_all(namespace: str, service: str,
             hooks: list[HookCall]) -> dict[tuple[str, str], Answer]:
    answers = {}
    for hook in hooks:
        answers[(hook.hook_id, hook.stage)] = answer = call(namespace, service, hook)
        log.info("service %s/%s: lifecycle hook %s at %s (%s): %s", namespace, service,
                 hook.hook_id, hook.stage, hook.url, answer.error or answer.body)
    return answers
