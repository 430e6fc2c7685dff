"""Reading rows of CSR-style arrays (one ``indptr`` for a flat array of entries) many rows at once."""

from __future__ import annotations

import numpy as np


def ranges(indptr: np.ndarray, rows: list[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For CSR ``indptr`` and some rows: where each row starts in the result, the entries' positions, the counts."""
    rows_array = np.asarray(rows, dtype=np.int64)
    # Array methods: no dispatch through numpy's functions (called per search); ``take`` gathers as indexing
    # does without the general indexing's set-up.
    starts = indptr.take(rows_array)
    counts = indptr.take(rows_array + 1) - starts
    ends = counts.cumsum()
    offsets = ends - counts
    return offsets, (starts - offsets).repeat(counts) + np.arange(int(ends[-1]) if len(ends) else 0), counts
