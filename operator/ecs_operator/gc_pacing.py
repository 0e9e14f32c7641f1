"""Python's garbage collections of old objects, paced by the clock instead of by allocations.

At a thousand Services the operator holds millions of objects the collector tracks. A full
collection walks every one of them while holding the interpreter lock, so the event loop and
every handler thread stop: 0.3 to 1.1 s each, and the allocation counters started one every 15
to 20 s (both measured with `gc.callbacks` while `bench/latency.py` ran). Each one of those was
a convergence taking twice as long as it should.

So the young generations collect as Python would (they are small and free most cycles), and
what survives them is collected on a timer. Each timed collection then freezes what it kept:
the next one examines only objects that are newer, which takes milliseconds. Objects that were
alive when frozen and later become cyclic garbage (Kopf's per-event bodies, which point at
themselves, were most of what a full collection found) wait for a complete collection, which
unfreezes and examines everything, much more rarely.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

from . import metrics

TIMED_COLLECTION_SECONDS = 60.0
COMPLETE_COLLECTION_EVERY = 30  # timed collections: every half hour
# Far above what the allocation counters reach between two timed collections.
_NEVER = 2**31 - 1
log = logging.getLogger(__name__)


def start(interval: float = TIMED_COLLECTION_SECONDS,
          complete_every: int = COMPLETE_COLLECTION_EVERY,
          stopping: threading.Event | None = None) -> threading.Thread:
    """Stops allocation-driven collections of the oldest generation; collects on a timer."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)
    thread = threading.Thread(target=_collect_every,
                              args=(interval, complete_every, stopping or threading.Event()),
                              name="gc-pacing", daemon=True)
    thread.start()
    return thread


def collect(complete: bool) -> int:
    """Collects the objects not frozen yet (all of them when `complete`), then freezes the
    survivors. Returns how many objects were freed."""
    started = time.perf_counter()
    if complete:
        gc.unfreeze()
    freed = gc.collect()
    gc.freeze()
    took = time.perf_counter() - started
    metrics.GC_SECONDS.labels("complete" if complete else "new objects").observe(took)
    log.debug("garbage collection (%s): %d objects freed in %.3f s",
              "complete" if complete else "new objects", freed, took)
    return freed


def _collect_every(interval: float, complete_every: int, stopping: threading.Event) -> None:
    for count in range(1, 2**62):
        if stopping.wait(interval):
            return
        collect(complete=count % complete_every == 0)
