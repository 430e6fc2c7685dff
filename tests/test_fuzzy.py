"""The typo lookup finds what a scan of every string of the lengths within reach finds, ties included."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import OSA

from conftest import DATA
from faqbot.kb import fuzzy
from faqbot.kb.evaluation import read_cases
from faqbot.kb.fuzzy import Vocabulary
from faqbot.kb.retriever import max_edits

# Few letters, so that strings are often within an edit or two of each other (and tie);
# "ü" and "é" are one character but several UTF-8 bytes, "." and "-" occur in terms like "t-online.de".
LETTERS = "aäbeénrsü.-"


def scan(word: str, strings: list[str], allowed: int) -> tuple[str, int] | None:
    """The reference: rapidfuzz over each length within reach, shortest first; a later length wins with fewer edits."""
    return scan_lengths(word, by_lengths(strings), allowed)


def by_lengths(strings: list[str]) -> dict[int, list[str]]:
    by_length: dict[int, list[str]] = defaultdict(list)
    for string in strings:
        by_length[len(string)].append(string)
    return by_length


def scan_lengths(word: str, by_length: dict[int, list[str]], allowed: int) -> tuple[str, int] | None:
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


def one_edit(string: str, position: int, kind: int, letter: str) -> str:
    """``string`` with one edit at ``position`` (clamped): a substitution, deletion, insertion or transposition."""
    position = min(position, len(string))
    if kind == 0:
        return string[:position] + letter + string[position + 1 :]
    if kind == 1:
        return string[:position] + string[position + 1 :]
    if kind == 2:
        return string[:position] + letter + string[position:]
    if position + 1 < len(string):
        return string[:position] + string[position + 1] + string[position] + string[position + 2 :]
    return string


# One edit (the grouped lookup's case) of a string that is there, often at its start or its end, where the groups
# by first and by last character part.
@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.text(LETTERS, min_size=1, max_size=9), min_size=1, max_size=60),
    st.integers(0, 59),
    st.sampled_from([0, 1, 2, 3, 8]),
    st.integers(0, 3),
    st.sampled_from(LETTERS),
)
def test_one_edit_from_a_known_string_is_found_as_by_a_full_scan(
    strings: list[str], which: int, position: int, kind: int, letter: str
) -> None:
    word = one_edit(strings[which % len(strings)], position, kind, letter)
    found = Vocabulary(strings).closest(word, 1)
    assert (None if found is None else (strings[found[0]], found[1])) == scan(word, strings, 1)


def test_every_word_of_the_corpus_questions_and_its_typos_are_found_as_by_a_full_scan(index) -> None:
    """Every stem and word of the corpus messages, and one edit of each at its start and at its end, looked up in
    the shipped knowledge base's vocabularies as the search does: what the scan of the lengths within reach finds."""
    words = {word for case in read_cases(DATA / "corpus.tsv") for word in index.normaliser.analyse(case.question)}
    stems = sorted({term for word in words for term in word.terms})
    texts = sorted({word.text for word in words})
    checked = 0
    for vocabulary, lookups in ((index._stem_vocabulary, stems), (index._word_vocabulary, texts)):
        strings, by_length = list(vocabulary.strings), by_lengths(list(vocabulary.strings))
        typos = [one_edit(term, place, 0, "x") for term in lookups for place in (0, len(term) - 1)]
        typos += [one_edit(term, 0, 1, "") for term in lookups] + [one_edit(term, 0, 3, "") for term in lookups]
        for word in sorted(set(lookups + typos)):
            allowed = max_edits(word)
            if allowed:
                found = vocabulary.closest(word, allowed)
                assert (None if found is None else (strings[found[0]], found[1])) == scan_lengths(word, by_length, allowed)
                checked += allowed == 1
    assert checked > 5_000  # one-edit lookups (the grouped ones)
