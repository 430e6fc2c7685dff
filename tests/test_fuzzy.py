"""The typo lookup finds what a scan of every string of the lengths within reach finds, ties included."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from faqbot.kb import fuzzy
from faqbot.kb.fuzzy import Vocabulary

# Few letters, so that strings are often within an edit or two of each other (and tie);
# "ü" and "é" are one character but several UTF-8 bytes, "." and "-" occur in terms like "t-online.de".
LETTERS = "aäbeénrsü.-"


def scan(word: str, strings: list[str], allowed: int) -> tuple[str, int] | None:
    """The reference: rapidfuzz over each length within reach, shortest first; a later length wins with fewer edits."""
    by_length: dict[int, list[str]] = defaultdict(list)
    for string in strings:
        by_length[len(string)].append(string)
    best: tuple[str, int] | None = None
    for length in range(len(word) - allowed, len(word) + allowed + 1):
        cutoff = allowed if best is None else best[1] - 1
        if by_length.get(length) and cutoff >= 0:
            match = process.extractOne(word, by_length[length], scorer=OSA.distance, score_cutoff=cutoff)
            if match is not None:
                best = (match[0], match[1])
    return best


# The strings that pass the mask are measured one by one when few, with one cdist call when more: both ways.
@pytest.mark.parametrize("few", [0, 1_000], ids=["cdist", "one-by-one"])
@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(LETTERS, min_size=1, max_size=9), min_size=1, max_size=60),
    st.text(LETTERS, min_size=1, max_size=9),
    st.integers(1, 2),
)
def test_closest_is_what_a_full_scan_finds(few: int, strings: list[str], word: str, allowed: int) -> None:
    default, fuzzy._FEW = fuzzy._FEW, few  # not monkeypatch: hypothesis runs many examples per test call
    try:
        found = Vocabulary(strings).closest(word, allowed)
    finally:
        fuzzy._FEW = default
    assert (None if found is None else (strings[found[0]], found[1])) == scan(word, strings, allowed)


def test_ties_go_to_the_shorter_then_the_earlier_string() -> None:
    strings = ["postfache", "postfacx", "postfachs", "postfacy"]
    assert Vocabulary(strings).closest("postfach", 1) == (1, 1)  # "postfacx": shorter than "postfache", before "postfacy"


def test_repeated_letters_and_other_scripts_are_within_reach() -> None:
    # A substitution that removes a letter's second occurrence and adds a non-ASCII one: two bits of the mask.
    strings = ["passwort", "paßwort", "kennwort"]
    vocabulary = Vocabulary(strings)
    assert vocabulary.closest("pasxwort", 1) == (0, 1)
    assert vocabulary.closest("paßwört", 1) == (1, 1)
    assert vocabulary.closest("xyz", 1) is None
    assert vocabulary.closest("passwort", 0) is None  # no edits allowed: no lookup
