"""The ScheduledTask CRD: an EventBridge schedule rule with an ECS RunTask target."""

from __future__ import annotations

from .schema import Schema, array, boolean, condition, integer, obj, string
from .task import SPEC as TASK_SPEC

SPEC: Schema = obj(
    "Runs a task definition on a schedule (EventBridge rule + ECS target); becomes a CronJob.", {
        "scheduleExpression": string(
            "EventBridge schedule: rate(5 minutes), rate(1 hour), rate(1 day), or "
            "cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 12 * * ? *). "
            "Forms a Kubernetes CronJob cannot express exactly are rejected with the reason."),
        "enabled": boolean("false suspends the schedule (the rule's DISABLED state).",
                           default=True),
        "taskDefinition": TASK_SPEC["properties"]["taskDefinition"],
        "taskCount": integer("Tasks to start on each run.", minimum=1, maximum=10, default=1),
        "overrides": TASK_SPEC["properties"]["overrides"],
        "group": TASK_SPEC["properties"]["group"],
        "launchType": TASK_SPEC["properties"]["launchType"],
        "cluster": TASK_SPEC["properties"]["cluster"],
    }, required=["scheduleExpression", "taskDefinition"])

STATUS: Schema = obj("Observed state.", {
    "schedule": string("The Kubernetes cron schedule the expression became."),
    "taskDefinition": string("The resolved family:revision new runs use."),
    "lastScheduleTime": string("When the last run was started."),
    "observedGeneration": integer("The .metadata.generation last acted on."),
    "conditions": array("Conditions: Valid.", condition()),
})


def crd() -> Schema:
    from . import custom_resource_definition
    return custom_resource_definition(
        kind="ScheduledTask", plural="scheduledtasks", short_names=["stask"],
        spec=SPEC, status=STATUS,
        printer_columns=[
            ("Schedule", "string", ".spec.scheduleExpression", "EventBridge expression."),
            ("Cron", "string", ".status.schedule", "The CronJob schedule."),
            ("Enabled", "boolean", ".spec.enabled", "Whether runs are started."),
            ("Task Definition", "string", ".status.taskDefinition", "Resolved family:revision."),
        ],
    )
