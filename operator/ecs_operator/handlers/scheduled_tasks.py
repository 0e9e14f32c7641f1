"""ScheduledTask: an EventBridge-style schedule of a task definition, run by a CronJob.

Each pod a run starts gets a Task resource of the same name, so `kubectl get etask` shows
scheduled runs with the same ECS lifecycle as tasks started by hand.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone

import kopf
from kubernetes.client.rest import ApiException
from pydantic import ValidationError

from .. import k8s
from ..models.task_definition import TaskDefinitionSpec
from ..translate.conditions import Condition, merge_conditions
from ..translate.errors import TranslationError
from ..translate.names import GROUP
from ..translate.pod import pod_spec
from ..translate.schedule import cron_schedule
from ..translate.scheduled_task import ANNOTATION_TASK_DEFINITION, LABEL_SCHEDULED_TASK, \
    cron_job, run_task
from ..translate.task import apply_overrides
from . import tasks
from .observed import VIEWS
from .services import resolve_task_definition
from .validation import describe_validation_error

PLURAL = "scheduledtasks"
log = logging.getLogger(__name__)


def reconcile_scheduled_task(namespace: str, name: str) -> str | None:
    """Apply the CronJob; returns the problem when the spec cannot be honoured."""
    scheduled = k8s.get_custom(PLURAL, namespace, name)
    if scheduled is None:
        return None
    meta, spec = scheduled["metadata"], scheduled["spec"]
    previous = copy.deepcopy(scheduled.get("status") or {})
    generation = int(meta.get("generation", 1))
    now = datetime.now(timezone.utc)
    try:
        schedule = cron_schedule(spec["scheduleExpression"])
        family, revision, td_spec = resolve_task_definition(namespace, spec["taskDefinition"])
        try:
            model = TaskDefinitionSpec.model_validate(
                apply_overrides(td_spec, spec.get("overrides")))
        except ValidationError as error:
            raise TranslationError(describe_validation_error(error)) from error
        job = cron_job(name=name, namespace=namespace, uid=meta["uid"], spec=spec,
                       schedule=schedule, family=family, revision=revision,
                       pod=pod_spec(model))
    except TranslationError as error:
        status = {**previous, "observedGeneration": generation,
                  "conditions": merge_conditions(previous.get("conditions", []), [
                      Condition("Valid", False, "InvalidScheduledTask", str(error))],
                      generation=generation, now=now)}
        if status != previous:
            k8s.patch_status(PLURAL, namespace, name, status, previous)
            kopf.warn(scheduled, reason="InvalidScheduledTask", message=str(error))
        return str(error)
    k8s.apply(job)
    status = {**previous, "schedule": schedule, "taskDefinition": f"{family}:{revision}",
              "observedGeneration": generation,
              "conditions": merge_conditions(previous.get("conditions", []), [
                  Condition("Valid", True, "Scheduled", f"CronJob schedule {schedule!r}")],
                  generation=generation, now=now)}
    if status != previous:
        k8s.patch_status(PLURAL, namespace, name, status, previous)
    return None


@kopf.on.resume(GROUP, "v1alpha1", PLURAL)
@kopf.on.create(GROUP, "v1alpha1", PLURAL)
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="spec")
def scheduled_task_changed(namespace: str, name: str, **_: object) -> None:
    problem = reconcile_scheduled_task(namespace, name)
    if problem:
        raise kopf.PermanentError(problem)


@kopf.on.event("", "v1", "pods", labels={LABEL_SCHEDULED_TASK: kopf.PRESENT})
def scheduled_run_changed(namespace: str, name: str, labels: kopf.Labels,
                          annotations: kopf.Annotations, **_: object) -> None:
    """A run's pod: make sure its Task exists, then let the Task follow the pod."""
    if k8s.get_custom(tasks.PLURAL, namespace, name) is None:
        scheduled = k8s.get_custom(PLURAL, namespace, labels[LABEL_SCHEDULED_TASK])
        if scheduled is None:
            return
        body = run_task(pod_name=name, scheduled_task=scheduled,
                        task_definition=annotations.get(ANNOTATION_TASK_DEFINITION, ""))
        try:
            k8s.create_custom(tasks.PLURAL, namespace, body)
        except ApiException as error:
            if error.status != 409:
                raise
        # The pod exists already: the Task adopts it instead of starting one.
        k8s.patch_status(tasks.PLURAL, namespace, name, {
            "podName": name, "taskDefinition": body["spec"]["taskDefinition"]}, None)
    tasks.refresh_task(namespace, name)


def task_definition_revised(namespace: str, family: str, revision: int) -> None:
    """Schedules that track the family's latest revision start new runs on it."""
    for name, pinned in VIEWS.following("scheduled_tasks_by_family", PLURAL, namespace,
                                        family):
        if pinned is None or pinned == revision:
            reconcile_scheduled_task(namespace, name)
