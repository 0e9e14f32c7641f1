"""ECS's deployment circuit breaker: when a rollout's tasks keep failing, the deployment FAILS
(and, with rollback, the service returns to its last completed deployment).

A failed task is a task of the new revision that stopped before becoming healthy (its pod is
Failed) or whose container restarted (each restart counts, as a crash-looping task keeps
failing). The threshold follows ECS's thresholdConfiguration: BOUNDED_PERCENT (the default,
value 50) is ceil(desiredCount x value / 100) kept within 3..200; UNBOUNDED_PERCENT is the same
product without bounds (at least 1); COUNT is the value itself.

resetOnHealthyTask (default true, as in ECS): a task of the deployment reaching healthy sets
the breaker's count back to 0, so only failures since the last task turned healthy trip it.
The deployment's `failedTasks` keeps counting every failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_THRESHOLD_TYPE = "BOUNDED_PERCENT"
DEFAULT_THRESHOLD_VALUE = 50
MINIMUM_BOUNDED_THRESHOLD = 3
MAXIMUM_BOUNDED_THRESHOLD = 200


@dataclass(frozen=True)
class BreakerConfig:
    enabled: bool
    rollback: bool
    threshold_type: str = DEFAULT_THRESHOLD_TYPE
    threshold_value: int = DEFAULT_THRESHOLD_VALUE
    reset_on_healthy_task: bool = True


def breaker_config(spec: dict) -> BreakerConfig:
    breaker = (spec.get("deploymentConfiguration") or {}).get("deploymentCircuitBreaker") or {}
    threshold = breaker.get("thresholdConfiguration") or {}
    return BreakerConfig(
        enabled=bool(breaker.get("enable")),
        rollback=bool(breaker.get("rollback")),
        threshold_type=threshold.get("type", DEFAULT_THRESHOLD_TYPE),
        threshold_value=int(threshold.get("value", DEFAULT_THRESHOLD_VALUE)),
        reset_on_healthy_task=breaker.get("resetOnHealthyTask") is not False,
    )


def failure_threshold(desired: int, config: BreakerConfig) -> int:
    if config.threshold_type == "COUNT":
        return max(config.threshold_value, 1)
    product = math.ceil(desired * config.threshold_value / 100)
    if config.threshold_type == "UNBOUNDED_PERCENT":
        return max(product, 1)
    return min(max(product, MINIMUM_BOUNDED_THRESHOLD), MAXIMUM_BOUNDED_THRESHOLD)


def task_failures(pods: list[dict]) -> int:
    """Failed tasks among one revision's pods: stopped ones, plus every container restart."""
    failures = 0
    for pod in pods:
        status = pod.get("status", {})
        if status.get("phase") == "Failed":
            failures += 1
            continue
        failures += sum(int(c.get("restartCount") or 0)
                        for c in status.get("containerStatuses") or [])
    return failures


def breaker_count(config: BreakerConfig, earlier: dict, failures: int, healthy: int) -> int:
    """The failures the breaker counts now, from the deployment as last recorded (`earlier`),
    its failures in all (`failures`) and its healthy tasks now.

    A task turned healthy since the last record (more healthy tasks than then) resets the
    count; failures seen in the same observation still count, as their order is unknown."""
    recorded = int(earlier.get("failedTasks", 0))
    new_failures = max(failures - recorded, 0)
    if not earlier:
        return failures
    counted = int((earlier.get("circuitBreaker") or {}).get("failureCount", recorded))
    if config.reset_on_healthy_task and healthy > int(earlier.get("healthyCount", 0)):
        return new_failures
    return counted + new_failures


def breaker_state(config: BreakerConfig, rollout_state: str | None, failures: int,
                  threshold: int) -> dict:
    """The circuit breaker as DescribeServices' deployments[].circuitBreaker shows it."""
    if not config.enabled:
        status = "DISABLED"
    elif rollout_state == "FAILED":
        status = "TRIGGERED"
    elif rollout_state == "COMPLETED":
        status = "MONITORING_COMPLETE"
    else:
        status = "MONITORING"
    return {"status": status, "failureCount": failures, "threshold": threshold}
