"""The operator's cheaper Kopf bookkeeping must decide exactly what Kopf's own would."""

from __future__ import annotations

import asyncio
import logging

import kopf
import pytest
from kopf._cogs.aiokits import aiotoggles
from kopf._cogs.structs import diffs

from ecs_operator.kopf_tuning import EssenceDiffBase, QuietKopfLines, \
    GenerationDiffBase, ServiceProgressStorage, install_shared_waits
from ecs_operator.translate.names import GROUP

SERVICE = {
    "apiVersion": "ecs.operator.dev/v1alpha1",
    "kind": "ECSService",
    "metadata": {
        "name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": "42",
        "generation": 3,
        "labels": {"team": "payments"},
        "annotations": {
            "note": "kept",
            "ecs.operator.dev/last-handled-configuration": '{"spec": {"desiredCount": 2}}',
        },
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}] * 50,
    },
    "spec": {"taskDefinition": "web", "desiredCount": 3},
    "status": {"runningCount": 3, "runningTasks": [f"web-{n}" for n in range(100)],
               "conditions": [{"type": "Ready", "status": "True"}]},
}


def kopf_storage() -> kopf.AnnotationsDiffBaseStorage:
    return kopf.AnnotationsDiffBaseStorage(prefix="ecs.operator.dev",
                                           key="last-handled-configuration")


def essence_storage() -> EssenceDiffBase:
    return EssenceDiffBase(prefix="ecs.operator.dev", key="last-handled-configuration")


@pytest.mark.parametrize("extra_fields", [
    None,
    [("spec",)],
    [("status", "runningCount")],
    ["status.conditions"],
    [("metadata", "generation")],
    [("spec",), ("metadata", "labels", "team")],
])
def test_essence_is_the_one_kopf_computes(extra_fields: list | None) -> None:
    body = kopf.Body(SERVICE)
    assert essence_storage().build(body=body, extra_fields=extra_fields) == \
        kopf_storage().build(body=body, extra_fields=extra_fields)


def test_a_deployments_replica_set_keeps_kopfs_annotation_apart() -> None:
    replica_set = {
        "kind": "ReplicaSet",
        "metadata": {"ownerReferences": [{"kind": "Deployment", "name": "web"}],
                     "annotations": {
                         "ecs.operator.dev/last-handled-configuration-ofDRS": "{}",
                         "ecs.operator.dev/last-handled-configuration": "{}",
                         "deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 3},
    }
    body = kopf.Body(replica_set)
    essence = essence_storage().build(body=body)
    assert essence == kopf_storage().build(body=body)
    assert essence["metadata"]["annotations"] == {
        "ecs.operator.dev/last-handled-configuration": "{}",
        "deployment.kubernetes.io/revision": "2"}


def generation_storage() -> GenerationDiffBase:
    return GenerationDiffBase(prefix="ecs.operator.dev", key="last-handled-configuration")


def _service(generation: int, observed: int | None) -> kopf.Body:
    body = {**SERVICE, "kind": "Service",
            "metadata": {**SERVICE["metadata"], "generation": generation}}
    body["status"] = {**SERVICE["status"], "observedGeneration": observed} \
        if observed is not None else {}
    return kopf.Body(body)


def _what_kopf_sees(body: kopf.Body) -> str:
    storage = generation_storage()
    old = storage.fetch(body=body)
    if old is None:
        return "created"
    changed = {path[0] for _, path, _, _ in diffs.diff(old, storage.build(body=body))}
    return ",".join(sorted(changed)) or "nothing"


@pytest.mark.parametrize("generation,observed,seen", [
    (1, None, "created"),    # never reconciled: Kopf runs the creation handler
    (3, 3, "nothing"),       # the status describes this spec: nothing to handle
    (4, 3, "spec"),          # changed since (also while the operator was down): an update
])
def test_a_services_status_tells_kopf_what_was_handled(generation, observed, seen) -> None:
    assert _what_kopf_sees(_service(generation, observed)) == seen


def test_a_handled_service_costs_no_annotation_patch() -> None:
    body = _service(3, 3)
    patch = kopf.Patch()
    generation_storage().store(body=body, patch=patch,
                               essence=generation_storage().build(body=body))
    assert not patch


def test_other_kinds_keep_kopfs_annotation() -> None:
    task = kopf.Body({**SERVICE, "kind": "Task"})
    patch = kopf.Patch()
    essence = generation_storage().build(body=task)
    generation_storage().store(body=task, patch=patch, essence=essence)
    assert "ecs.operator.dev/last-handled-configuration" in patch["metadata"]["annotations"]
    assert generation_storage().fetch(body=task) == {"spec": {"desiredCount": 2}}


def _task_definition(generation: int, observed: int | None, annotations: dict | None = None
                     ) -> kopf.Body:
    body = _service(generation, observed)
    return kopf.Body({**body, "kind": "TaskDefinition", "metadata": {
        **body["metadata"], "uid": "td-1", "annotations": annotations or {}}})


def test_a_handled_task_definition_costs_no_patch_and_its_annotations_still_count() -> None:
    storage = generation_storage()
    handled = _task_definition(2, 1)
    patch = kopf.Patch()
    storage.store(body=handled, patch=patch, essence=storage.build(body=handled))
    assert not patch
    assert not diffs.diff(storage.fetch(body=handled), storage.build(body=handled))
    deregistered = _task_definition(2, 2, {"ecs.operator.dev/inactive-revisions": "1"})
    changed = {path[0] for _, path, _, _ in diffs.diff(storage.fetch(body=deregistered),
                                                       storage.build(body=deregistered))}
    assert changed == {"metadata"}


@pytest.mark.parametrize("generation,observed,seen", [
    (1, None, "created"), (3, 3, "nothing"), (4, 3, "spec"),
])
def test_after_a_restart_a_task_definitions_generation_tells_kopf(generation, observed,
                                                                   seen) -> None:
    assert _what_kopf_sees(_task_definition(generation, observed)) == seen


def test_task_definitions_remembered_are_bounded() -> None:
    storage = GenerationDiffBase(prefix="ecs.operator.dev", key="last-handled-configuration",
                                 remembered=2)
    bodies = [kopf.Body({**_task_definition(2, 1), "metadata": {
        **_task_definition(2, 1)["metadata"], "uid": f"td-{n}"}}) for n in range(3)]
    for body in bodies:
        storage.store(body=body, patch=kopf.Patch(), essence={"spec": {"n": body["metadata"]["uid"]}})
    # The oldest is forgotten: its generation speaks for it (observed 1 < 2: the spec).
    assert storage.fetch(body=bodies[0]) == {
        key: value for key, value in storage.build(body=bodies[0]).items() if key != "spec"}
    assert storage.fetch(body=bodies[2]) == {"spec": {"n": "td-2"}}


POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web-1", "namespace": "shop",
                    "labels": {"ecs.operator.dev/service": "web"},
                    "managedFields": [{"manager": "kubelet"}] * 20},
       "spec": {"containers": [{"name": "web", "image": "nginx"}]},
       "status": {"phase": "Running"}}


