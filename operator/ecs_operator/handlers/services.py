"""ECS Service: resolve the task definition, apply the Deployment and PDB, report status.

Reconciling is level-based: every entry point (the Service changed, one of its pods,
ReplicaSets or its Deployment changed, its task definition got a new revision) ends in the
same two functions, so a restarted operator simply recomputes from what it observes.
Writing the status, and the budget a running Service earns, are in service_refresh.py; what
is remembered of each Service between events is in service_state.py.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

import kopf
from pydantic import ValidationError

from .. import k8s, metrics
from ..models.task_definition import TaskDefinitionSpec
from ..translate.autoscaling import is_autoscaled
from ..translate.drift import spec_changed_by
from ..translate.ecs_documents import without_nulls
from ..translate.errors import TaskDefinitionNotFound, TranslationError
from ..translate.names import GROUP, LABEL_MANAGED_BY, LABEL_REVISION, LABEL_SERVICE, \
    MANAGED_BY, family_slug, parse_reference
from ..translate.pod import PodTranslation, pod_spec
from ..translate.service import unsupported_service_fields
from ..translate.service_objects import is_daemon, service_objects
from ..translate.service_status import Problem, refresh_at_once
from ..translate.strategy_status import uses_strategy
from . import service_deployments
from . import service_state as state
from .observed import VIEWS, Coalescer
from .service_refresh import PLURAL, Resolution, add_earned_budget, earned, has_budget, \
    refresh_known, write_status
from .validation import describe_validation_error

log = logging.getLogger(__name__)


def resolve_task_definition(namespace: str, reference: str) -> tuple[str, int, dict]:
    """`web` -> the latest recorded revision; `web:3` -> revision 3. Raises TranslationError."""
    family, pinned = parse_reference(reference)
    revisions = VIEWS.task_definition_revisions(namespace, family_slug(family), pinned)
    if not revisions:
        raise TaskDefinitionNotFound(f"unable to find task definition {reference}: no revision "
                                     f"of family {family} is registered in namespace "
                                     f"{namespace}")
    by_number = {int(r["revision"]): r for r in revisions}
    number = pinned if pinned is not None else max(by_number)
    if number not in by_number:
        raise TaskDefinitionNotFound(f"unable to find task definition {reference}: family "
                                     f"{family} has revisions {sorted(by_number)}")
    return family, number, by_number[number]["data"]["spec"]


def _task_definition(spec: dict) -> TaskDefinitionSpec:
    try:
        return TaskDefinitionSpec.model_validate(spec)
    except ValidationError as error:
        raise TranslationError(describe_validation_error(error)) from error


def reconcile(namespace: str, name: str, new: dict | None = None) -> Resolution | None:
    """Bring the Service's Deployment in line with its spec; then refresh its status.

    `new`: the body of a Service just created, which nothing has written a status to yet,
    so it need not be read again.
    """
    with state.locks[(namespace, name)]:
        service = new or k8s.get_custom(PLURAL, namespace, name)
        if service is None or service["metadata"].get("deletionTimestamp"):
            state.forget(namespace, name)
            return None
        spec = without_nulls(service.get("spec") or {})
        unsupported = unsupported_service_fields(spec)
        rollback = (service.get("status") or {}).get("rollback")
        try:
            family, revision, td_spec = resolve_task_definition(namespace,
                                                                spec["taskDefinition"])
            if rollback and f"{family}:{revision}" == rollback["from"]:
                # The circuit breaker failed this revision; stay on the one rolled back to
                # until the reference resolves to something else (a newer revision).
                family, revision, td_spec = resolve_task_definition(namespace, rollback["to"])
            model = _task_definition(td_spec)
            pod = pod_spec(model)
        except TranslationError as error:
            reason = "TaskDefinitionNotFound" if isinstance(error, TaskDefinitionNotFound) \
                else "InvalidTaskDefinition"
            resolution = Resolution(None, unsupported, Problem(reason, str(error)))
        else:
            resolution = _apply(service, family, revision, model, pod)
        write_status(service, resolution)
        return resolution


def _apply(service: dict, family: str, revision: int, model: TaskDefinitionSpec,
           pod: PodTranslation) -> Resolution:
    """Applies everything the Service becomes and deletes what it no longer needs."""
    meta, spec = service["metadata"], without_nulls(service.get("spec") or {})
    namespace, name, uid = meta["namespace"], meta["name"], meta["uid"]
    # Only the autoscaling handover needs to look at the live Deployment.
    current = k8s.get_deployment(namespace, name) \
        if is_autoscaled(spec) and not is_daemon(spec) else None
    try:
        wanted = service_objects(name=name, namespace=namespace, uid=uid, spec=spec,
                                 family=family, revision=revision, task_definition=model,
                                 pod=pod, deployment_exists=current is not None)
    except TranslationError as error:
        return Resolution(None, unsupported_service_fields(spec),
                          Problem("InvalidServiceSpec", str(error)))
    step = None
    if uses_strategy(spec):
        wanted, step = service_deployments.plan(
            service, f"{family}:{revision}", wanted,
            functools.partial(_resolve_model, namespace))
        service_deployments.report(service, step)
    if current is not None and is_autoscaled(spec) and k8s.hand_over_replicas(current):
        log.info("service %s/%s: replicas handed over to its HorizontalPodAutoscaler",
                 namespace, name)
    wanted = earned(namespace, name, spec, wanted, budget_exists=has_budget(namespace, name))
    k8s.apply_all(wanted.objects)
    keys = wanted.keys()
    # A Service that never had a status never owned anything; one that asks for everything
    # it asked for last time has nothing to delete.
    previous = state.applied.get((namespace, name))
    if service.get("status") and (previous is None or not previous <= keys):
        for kind, removed in k8s.prune_service_objects(
                namespace, name, uid, keys, known=VIEWS.service_owned(namespace, name)):
            log.info("service %s/%s: deleted %s %s, no longer part of the spec", namespace,
                     name, kind, removed)
    state.applied[(namespace, name)] = keys
    return Resolution(f"{family}:{revision}", wanted.unsupported, None,
                      None if step is None else step.records)


def _resolve_model(namespace: str, reference: str) -> tuple[str, int, TaskDefinitionSpec]:
    family, revision, td_spec = resolve_task_definition(namespace, reference)
    return family, revision, _task_definition(td_spec)


def refresh_status(namespace: str, name: str) -> None:
    """Recompute status from observed objects, keeping the last resolution; a change that is
    only progress may be written a few seconds later (status_pacing).

    When that status says the circuit breaker has just rolled the service back, reconcile
    right away so the Deployment returns to the last completed revision. A service whose
    healthy tasks have just reached its minimum gets its PodDisruptionBudget.
    """
    status = refresh_known(namespace, name,
                           defer=functools.partial(_refresher.defer, (namespace, name)))
    rollback = (status or {}).get("rollback")
    if rollback and status.get("taskDefinition") == rollback["from"]:
        log.info("service %s/%s: circuit breaker tripped; rolling back to %s", namespace, name,
                 rollback["to"])
        reconcile(namespace, name)
    elif status is not None:
        add_earned_budget(namespace, name)


@kopf.on.create(GROUP, "v1alpha1", PLURAL)
@kopf.on.update(GROUP, "v1alpha1", PLURAL, field="spec")
def service_changed(namespace: str, name: str, reason: str, body: kopf.Body,
                    **kwargs: object) -> None:
    VIEWS.bind(kwargs)
    state.exists_again(namespace, name)
    new = copy.deepcopy(dict(body)) if reason == "create" and not body.get("status") else None
    _raise_problem(_reconcile_measured(namespace, name, new))


# A restarted operator resumes every Service at once. On threads of their own, the resumes
# leave Kopf's handler threads to what users change meanwhile: at 1,000 Services a Service
# created just after a restart used to wait for all of them.
RESUME_THREADS = 4


@functools.cache
def _resumers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=RESUME_THREADS, thread_name_prefix="resume")


@kopf.on.resume(GROUP, "v1alpha1", PLURAL)
async def service_resumed(namespace: str, name: str, **kwargs: object) -> None:
    VIEWS.bind(kwargs)
    state.exists_again(namespace, name)
    resolution = await asyncio.get_running_loop().run_in_executor(
        _resumers(), _reconcile_measured, namespace, name)
    _raise_problem(resolution)


def _raise_problem(resolution: Resolution | None) -> None:
    if resolution and resolution.problem:
        # The spec (or its task definition) must change before anything can be done; a new
        # TaskDefinition revision re-reconciles through task_definition_revised.
        raise kopf.PermanentError(resolution.problem.message)


@kopf.on.event("apps", "v1", "deployments", labels={LABEL_MANAGED_BY: MANAGED_BY,
                                                     LABEL_SERVICE: kopf.PRESENT})
@kopf.on.event("apps", "v1", "daemonsets", labels={LABEL_MANAGED_BY: MANAGED_BY,
                                                    LABEL_SERVICE: kopf.PRESENT})
@kopf.on.event("apps", "v1", "replicasets", labels={LABEL_SERVICE: kopf.PRESENT,
                                                     LABEL_REVISION: kopf.PRESENT})
@kopf.on.event("", "v1", "pods", labels={LABEL_SERVICE: kopf.PRESENT,
                                          LABEL_REVISION: kopf.PRESENT})
async def owned_object_changed(namespace: str, labels: kopf.Labels, body: kopf.Body,
                               **kwargs: object) -> None:
    """A coroutine (see observed.py): marking a service costs no thread; only reverting
    someone else's edit, which calls the API server, goes to one."""
    VIEWS.bind(kwargs)
    service = labels.get(LABEL_SERVICE)
    if not service or state.is_gone(namespace, service):
        return
    edit = spec_changed_by(body) if body.get("kind") in ("Deployment", "DaemonSet") else None
    if edit is None:
        state.reverted.pop((namespace, service), None)
    elif state.reverted.get((namespace, service)) != edit:
        state.reverted[(namespace, service)] = edit
        log.info("service %s/%s: %s changed its %s; applying the Service's spec again",
                 namespace, service, edit[0], body["kind"])
        await asyncio.to_thread(_reconcile_measured, namespace, service)
    _refresher.mark((namespace, service), urgent=refresh_at_once(body))


