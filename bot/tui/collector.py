"""Python's garbage collector set for an interactive app, so that it does not stall the answer a person waits for.

By default the collector walks every container object every few frames' worth of allocations, and now and
then all of them: in the chat that was 5–14 ms per turn and, every three or four turns, 75–100 ms in one go
(the loaded index and the app are some 100,000 objects), the slowest turns of benchmarks/bench_chat.py.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations (less deallocations) between two young collections; Python's default is 700, a few per frame.
YOUNG_THRESHOLD = 10_000


def settle_for_interaction() -> None:
    """Call once the index is loaded, just before the app runs: what exists then lives as long as the process,
    so no collection need walk it again (``gc.freeze``), and young collections come less often."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def deferred() -> Iterator[None]:
    """No automatic collection inside: what an answer allocates on its way to the screen is collected after its
    frame, while the customer reads, not in the middle of it (a young collection took 1–1.5 ms there, and every
    third turn or so one of the middle generation 15 ms; README: "Performance")."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()  # the allocations counted meanwhile start the collections they are due at once
