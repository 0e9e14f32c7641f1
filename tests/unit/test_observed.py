"""The in-memory view of service workloads and the coalescing of status refreshes."""

from __future__ import annotations

import threading
import time

import pytest
from prometheus_client import REGISTRY

from ecs_operator.handlers import observed
from ecs_operator.handlers.observed import INDEXES, Coalescer, Views, trimmed

KEY = ("shop", "web")


def test_marks_during_a_refresh_cause_exactly_one_more_refresh() -> None:
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    other_done = threading.Event()
    runs: list[tuple[str, str]] = []

    def work(key):
        runs.append(key)
        if key != KEY:
            other_done.set()
        elif len(runs) == 1:
            started.set()
            release.wait(5)
        else:
            finished.set()

    refresher = Coalescer(work, workers=2)
    refresher.mark(KEY)
    assert started.wait(5)
    for _ in range(50):  # a burst of pod events while the first refresh runs
        refresher.mark(KEY)
    release.set()
    assert finished.wait(5)
    refresher.mark(("shop", "other"))
    assert other_done.wait(5)
    assert runs == [KEY, KEY, ("shop", "other")]


def test_a_burst_of_marks_becomes_one_refresh_once_they_stop() -> None:
    done = threading.Event()
    started_at: list[float] = []

    def work(key):
        started_at.append(time.monotonic())
        done.set()

    refresher = Coalescer(work, workers=2, quiet=0.4, longest=5)
    for _ in range(4):  # a pod created, scheduled, started, ready
        last_mark = time.monotonic()
        refresher.mark(KEY)
        time.sleep(0.1)
    assert done.wait(5)
    time.sleep(0.3)
    assert len(started_at) == 1
    assert started_at[0] - last_mark >= 0.4


def test_marks_that_never_stop_still_refresh_within_the_longest_wait() -> None:
    runs: list[float] = []
    refresher = Coalescer(lambda key: runs.append(time.monotonic()), workers=1,
                          quiet=0.3, longest=0.6)
    first_mark = time.monotonic()
    deadline = first_mark + 2.0
    while time.monotonic() < deadline:  # a Service whose pods keep changing
        refresher.mark(KEY)
        time.sleep(0.05)
    assert runs, "no refresh while marks kept arriving"
    assert 0.6 <= runs[0] - first_mark < 1.5


@pytest.mark.parametrize("marks_after", [0, 20], ids=["alone", "followed-by-a-burst"])
def test_an_urgent_mark_does_not_wait_for_the_burst_to_end(marks_after: int) -> None:
    done = threading.Event()
    refresher = Coalescer(lambda key: done.set(), workers=1, quiet=30, longest=60)
    refresher.mark(KEY)  # a pod created: waits for the rest of the burst
    assert not done.wait(0.3)
    refresher.mark(KEY, urgent=True)  # a task failed
    for _ in range(marks_after):  # its replacement created before a worker picked it up
        refresher.mark(KEY)
    assert done.wait(5)


def test_a_service_due_sooner_than_the_one_waited_for_is_not_kept_waiting() -> None:
    # The worker sleeps until the first waiting service is due; one due sooner must wake it.
    runs: list[tuple[str, str]] = []
    done = threading.Event()
    refresher = Coalescer(lambda key: (runs.append(key), done.set()), workers=1, quiet=30,
                          longest=60)
    refresher.mark(KEY)
    time.sleep(0.1)  # the worker is asleep until KEY is due, 30 s from now
    refresher.mark(("shop", "failed"), urgent=True)
    assert done.wait(5)
    assert runs == [("shop", "failed")]


def deferring_once(delay: float, **timing: float) -> tuple[Coalescer, list[float],
                                                          threading.Event]:
    """A refresher whose first run finds what may wait `delay` seconds; the event is set by
    the run after it."""
    runs: list[float] = []
    again = threading.Event()

    def work(key):
        runs.append(time.monotonic())
        if len(runs) == 1:
            refresher.defer(key, delay)
        else:
            again.set()

    refresher = Coalescer(work, workers=1, **timing)
    return refresher, runs, again


def test_a_deferred_refresh_runs_again_when_its_delay_is_over() -> None:
    refresher, runs, again = deferring_once(0.5)
    refresher.mark(KEY)
    assert again.wait(5)
    assert 0.5 <= runs[1] - runs[0] < 1.5
    time.sleep(0.2)
    assert len(runs) == 2


def test_a_mark_brings_a_deferred_refresh_forward() -> None:
    refresher, runs, again = deferring_once(30, quiet=0.1, longest=1)
    refresher.mark(KEY)
    time.sleep(0.2)  # the first refresh has run and deferred the next one by 30 s
    marked = time.monotonic()
    refresher.mark(KEY)  # the service's last task started: that may not wait
    assert again.wait(5)
    assert runs[1] - marked < 1


