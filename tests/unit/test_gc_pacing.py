"""Collections of old objects run on a timer, not whenever allocations add up."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest

from prometheus_client import REGISTRY

from ecs_operator import gc_pacing


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def restored_collector():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def _cycle() -> tuple[Node, weakref.ref]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return first, weakref.ref(first)


def _old_garbage_cycle() -> weakref.ref:
    """A reference cycle that young collections have promoted to the oldest generation and
    that has then become garbage: only a collection of the oldest generation frees it."""
    alive, ref = _cycle()
    gc.collect(1)
    gc.collect(1)
    del alive
    return ref


def _timed_collections(scope: str) -> float:
    return REGISTRY.get_sample_value("ecs_operator_gc_seconds_count", {"scope": scope}) or 0


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_allocations_no_longer_start_collections_of_old_objects(restored_collector):
    young, middle, _ = gc.get_threshold()
    stopping = threading.Event()
    gc_pacing.start(interval=3600, stopping=stopping)
    try:
        assert gc.get_threshold()[:2] == (young, middle)
        garbage = _old_garbage_cycle()
        # Far more allocations than used to start a full collection (700 x 10 x 10).
        survivors = [[i] for i in range(200_000)]
        gc.collect(1)
        assert garbage() is not None
        del survivors
    finally:
        stopping.set()


def test_the_timer_collects_old_garbage_and_is_measured(restored_collector):
    stopping = threading.Event()
    counted = _timed_collections("new objects")
    garbage = _old_garbage_cycle()
    thread = gc_pacing.start(interval=0.05, stopping=stopping)
    try:
        assert _wait_until(lambda: garbage() is None, 5)
        assert _wait_until(lambda: _timed_collections("new objects") > counted, 5)
    finally:
        stopping.set()
        thread.join(5)
    assert not thread.is_alive()


def test_what_a_collection_kept_is_examined_again_only_by_a_complete_one(restored_collector):
    alive, ref = _cycle()
    gc_pacing.collect(complete=False)  # alive: kept, and frozen
    del alive
    gc_pacing.collect(complete=False)
    assert ref() is not None
    gc_pacing.collect(complete=True)
    assert ref() is None
