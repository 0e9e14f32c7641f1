"""ECS's healthCheckGracePeriodSeconds -> a startupProbe that outlasts the grace period.

For that long after a task starts, ECS ignores failing container (and load balancer) health
checks: the task is neither stopped as unhealthy nor counted against the deployment. In a pod
the liveness probe is what stops (restarts) a failing container, and every restart counts for
the circuit breaker; Kubernetes runs neither the liveness nor the readiness probe before the
startup probe has succeeded. So each container with a health check gets a startupProbe (the
health check's command and timing) that tolerates ceil(grace / interval) + retries failures:
failures inside the grace period change nothing, and a check that still fails after it
restarts the container as it would have after the task's own retries. A task is Ready (healthy)
as soon as its check first passes, inside the grace period or not, as in ECS.

A startPeriod of the task definition already gives such a probe; the longer of the two holds.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

from .pod import PodTranslation


def grace_failures(probe: dict, grace_seconds: int) -> int:
    """Failures a startup probe with the probe's timing tolerates to outlast the grace."""
    period = int(probe.get("periodSeconds") or 10)
    return math.ceil(grace_seconds / period) + int(probe.get("failureThreshold") or 3)


def _with_grace(container: dict, grace_seconds: int) -> dict:
    liveness = container.get("livenessProbe")
    if not liveness:
        return container
    startup = copy.deepcopy(container.get("startupProbe") or liveness)
    startup["failureThreshold"] = max(int(startup.get("failureThreshold") or 0),
                                      grace_failures(liveness, grace_seconds))
    return {**container, "startupProbe": startup}


def with_grace_period(pod: PodTranslation, grace_seconds: int | None) -> PodTranslation:
    """The pod with every health-checked container's startupProbe outlasting the grace."""
    if not grace_seconds:
        return pod
    spec = dict(pod.spec)
    for field in ("containers", "initContainers"):
        if spec.get(field):
            spec[field] = [_with_grace(c, grace_seconds) for c in spec[field]]
    return replace(pod, spec=spec)
