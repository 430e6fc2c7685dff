"""Typo lookup: the known string closest to a word within a few edits (OSA distance).

The answer is the one rapidfuzz's ``extractOne`` would give scanning the strings of each length within
reach, shortest length first and in the given order within a length, a later one winning only with fewer
edits: the fewest edits, ties to the shorter string, then to the earlier one.

A scan of every string of those lengths grows with the vocabulary (30,000 strings per length at 100,000
articles), so a cheap necessary condition goes first: a string within ``k`` edits differs from the word in at
most ``2k`` bits of a 64-bit mask of the characters it holds once and more than once (``_masks``).
numpy compares all masks at once; rapidfuzz measures only the few strings that pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

_OTHER = 31  # the class of every non-ASCII character
_FEW = 32  # up to this many strings that pass the mask are measured one by one, more with one cdist call


def _classes(codes: np.ndarray) -> np.ndarray:
    """Character class 0..31 of code points: ASCII by its low five bits (a–z apart), anything else one class."""
    return np.where(codes < 128, codes & 31, _OTHER)


def _masks(strings: Sequence[str]) -> np.ndarray:
    """Per string, a uint64: bit c when it holds a character of class c, bit 32 + c when it holds two or more.

    An edit changes at most two bits: a substitution lowers one class's count and raises another's by one,
    which flips one bit of each; an insertion or deletion one bit; a transposition none.
    Computed over the strings' code points joined by newlines (which no string holds), all at once.
    """
    if not strings:
        return np.zeros(0, np.uint64)
    codes = np.frombuffer("\n".join(strings).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    breaks = codes == ord("\n")
    owner = np.cumsum(breaks)[~breaks]  # string number per character
    keys = np.sort(owner * 32 + _classes(codes[~breaks]))
    repeated = np.concatenate(([False], keys[1:] == keys[:-1]))  # the second (third, …) of a class in a string
    bits = np.left_shift(np.uint64(1), ((keys & 31) + 32 * repeated).astype(np.uint64))
    masks = np.zeros(len(strings), np.uint64)
    if not len(keys):
        return masks
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] // 32 != keys[:-1] // 32)))
    masks[keys[starts] // 32] = np.bitwise_or.reduceat(bits, starts)
    return masks


def _mask(word: str) -> np.uint64:
    mask = 0
    for char in word:
        code = ord(char)
        bit = 1 << (code & 31 if code < 128 else _OTHER)
        mask |= bit << 32 if mask & bit else bit
    return np.uint64(mask)


class Vocabulary:
    """Strings to look typos up in, sorted by length (stable: the given order within a length)."""

    def __init__(self, strings: Sequence[str]):
        self.strings = strings
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        self._order = np.argsort(lengths, kind="stable")
        self._lengths = lengths[self._order]
        self._masks = _masks(strings)[self._order]
        # The strings in that order, as objects: the few that pass the mask are taken in one step.
        self._sorted = np.array(strings, dtype=object)[self._order] if strings else np.zeros(0, dtype=object)
        # Per length 0 … the longest + 1: the first position of a string at least that long, as Python ints (a list
        # lookup instead of a search per lookup).
        longest = int(self._lengths[-1]) if len(strings) else 0
        self._starts: list[int] = self._lengths.searchsorted(np.arange(longest + 2)).tolist()

    def closest(self, word: str, allowed: int) -> tuple[int, int] | None:
        """(position in ``strings``, edits) of the closest string within ``allowed`` edits, or None."""
        if allowed <= 0:
            return None
        starts = self._starts
        end = len(starts) - 1  # lengths past the longest all start at the end
        start, stop = starts[min(max(len(word) - allowed, 0), end)], starts[min(len(word) + allowed + 1, end)]
        # Array methods rather than numpy's functions: the same operations without the functions' dispatch.
        near = (np.bitwise_count(self._masks[start:stop] ^ _mask(word)) <= 2 * allowed).nonzero()[0]
        if not len(near):
            return None
        candidates = self._sorted[start:stop][near].tolist()
        # The first of the fewest edits wins: shorter strings come first.
        if len(candidates) <= _FEW:  # one call each: cheaper than cdist's set-up for a handful of strings
            best, fewest = 0, allowed + 1
            for place, candidate in enumerate(candidates):
                edits = OSA.distance(word, candidate, score_cutoff=allowed)  # allowed + 1 when above it, as cdist
                if edits < fewest:
                    best, fewest = place, edits
        else:
            distances = process.cdist([word], candidates, scorer=OSA.distance, score_cutoff=allowed, dtype=np.int32)[0]
            best = int(distances.argmin())
            fewest = int(distances[best])
        return (int(self._order[start + int(near[best])]), fewest) if fewest <= allowed else None