def test_only_a_running_refresh_can_defer_itself() -> None:
    with pytest.raises(RuntimeError):
        Coalescer(lambda key: None, workers=1).defer(KEY, 1)


def test_a_deferred_refresh_is_not_counted_as_queued_work() -> None:
    def depth() -> float:
        return REGISTRY.get_sample_value("workqueue_depth", {"name": "ecsservice-status"})

    ran = threading.Event()
    refresher: Coalescer

    def work(key):
        refresher.defer(key, 30)
        ran.set()

    refresher = Coalescer(work, workers=1, quiet=30, longest=60)
    refresher.mark(KEY, urgent=True)
    assert ran.wait(5)
    time.sleep(0.1)  # the worker has put the deferral in place
    assert depth() == 0
    refresher.mark(("shop", "other"))  # waits out its quiet 30 s: queued work
    assert depth() == 1
    refresher.mark(KEY)  # marked again: no longer only deferred
    assert depth() == 2


def test_a_failed_refresh_is_retried() -> None:
    done = threading.Event()
    attempts: list[int] = []

    def work(key):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("API server unavailable")
        done.set()

    Coalescer(work, workers=1, retry_after=0.05).mark(KEY)
    assert done.wait(5)
    assert len(attempts) == 2


def test_trimmed_objects_keep_what_status_reads_and_drop_the_rest() -> None:
    replica_set = {
        "kind": "ReplicaSet",
        "metadata": {"name": "web-5d8", "uid": "u1", "labels": {"pod-template-hash": "5d8"},
                     "annotations": {"deployment.kubernetes.io/revision": "2"},
                     "managedFields": [{"manager": "kube-controller-manager"}]},
        "spec": {"replicas": 3, "selector": {}, "template": {
            "metadata": {"annotations": {"ecs.operator.dev/task-definition": "web:2"}},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
        "status": {"replicas": 3},
    }
    assert trimmed(replica_set) == {
        "kind": "ReplicaSet",
        "metadata": {"name": "web-5d8", "uid": "u1", "labels": {"pod-template-hash": "5d8"},
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 3, "template": {"metadata": {"annotations": {
            "ecs.operator.dev/task-definition": "web:2"}}}},
        "status": {"replicas": 3},
    }
    pod = {"kind": "Pod", "metadata": {"name": "web-1"}, "spec": {"containers": []},
           "status": {"phase": "Running"}}
    assert trimmed(pod) == {"kind": "Pod", "metadata": {"name": "web-1"},
                            "status": {"phase": "Running"}}


def _revision(number: int) -> dict:
    return {"revision": number, "data": {"spec": {"family": "web"}}}


@pytest.mark.parametrize("indexed,recorded,wanted,from_index", [
    ([1, 2], 0, None, True),    # the index holds the newest
    ([1], 2, None, False),      # the operator recorded 2; the index has not seen it yet
    ([1, 2], 0, 2, True),       # a pinned revision the index holds
    ([1], 0, 3, False),         # a pinned revision it does not hold
    ([], 0, None, False),       # a family it has never seen
], ids=["newest-indexed", "just-recorded", "pinned-indexed", "pinned-missing", "unknown"])
def test_task_definition_revisions_come_from_the_index_only_when_it_is_current(
        monkeypatch, indexed, recorded, wanted, from_index) -> None:
    listed: list[tuple[str, str]] = []
    monkeypatch.setattr(observed.k8s, "controller_revisions",
                        lambda namespace, family: listed.append((namespace, family)) or
                        [_revision(n) for n in (1, 2, 3)])
    views = Views()
    indexes = {name: {} for name in INDEXES}
    indexes["family_revisions"] = {("shop", "web"): [_revision(n) for n in indexed]}
    views.bind(indexes)
    if recorded:
        views.recorded("shop", "web", recorded)
    revisions = views.task_definition_revisions("shop", "web", wanted)
    assert listed == ([] if from_index else [("shop", "web")])
    expected = indexed if from_index else [1, 2, 3]
    assert [r["revision"] for r in revisions] == expected


def test_a_services_watched_objects_are_handed_to_a_prune_by_kind() -> None:
    views = Views()
    assert views.service_owned("shop", "web") == {}  # not bound yet: the prune lists all
    indexes = {name: {} for name in INDEXES}
    deployment = trimmed({"kind": "Deployment", "metadata": {"name": "web"}})
    old_budget = trimmed({"kind": "PodDisruptionBudget", "metadata": {"name": "web-old"}})
    indexes["service_workloads"] = {("shop", "web"): [deployment, old_budget]}
    views.bind(indexes)
    assert views.service_owned("shop", "web") == {
        "Deployment": [deployment], "DaemonSet": [], "PodDisruptionBudget": [old_budget]}
    assert views.service_owned("shop", "gone") == {
        "Deployment": [], "DaemonSet": [], "PodDisruptionBudget": []}
