"""ScheduledTask -> CronJob. Each run's pods become Task resources (named after the pod), so
runs show the same ECS status as tasks started by hand."""

from __future__ import annotations

from .names import ANNOTATION_TASK_DEFINITION, GROUP, LABEL_FAMILY, LABEL_MANAGED_BY, \
    LABEL_REVISION, MANAGED_BY, family_slug, owner_reference
from .pod import PodTranslation

LABEL_SCHEDULED_TASK = f"{GROUP}/scheduled-task"


def cron_job(*, name: str, namespace: str, uid: str, spec: dict, schedule: str, family: str,
             revision: int, pod: PodTranslation) -> dict:
    task_count = int(spec.get("taskCount", 1))
    labels = {LABEL_SCHEDULED_TASK: name, LABEL_FAMILY: family_slug(family),
              LABEL_REVISION: str(revision), LABEL_MANAGED_BY: MANAGED_BY}
    return {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {LABEL_SCHEDULED_TASK: name, LABEL_MANAGED_BY: MANAGED_BY},
                     "ownerReferences": [owner_reference("ScheduledTask", name, uid)]},
        "spec": {
            "schedule": schedule,
            "suspend": not spec.get("enabled", True),
            # EventBridge starts every run even when the previous one still runs.
            "concurrencyPolicy": "Allow",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {
                    "parallelism": task_count,
                    "completions": task_count,
                    # A stopped ECS task is never retried; neither is a run's pod.
                    "backoffLimit": 0,
                    "template": {
                        "metadata": {"labels": labels, "annotations": {
                            **pod.annotations,
                            ANNOTATION_TASK_DEFINITION: f"{family}:{revision}"}},
                        "spec": {**pod.spec, "restartPolicy": "Never"},
                    },
                },
            },
        },
    }


def run_task(*, pod_name: str, scheduled_task: dict, task_definition: str) -> dict:
    """The Task resource that shows one run's pod the ECS way."""
    meta, spec = scheduled_task["metadata"], scheduled_task["spec"]
    task_spec = {"taskDefinition": task_definition,
                 "startedBy": f"events-rule/{meta['name']}"[:128],
                 "group": spec.get("group") or f"scheduled:{meta['name']}"}
    if spec.get("overrides"):
        task_spec["overrides"] = spec["overrides"]
    return {"apiVersion": f"{GROUP}/v1alpha1", "kind": "Task",
            "metadata": {"name": pod_name, "namespace": meta["namespace"],
                         "labels": {LABEL_SCHEDULED_TASK: meta["name"],
                                    LABEL_MANAGED_BY: MANAGED_BY},
                         "ownerReferences": [owner_reference("ScheduledTask", meta["name"],
                                                             meta["uid"])]},
            "spec": task_spec}
