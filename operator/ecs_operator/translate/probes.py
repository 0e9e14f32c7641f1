"""ECS healthCheck -> exec probes.

Readiness and liveness probes are identical: periodSeconds = interval, timeoutSeconds =
timeout, failureThreshold = retries, successThreshold 1 (ECS defaults 30 s, 5 s, 3).
A startPeriod (or a HEALTHY dependency, which must gate the containers started after it)
adds a startupProbe with the same command: periodSeconds = interval and failureThreshold =
ceil(startPeriod / interval) + retries, so failures inside the start period do not count,
as in ECS.
"""

from __future__ import annotations

import math
import shlex

from ..models.task_definition import HealthCheck
from .errors import TranslationError

SHELL = ("/bin/sh", "-c")


def probe_command(health_check: HealthCheck, path: str) -> list[str]:
    """["CMD", exe, args...] runs exe directly; ["CMD-SHELL", text...] runs text in /bin/sh.

    A single string "CMD-SHELL <text>" or "CMD <exe args>" is accepted too.
    """
    words = list(health_check.command)
    if len(words) == 1:
        words = _split_single_string(words[0])
    kind, rest = words[0], words[1:]
    if kind not in ("CMD", "CMD-SHELL") or not rest:
        raise TranslationError(
            f"{path}.healthCheck.command: must start with \"CMD\" or \"CMD-SHELL\" followed by "
            f"the command, e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]; got "
            f"{health_check.command}")
    if kind == "CMD-SHELL":
        return [*SHELL, " ".join(rest)]
    return rest


def _split_single_string(text: str) -> list[str]:
    kind, _, rest = text.strip().partition(" ")
    if kind == "CMD-SHELL":
        return [kind, rest.strip()] if rest.strip() else [kind]
    if kind == "CMD":
        try:
            return [kind, *shlex.split(rest)]
        except ValueError:  # an unbalanced quote: not a command line; reported by the caller
            return [text]
    return [text]


def health_probes(health_check: HealthCheck, path: str, *, gate_on_health: bool) -> dict:
    """``livenessProbe``, ``readinessProbe`` and, when needed, ``startupProbe``."""
    command = probe_command(health_check, path)
    timing = {
        "periodSeconds": health_check.interval,
        "timeoutSeconds": health_check.timeout,
        "successThreshold": 1,
    }
    probes = {
        kind: {"exec": {"command": list(command)}, **timing,
               "failureThreshold": health_check.retries}
        for kind in ("livenessProbe", "readinessProbe")
    }
    start_period = health_check.startPeriod or 0
    if start_period > 0 or gate_on_health:
        startup_failures = math.ceil(start_period / health_check.interval) + health_check.retries
        probes["startupProbe"] = {"exec": {"command": list(command)}, **timing,
                                  "failureThreshold": startup_failures}
    return probes
