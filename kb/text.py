"""The one normaliser: the same steps for articles and for questions.

casefold → umlauts folded one way (ä→ae, ö→oe, ü→ue, ß→ss) → accents dropped →
words (hyphens and punctuation split words; "E-Mail" stays one word) → stop
words dropped → compounds split against the knowledge base's own vocabulary →
Snowball German stem → synonyms mapped to one canonical stem.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import NamedTuple, cast

import Stemmer

# Queries longer than this are cut: nobody types an FAQ question of 500 words,
# and it keeps every search bounded in time.
MAX_QUERY_CHARS = 1_000
MAX_TERMS = 64

# A compound is only split into parts of at least this many letters, so that
# short accidental words ("pass" + "wort") do not tear real words apart.
MIN_PART = 4
MIN_COMPOUND = 2 * MIN_PART

# Terminal escape sequences (colours pasted from a terminal) are not words.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# A single letter before a hyphen belongs to the word: E-Mail → email, not e + mail.
_LETTER_HYPHEN = re.compile(r"\b([^\W\d_])-(?=[^\W\d_])")
_WORD = re.compile(r"[^\W_]+")
_LINKING = ("s", "es", "n", "en")  # Fugenelemente: Zertifikat-s-fehler, Seite-n-rand


def _data_words(name: str) -> list[list[str]]:
    text = resources.files("faqbot.kb").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def stop_words() -> frozenset[str]:
    return frozenset(word for line in _data_words("stopwords.txt") for word in line)


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german")


def stem(word: str) -> str:
    return cast(str, _stemmer().stemWord(word))


@cache
def synonym_stems() -> dict[str, str]:
    """variant stem → canonical stem."""
    mapping: dict[str, str] = {}
    for line in _data_words("synonyms.txt"):
        canonical = stem(line[0].rstrip(":"))
        for variant in line[1:]:
            mapping[stem(fold(variant))] = canonical
    return mapping


def fold(text: str) -> str:
    """casefold, fold umlauts one way and drop remaining accents (é → e)."""
    if text.isascii():  # most questions: lower() is casefold() for ASCII, and there is nothing else to fold
        return text.lower()
    folded = text.casefold().translate(_UMLAUTS)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """Folded words without stop words and without single characters."""
    # Each pattern only where its first character occurs: the scans cost more than the rest of a question's reading.
    folded = fold(_ANSI_ESCAPE.sub(" ", text) if "\x1b" in text else text)
    if "-" in folded:
        folded = _LETTER_HYPHEN.sub(r"\1", folded)
    stop = stop_words()
    return [word for word in _WORD.findall(folded) if len(word) > 1 and word not in stop]


def _canonical_stem(word: str) -> str:
    stemmed = stem(word)
    return synonym_stems().get(stemmed, stemmed)


class Word(NamedTuple):
    """One word of a text and the terms it is searched by."""

    text: str  # folded
    parts: tuple[str, ...]  # stems of its compound parts (the word itself if not a compound)
    whole: str | None  # stem of the whole compound, when it is kept beside the parts

    @property
    def terms(self) -> tuple[str, ...]:
        return self.parts + ((self.whole,) if self.whole else ())


class CompoundSplitter:
    """Splits German compounds into parts that the vocabulary knows.

    Postfachpasswort → postfach + passwort; Zertifikatsfehlermeldung →
    zertifikat + fehlermeldung (the linking -s stripped). Where only one side is
    known (Spamordner with "spam" known), the known part is still returned with
    the rest, so the question keeps partial credit for it.
    """

    def __init__(self, vocabulary: Iterable[str]):
        words = tuple(vocabulary)
        # Filtered in C (compress over lengths): a cached index of 10,000 articles has 20,000 words to load.
        self.vocabulary = frozenset(itertools.compress(words, map(MIN_PART.__le__, map(len, words))))
        self._cache: dict[str, tuple[str, ...] | None] = {}

    def _known(self, part: str) -> str | None:
        """The vocabulary word this part stands for, allowing a linking element."""
        if part in self.vocabulary:
            return part
        for linking in _LINKING:
            if part.endswith(linking) and part[: -len(linking)] in self.vocabulary:
                return part[: -len(linking)]
        return None

    def _full_split(self, word: str) -> tuple[str, ...] | None:
        """Fewest known parts that make up the whole word, or None."""
        if word in self._cache:
            return self._cache[word]
        self._cache[word] = None  # guards against re-entry while computing
        best: tuple[str, ...] | None = None
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head = self._known(word[:cut])
            if head is None:
                continue
            tail = word[cut:]
            rest = (tail,) if tail in self.vocabulary else self._full_split(tail)
            if rest is not None and (best is None or len(rest) + 1 < len(best)):
                best = (head, *rest)
        self._cache[word] = best
        return best

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of ``word``; ``(word,)`` if it is not a compound we can see."""
        if len(word) < MIN_COMPOUND:
            return (word,)
        parts = self._full_split(word)
        if parts:
            return parts
        # Only one side known: keep the known side and the rest as they are.
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = self._known(word[:cut]), word[cut:]
            if head is not None and len(head) >= 5:
                return (head, tail)
            if len(word[:cut]) >= MIN_PART and tail in self.vocabulary and len(tail) >= 5:
                return (word[:cut], tail)
        return (word,)


class Normaliser:
    """Turns text into search terms; built once per knowledge base."""

    def __init__(self, vocabulary: Iterable[str] = ()):
        self.splitter = CompoundSplitter(vocabulary)
        self._word_cache: dict[tuple[str, bool], Word] = {}

    def word(self, word: str, *, keep_compound: bool = False) -> Word:
        """The search terms of one folded word."""
        key = (word, keep_compound)
        cached = self._word_cache.get(key)
        if cached is not None:
            return cached
        parts = self.splitter.split(word)
        # An article keeps the whole compound as well, so that a question with the
        # same compound matches it exactly; a question keeps it when it is known.
        keep_whole = len(parts) > 1 and (keep_compound or word in self.splitter.vocabulary)
        result = Word(word, tuple(_canonical_stem(part) for part in parts), _canonical_stem(word) if keep_whole else None)
        if len(self._word_cache) < 200_000:
            self._word_cache[key] = result
        return result

    def analyse(self, text: str, *, document: bool = False) -> list[Word]:
        """Each word of ``text`` with its search terms, in order."""
        if not document:
            text = text[:MAX_QUERY_CHARS]
        analysed = [self.word(word, keep_compound=document) for word in words(text)]
        return analysed if document else analysed[:MAX_TERMS]

    def terms(self, text: str, *, document: bool = False) -> list[str]:
        """Search terms of ``text``, in order; repeated terms are kept (term frequency)."""
        return [term for word in self.analyse(text, document=document) for term in word.terms]