def test_kinds_without_change_handlers_get_no_diff_base() -> None:
    # No diff base for a pod: Kopf then sees no change, which is all it can act on for a
    # kind that has only index and event handlers.
    storage = generation_storage()
    assert storage.build(body=kopf.Body(POD)) is None
    assert not diffs.diff(storage.fetch(body=kopf.Body(POD)), None)
    # Nor is an old one read back, where Kopf's own storage would find one.
    annotated = kopf.Body({**POD, "metadata": {**POD["metadata"], "annotations": {
        "ecs.operator.dev/last-handled-configuration": '{"spec": {"containers": []}}'}}})
    assert kopf_storage().fetch(body=annotated) is not None
    assert storage.fetch(body=annotated) is None


def test_the_operators_own_kinds_keep_kopfs_diff_base() -> None:
    definition = kopf.Body({**SERVICE, "kind": "TaskDefinition"})
    assert generation_storage().build(body=definition, extra_fields=[("spec",)]) == \
        kopf_storage().build(body=definition, extra_fields=[("spec",)])


def test_only_the_operators_own_kinds_have_change_handlers() -> None:
    """What makes skipping the diff base of other kinds safe: were a change handler (or a
    daemon, whose idling the diff resets) added for pods, say, it would never see a change."""
    import ecs_operator.handlers  # noqa: F401  (registers the handlers)
    from kopf._core.intents import registries

    registry = registries.get_default_registry()
    diffed = [*registry._changing.get_all_handlers(), *registry._spawning.get_all_handlers()]
    assert diffed
    assert {handler.selector.group for handler in diffed} == {GROUP}


def _first_pass_patch(body: kopf.Body) -> kopf.Patch:
    """What Kopf's progress bookkeeping adds to its patch when a handler succeeds at once:
    it records the handler's progress, then purges the record as the handling is done."""
    storage = ServiceProgressStorage(prefix="ecs.operator.dev")
    patch = kopf.Patch()
    storage.store(key="service_changed", record={"started": "2026-11-26T00:00:00",
                                                 "success": True}, body=body, patch=patch)
    storage.purge(key="service_changed", body=body, patch=patch)
    return patch


def test_a_service_handled_at_once_costs_kopf_no_patch() -> None:
    assert not _first_pass_patch(_service(1, None))


def test_other_kinds_are_still_marked_as_kopf_managed() -> None:
    patch = _first_pass_patch(kopf.Body({**SERVICE, "kind": "TaskDefinition"}))
    assert patch["metadata"]["annotations"] == {"ecs.operator.dev/kopf-managed": "yes"}


