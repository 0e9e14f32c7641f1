"""The ECS Task CRD (plural ecstasks): a RunTask request under `spec`; one Task is one Pod."""

from __future__ import annotations

from .placement import CAPACITY_PROVIDER_STRATEGY, PLACEMENT_CONSTRAINTS, PLACEMENT_STRATEGY
from .schema import (TASK_DEFINITION_REFERENCE, Schema, array, condition, free_form, integer,
                     key_value_pairs, obj, string, strings, tags)

CONTAINER_OVERRIDE = obj("Overrides for one container of the task definition.", {
    "name": string("The container to override."),
    "command": strings("Replaces the container's command (the Kubernetes args)."),
    "environment": key_value_pairs("Added to (or replacing) the container's environment."),
    "cpu": integer("CPU units.", minimum=0),
    "memory": integer("Hard memory limit in MiB.", minimum=6),
    "memoryReservation": integer("Soft memory limit in MiB.", minimum=6),
    "environmentFiles": array("Environment files (not supported).", free_form("A file.")),
    "resourceRequirements": array("GPUs (not supported).", free_form("A requirement.")),
}, required=["name"])

SPEC: Schema = obj("A standalone ECS task (RunTask request): one run of a task definition.", {
    "taskDefinition": string("family (latest revision when the task starts) or family:revision.",
                             pattern=TASK_DEFINITION_REFERENCE),
    "overrides": obj("Task overrides.", {
        "containerOverrides": array("Per-container overrides.", CONTAINER_OVERRIDE),
        "cpu": string("Task-level CPU override."),
        "memory": string("Task-level memory override."),
        "taskRoleArn": string("Task role (not supported)."),
        "executionRoleArn": string("Execution role (not needed on Kubernetes)."),
        "ephemeralStorage": free_form("Ephemeral storage (not supported)."),
    }),
    "desiredStatus": string("RUNNING, or STOPPED to stop the task (what StopTask does); a "
                            "stopped task stays visible, then is cleaned up.",
                            enum=["RUNNING", "STOPPED"], default="RUNNING"),
    "stoppedReason": string("Why the user stopped the task (StopTask's reason)."),
    "startedBy": string("Who started the task (free text, max 128 characters).",
                        max_length=128),
    "group": string("Task group, e.g. family:web or a batch name.", max_length=255),
    "cluster": string("ECS cluster name: unless `default`, the task runs only on nodes "
                      "labelled ecs.operator.dev/cluster=<name>."),
    "capacityProviderStrategy": CAPACITY_PROVIDER_STRATEGY,
    "launchType": string("EC2, FARGATE or EXTERNAL (informational).",
                         enum=["EC2", "FARGATE", "EXTERNAL"]),
    "count": integer("RunTask's count: one Task resource is one task, so only 1.",
                     minimum=1, maximum=1),
    "placementConstraints": PLACEMENT_CONSTRAINTS,
    "placementStrategy": PLACEMENT_STRATEGY,
    "networkConfiguration": free_form("awsvpc settings (not needed on Kubernetes)."),
    "enableExecuteCommand": {"type": "boolean", "description": "Use kubectl exec instead."},
    "tags": tags(),
}, required=["taskDefinition"])

CONTAINER_STATUS = obj("A container of the task, as DescribeTasks shows it.", {
    "name": string("Container name."),
    "lastStatus": string("PENDING, RUNNING or STOPPED."),
    "exitCode": integer("Exit code once stopped."),
    "reason": string("Why it stopped or is waiting."),
    "healthStatus": string("HEALTHY, UNHEALTHY or UNKNOWN."),
    "essential": {"type": "boolean", "description": "Whether its exit stops the task."},
})

STATUS: Schema = obj("Observed state, as DescribeTasks shows it.", {
    "taskArn": string("The task id (the pod's namespace/name)."),
    "taskDefinition": string("The resolved family:revision."),
    "lastStatus": string("PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, "
                         "DEPROVISIONING or STOPPED."),
    "desiredStatus": string("RUNNING or STOPPED."),
    "healthStatus": string("HEALTHY, UNHEALTHY or UNKNOWN (from essential containers' health "
                           "checks)."),
    "containers": array("Containers.", CONTAINER_STATUS),
    "stopCode": string("TaskFailedToStart, EssentialContainerExited, UserInitiated or "
                       "ServiceSchedulerInitiated."),
    "stoppedReason": string("Why the task stopped."),
    "createdAt": string("When the task was created."),
    "startedAt": string("When its containers started."),
    "stoppingAt": string("When it began to stop."),
    "stoppedAt": string("When it stopped."),
    "podName": string("The pod running the task."),
    "unsupportedFields": strings("Fields the operator cannot honour."),
    "observedGeneration": integer("The .metadata.generation last acted on."),
    "conditions": array("Conditions: Valid.", condition()),
})


def crd() -> Schema:
    from . import custom_resource_definition
    return custom_resource_definition(
        kind="Task", plural="ecstasks", singular="ecstask", short_names=["etask"],
        spec=SPEC, status=STATUS,
        printer_columns=[
            ("Last Status", "string", ".status.lastStatus", "ECS lastStatus."),
            ("Health", "string", ".status.healthStatus", "Task health."),
            ("Task Definition", "string", ".status.taskDefinition", "Resolved family:revision."),
            ("Stop Code", "string", ".status.stopCode", "Why the task stopped."),
        ],
    )
