"""ECS healthCheck -> exec probes.

Readiness and liveness probes are identical: periodSeconds = interval, timeoutSeconds =
timeout, failureThreshold = retries, successThreshold 1 (ECS defaults 30 s, 5 s, 3).
A startPeriod (or a HEALTHY dependency, which must gate the containers started after it)
adds a startupProbe with the same command: periodSeconds = interval and failureThreshold =
ceil(startPeriod / interval) + retries, so failures inside the start period do not count,
as in ECS.

A command without the ``CMD`` / ``CMD-SHELL`` prefix (AWS's own samples write
``["/healthcheck"]``) is run directly, as ECS runs it (users of such images report them
healthy on ECS); ``health_check_warnings`` says so, for the import output and the
TaskDefinition's Valid condition.

``["NONE"]`` is Docker's way to switch off a health check the image declares, and ECS hands
the command to Docker unchanged: such a container gets no probes and its health stays UNKNOWN.
"""

from __future__ import annotations

import math
import shlex

from ..models.task_definition import HealthCheck, TaskDefinitionSpec
from .errors import TranslationError

SHELL = ("/bin/sh", "-c")
PREFIXES = ("CMD", "CMD-SHELL")
DISABLED = "NONE"


def disables_health_check(health_check: HealthCheck | None) -> bool:
    """True for Docker's ["NONE"]: no health check at all, not a command named NONE."""
    return health_check is not None and _words(health_check) == [DISABLED]


def probe_command(health_check: HealthCheck, path: str) -> list[str]:
    """["CMD", exe, args...] runs exe directly; ["CMD-SHELL", text...] runs text in /bin/sh.

    A single string "CMD-SHELL <text>" or "CMD <exe args>" is accepted too.
    """
    words = _words(health_check)
    if not words or words[0] not in PREFIXES:
        return list(health_check.command)
    kind, rest = words[0], words[1:]
    if not rest:
        raise TranslationError(
            f"{path}.healthCheck.command: {kind} must be followed by the command, e.g. "
            f"[\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]; got "
            f"{health_check.command}")
    if kind == "CMD-SHELL":
        return [*SHELL, " ".join(rest)]
    return rest


def _words(health_check: HealthCheck) -> list[str]:
    words = list(health_check.command)
    return _split_single_string(words[0]) if len(words) == 1 else words


def unprefixed_command_warning(health_check: HealthCheck, path: str) -> str | None:
    """A warning when the command lacks the CMD / CMD-SHELL prefix ECS documents."""
    words = _words(health_check)
    if words and words[0] in PREFIXES:
        return None
    if words == [DISABLED]:
        return (f"{path}.healthCheck.command: [\"NONE\"] switches the health check off, as "
                f"Docker does; the container has no probes and its health is UNKNOWN")
    return (f"{path}.healthCheck.command: {health_check.command} has no \"CMD\" or "
            f"\"CMD-SHELL\" prefix; it runs directly, as ECS runs it (add \"CMD-SHELL\" to "
            f"run it in /bin/sh)")


def health_check_warnings(spec: TaskDefinitionSpec) -> list[str]:
    found = []
    for index, container in enumerate(spec.containerDefinitions):
        if container.healthCheck is not None:
            warning = unprefixed_command_warning(container.healthCheck,
                                                 f"containerDefinitions[{index}]")
            if warning:
                found.append(warning)
    return found


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