def test_essence_leaves_status_and_managed_fields_out() -> None:
    essence = essence_storage().build(body=kopf.Body(SERVICE), extra_fields=[("spec",)])
    assert essence == {"spec": {"taskDefinition": "web", "desiredCount": 3},
                       "metadata": {"labels": {"team": "payments"},
                                    "annotations": {"note": "kept"}}}


def test_a_status_write_is_not_a_change() -> None:
    storage = essence_storage()
    before = storage.build(body=kopf.Body(SERVICE), extra_fields=[("spec",)])
    written = {**SERVICE, "status": {"runningCount": 2}}
    assert storage.build(body=kopf.Body(written), extra_fields=[("spec",)]) == before


def record(level: int, **extra: object) -> logging.LogRecord:
    line = logging.LogRecord("kopf.objects", level, __file__, 1, "Handler succeeded.", None,
                             None)
    for key, value in extra.items():
        setattr(line, key, value)
    return line


@pytest.fixture
def root_level():
    root = logging.getLogger()
    saved = root.level
    yield root.setLevel
    root.setLevel(saved)


def test_success_lines_are_logged_but_not_posted(root_level) -> None:
    root_level(logging.INFO)
    line = record(logging.INFO, k8s_skip=False)
    assert QuietKopfLines().filter(line)
    assert line.k8s_skip is True


def test_warnings_are_still_posted(root_level) -> None:
    root_level(logging.INFO)
    line = record(logging.WARNING, k8s_skip=False)
    assert QuietKopfLines().filter(line)
    assert line.k8s_skip is False


@pytest.mark.parametrize("level,logged", [(logging.INFO, False), (logging.DEBUG, True)])
def test_per_event_lines_only_with_verbose(root_level, level: int, logged: bool) -> None:
    root_level(level)
    assert QuietKopfLines().filter(record(logging.INFO, k8s_skip=True)) is logged


# --- Kopf's wait for its indexes at startup ------------------------------------------------

OBJECTS = 2000


async def _startup(objects: int) -> tuple[int, list[str]]:
    """Kopf's startup in miniature: a blocker toggle held until the listings are done, and one
    worker per object that adds its toggle, indexes, drops it and waits for the whole set to
    be on. Returns how often the set's state was evaluated, and what happened in which order."""
    evaluations = 0

    def every(states) -> bool:
        nonlocal evaluations
        evaluations += 1
        return all(states)

    indexed = aiotoggles.ToggleSet(every)
    blocker = await indexed.make_toggle(name="listings")
    order: list[str] = []

    arrived = [asyncio.Event() for _ in range(objects)]

    async def worker(index: int) -> None:
        toggle = await indexed.make_toggle(name=f"object {index}")
        await arrived[index].wait()  # its first event, indexed
        await indexed.drop_toggle(toggle)
        await indexed.wait_for(True)
        order.append("handled")

    workers = [asyncio.create_task(worker(i)) for i in range(objects)]
    for event in arrived:  # events come one at a time off the watch stream
        event.set()
        await asyncio.sleep(0)
    order.append("listings done")
    await indexed.drop_toggle(blocker)
    await asyncio.wait_for(asyncio.gather(*workers), timeout=60)
    return evaluations, order


def test_workers_waiting_for_the_indexes_cost_work_in_proportion_to_the_objects(
        monkeypatch) -> None:
    monkeypatch.setattr(aiotoggles.ToggleSet, "wait_for", aiotoggles.ToggleSet.wait_for)
    install_shared_waits()

    evaluations, order = asyncio.run(_startup(OBJECTS))

    assert order == ["listings done"] + ["handled"] * OBJECTS  # nobody handled before
    assert evaluations < 10 * OBJECTS  # Kopf's own wait: about OBJECTS**2 / 2


def test_a_waiter_returns_only_in_the_state_it_asked_for(monkeypatch) -> None:
    monkeypatch.setattr(aiotoggles.ToggleSet, "wait_for", aiotoggles.ToggleSet.wait_for)
    install_shared_waits()

    async def flicker() -> list[str]:
        paused = aiotoggles.ToggleSet(any)
        toggle = await paused.make_toggle(True, name="peer")
        seen: list[str] = []

        async def resume() -> None:
            await paused.wait_for(False)
            seen.append(f"resumed while paused={paused.is_on()}")

        waiter = asyncio.create_task(resume())
        await asyncio.sleep(0)
        await toggle.turn_to(False)
        await toggle.turn_to(True)  # back on before the waiter ran: it must keep waiting
        for _ in range(5):
            await asyncio.sleep(0)
        seen.append("still waiting" if not waiter.done() else "returned")
        await toggle.turn_to(False)
        await asyncio.wait_for(waiter, timeout=5)
        return seen

    assert asyncio.run(flicker()) == ["still waiting", "resumed while paused=False"]
