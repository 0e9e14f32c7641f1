"""Which status changes are written at once and which may wait: statuses computed by
service_status from observations, as a refresh sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecs_operator.translate.service_status import Observed, Problem
from ecs_operator.translate.status_pacing import only_progress, seconds_to_wait

from .test_service_status import DEPLOYMENT, NEW_RS, T0, compute, pod

LATER = T0 + timedelta(seconds=5)


def status_with(*pods: dict, problem: Problem | None = None) -> dict:
    return compute(Observed(DEPLOYMENT, [NEW_RS], list(pods)), problem=problem).status


def next_result(previous: dict, *pods: dict, generation_bump: bool = False,
                problem: Problem | None = None):
    result = compute(Observed(DEPLOYMENT, [NEW_RS], list(pods)), previous=previous, now=LATER,
                     problem=problem)
    if generation_bump:
        result.status["observedGeneration"] += 1
    return result


PENDING_TWO = (pod("a", "bbb", "Pending", ready=False), pod("b", "bbb", "Pending", ready=False))
ONE_UP = (pod("a", "bbb"), pod("b", "bbb", "Pending", ready=False))
BOTH_UP = (pod("a", "bbb"), pod("b", "bbb"))


@pytest.mark.parametrize("before,after,progress", [
    (PENDING_TWO, ONE_UP, True),  # one of two tasks started: counts and a TasksStarted
    (ONE_UP, BOTH_UP, False),  # the service reached its desiredCount: steady, COMPLETED
    (BOTH_UP, (pod("a", "bbb"),), False),  # a task stopped
    (BOTH_UP, (pod("a", "bbb"), pod("b", "bbb", "Failed")), False),  # a task failed
    (ONE_UP, (pod("a", "bbb"), pod("b", "bbb", "Running", ready=False)), True),  # not ready yet
], ids=["task-started", "steady", "task-stopped", "task-failed", "running-not-ready"])
def test_what_counts_as_progress_alone(before, after, progress) -> None:
    previous = status_with(*before)
    assert only_progress(previous, next_result(previous, *after)) is progress


def test_a_new_generation_is_never_progress_alone() -> None:
    previous = status_with(*PENDING_TWO)
    assert not only_progress(previous, next_result(previous, *ONE_UP, generation_bump=True))


def test_a_problem_is_never_progress_alone() -> None:
    previous = status_with(*PENDING_TWO)
    broken = next_result(previous, *ONE_UP, problem=Problem("InvalidTaskDefinition", "bad"))
    assert not only_progress(previous, broken)


def test_a_first_status_is_never_progress_alone() -> None:
    assert not only_progress({}, next_result({}, *ONE_UP))


@pytest.mark.parametrize("since,interval,expected", [
    (2.0, 10.0, 8.0),  # written 2 s ago: wait out the interval
    (12.0, 10.0, 0.0),  # the interval is over
    (None, 10.0, 0.0),  # never written since the operator started
    (2.0, 0.0, 0.0),  # pacing turned off
], ids=["within-interval", "interval-over", "unknown", "off"])
def test_progress_waits_only_within_the_interval(since, interval, expected) -> None:
    previous = status_with(*PENDING_TWO)
    result = next_result(previous, *ONE_UP)
    assert seconds_to_wait(previous, result, since_last_write=since,
                           interval=interval) == pytest.approx(expected)


def test_what_is_not_progress_never_waits() -> None:
    previous = status_with(*ONE_UP)
    assert seconds_to_wait(previous, next_result(previous, *BOTH_UP), since_last_write=0.5,
                           interval=10.0) == 0.0