def _reconcile_measured(namespace: str, name: str,
                        new: dict | None = None) -> Resolution | None:
    with metrics.reconciling("ecsservice"):
        return reconcile(namespace, name, new)


def _refresh(key: tuple[str, str]) -> None:
    with metrics.reconciling("ecsservice-status"):
        refresh_status(*key)


# A Service's pods starting one after another are counted in one status write, and no
# status is more than a few seconds behind what runs; a failed task is counted at once.
STATUS_QUIET_SECONDS = 1.0
STATUS_LONGEST_WAIT_SECONDS = 3.0
_refresher = Coalescer(_refresh, quiet=STATUS_QUIET_SECONDS,
                       longest=STATUS_LONGEST_WAIT_SECONDS)


@kopf.on.delete(GROUP, "v1alpha1", PLURAL, optional=True)
def service_deleted(namespace: str, name: str, **_: object) -> None:
    state.forget(namespace, name)


def task_definition_revised(namespace: str, family: str, revision: int) -> None:
    """Services that track a family's latest revision (or pin this one) reconcile now.

    Called by the TaskDefinition handler: Kopf does not trigger handlers on status changes.
    """
    for name, pinned in VIEWS.following("services_by_family", PLURAL, namespace, family):
        if pinned is None or pinned == revision:
            log.info("task definition %s:%s registered; reconciling service %s", family,
                     revision, name)
            reconcile(namespace, name)
