"""ScheduledTask: an EventBridge schedule becomes a CronJob whose runs show up as Tasks with
ECS status."""

from __future__ import annotations

from .cluster import apply, kubectl_json, wait_for
from .test_tasks import batch_definition, container

API = "ecs.operator.dev/v1alpha1"


def scheduled(name: str, expression: str, definition: str, **spec: object) -> dict:
    return {"apiVersion": API, "kind": "ScheduledTask", "metadata": {"name": name},
            "spec": {"scheduleExpression": expression, "taskDefinition": definition, **spec}}


def test_every_minute_schedule_produces_a_run_with_ecs_status(operator, namespace: str) -> None:
    apply([batch_definition("nightly", [container("app", dockerLabels={"sim-exit-code": "0"})]),
           scheduled("nightly", "rate(1 minute)", "nightly")], namespace)
    cron = wait_for("the CronJob", lambda: kubectl_json(
        "get", "cronjobs", "-n", namespace, "-l", "ecs.operator.dev/scheduled-task=nightly")
        ["items"])
    assert cron[0]["spec"]["schedule"] == "* * * * *"
    assert kubectl_json("get", "stask", "nightly", "-n", namespace)["status"]["schedule"] \
        == "* * * * *"

    def stopped_run() -> dict | None:
        runs = kubectl_json("get", "etask", "-n", namespace,
                            "-l", "ecs.operator.dev/scheduled-task=nightly")["items"]
        done = [r for r in runs if r.get("status", {}).get("lastStatus") == "STOPPED"]
        return done[0] if done else None

    run = wait_for("a scheduled run to finish", stopped_run, timeout=150, interval=2)
    assert run["spec"]["startedBy"] == "events-rule/nightly"
    assert run["status"]["stopCode"] == "EssentialContainerExited"
    assert run["status"]["containers"][0]["exitCode"] == 0
    assert run["status"]["taskDefinition"] == "nightly:1"


def test_untranslatable_schedule_is_reported(operator, namespace: str) -> None:
    apply([batch_definition("monthly", [container("app")]),
           scheduled("monthly", "cron(0 12 L * ? *)", "monthly")], namespace)

    def invalid() -> dict | None:
        status = kubectl_json("get", "stask", "monthly", "-n", namespace).get("status", {})
        return next((c for c in status.get("conditions", [])
                     if c["type"] == "Valid" and c["status"] == "False"), None)

    condition = wait_for("the Valid condition to turn False", invalid)
    assert "scheduleExpression" in condition["message"] and '"L"' in condition["message"]
