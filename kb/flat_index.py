"""The retriever's index as flat arrays, built in one pass over the texts.

Each text is split into words once and each distinct word normalised once; postings (term → documents
and weights) and the example questions are CSR arrays (one ``indptr`` over term or question ids, one
array of entries), so the index is a handful of numpy arrays rather than millions of Python objects,
and saves and loads as arrays (kb/cache.py).

Every float is computed with the same operations in the same order as the term-by-term definition in
kb/retriever.py's docstring (numpy does IEEE arithmetic element by element), so scores are equal to the
last bit; tests/test_retriever.py compares them with a recorded file.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from faqbot.kb.text import MAX_QUERY_CHARS, MAX_TERMS, Normaliser, words

# Field weights: how much one occurrence of a term in this field counts (in this order: it is the
# order in which a document's terms are first met, and in which their weights are summed).
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "keywords": 2.5, "body": 1.0}
K1 = 1.2  # BM25 term-frequency saturation
B = 0.5  # BM25 length normalisation (per field)

_TOKEN = re.compile(r"[^\W_][\w.-]*")


@dataclass(frozen=True, slots=True)
class FlatIndex:
    """Everything the retriever computes from the texts, as arrays (and two word lists)."""

    words: tuple[str, ...]  # the vocabulary (folded words), in order of first occurrence
    terms: tuple[str, ...]  # term id → term, in order of first occurrence
    indptr: np.ndarray  # int64, terms + 1: term t's postings are [indptr[t], indptr[t + 1])
    doc: np.ndarray  # int32: the documents that use the term, ascending
    weight: np.ndarray  # float64: saturation relative to the document that has most of the term
    idf: np.ndarray  # float64 per term
    word_stem_word: np.ndarray  # int32: words that stand for exactly one term (typo lookup by word) …
    word_stem_term: np.ndarray  # int32: … and that term
    question_start: np.ndarray  # int64, documents + 1: document d's example questions are [start[d], start[d + 1])
    question_mass: np.ndarray  # float64 per question: the idf sum of its distinct terms
    question_term_indptr: np.ndarray  # int64, questions + 1: question q's known terms are [indptr[q], indptr[q + 1])
    question_terms: np.ndarray  # int32: each question's distinct terms that documents use
    topic_indptr: np.ndarray  # int64, documents + 1: document d's topic terms (nouns of title and keywords)
    topic_terms: np.ndarray  # int32, sorted per document

    def arrays(self) -> dict[str, Any]:
        """The fields as plain arrays (word lists joined), for numpy.savez."""
        saved = {field.name: getattr(self, field.name) for field in fields(self)}
        for name in ("words", "terms"):
            saved[name] = np.frombuffer("\n".join(saved[name]).encode(), dtype=np.uint8)
        return saved

    @classmethod
    def from_arrays(cls, saved: dict[str, np.ndarray]) -> FlatIndex:
        values: dict[str, Any] = {field.name: saved[field.name] for field in fields(cls)}
        for name in ("words", "terms"):
            text = values[name].tobytes().decode()
            values[name] = tuple(text.split("\n")) if text else ()
        return cls(**values)


def idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def build(documents: Sequence[Any]) -> tuple[FlatIndex, Normaliser]:
    """The flat index over ``documents`` (with ``title``, ``questions``, ``keywords``, ``text``)."""
    n = len(documents)
    # A new word gets the next id on first sight (a C-level counter: this runs once per token).
    word_ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    tokens = {field: (array("i"), array("i")) for field in FIELD_WEIGHTS}  # per field: word ids, documents
    question_words, question_ptr, question_doc = array("i"), array("q", [0]), array("i")
    long_questions: dict[int, str] = {}  # cut like any question before analysis, so analysed on their own
    for doc, document in enumerate(documents):
        texts = {
            "title": (document.title,),
            "questions": document.questions,
            "keywords": document.keywords,
            "body": (document.text,),
        }
        for field, field_texts in texts.items():
            field_words, field_docs = tokens[field]
            for text in field_texts:
                ids = [word_ids[word] for word in words(text)]
                field_words.extend(ids)
                field_docs.extend([doc] * len(ids))
                if field == "questions":
                    if len(text) > MAX_QUERY_CHARS:
                        long_questions[len(question_doc)] = text
                    else:
                        question_words.extend(ids[:MAX_TERMS])
                    question_ptr.append(len(question_words))
                    question_doc.append(doc)
    vocabulary = tuple(word_ids)
    normaliser = Normaliser(vocabulary)

    # Each word's terms (a compound: its parts and itself), as CSR over word ids; term ids by first occurrence.
    term_ids: dict[str, int] = {}
    word_terms, word_ptr = array("i"), array("q", [0])
    for word in vocabulary:
        word_terms.extend(term_ids.setdefault(t, len(term_ids)) for t in normaliser.word(word, keep_compound=True).terms)
        word_ptr.append(len(word_terms))
    terms = tuple(term_ids)
    word_term = np.frombuffer(word_terms, dtype=np.int32) if word_terms else np.zeros(0, np.int32)
    word_start = np.frombuffer(word_ptr, dtype=np.int64)
    t_count = len(terms)

    indptr, posting_doc, weight, df = _postings(tokens, n, t_count, word_start, word_term)
    idf_values = np.array([idf(count, n) for count in df.tolist()], dtype=np.float64)

    # Words that stand for exactly one term: the typo lookup's second chance matches whole words.
    single = np.flatnonzero(np.diff(word_start) == 1)
    order = sorted(single.tolist(), key=vocabulary.__getitem__)  # sorted: fuzzy ties go the same way everywhere
    word_stem_word = np.array(order, dtype=np.int32)
    word_stem_term = word_term[word_start[word_stem_word]] if len(order) else np.zeros(0, np.int32)

    question_start, question_mass, question_term_indptr, question_terms = _questions(
        normaliser,
        term_ids,
        idf_values,
        idf(0, n),
        (_array(question_words), np.frombuffer(question_ptr, dtype=np.int64), _array(question_doc)),
        long_questions,
        (word_start, word_term),
        n,
    )
    topic_indptr, topic_terms = _topics(documents, normaliser, term_ids)
    flat = FlatIndex(
        vocabulary,
        terms,
        indptr,
        posting_doc,
        weight,
        idf_values,
        word_stem_word,
        word_stem_term.astype(np.int32),
        question_start,
        question_mass,
        question_term_indptr,
        question_terms,
        topic_indptr,
        topic_terms,
    )
    return flat, normaliser


def _postings(
    tokens: dict[str, tuple[array[int], array[int]]], n: int, t_count: int, word_start: np.ndarray, word_term: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR postings (indptr, doc, weight) and each term's document frequency.

    The weighted term frequency of each (term, document) is summed over the fields in order, then saturated
    and taken relative to the document with most of it: the same operations, in the same order, as term by
    term in Python. Its own function, and arrays freed or reused as soon as done: the build's peak memory.
    """
    keys, contributions = [], []
    for field, (field_words, field_docs) in tokens.items():
        term, doc = _expand(_array(field_words), _array(field_docs), word_start, word_term)
        lengths = np.bincount(doc, minlength=n)
        average = max(1.0, int(lengths.sum()) / max(1, n))
        norm = (1 - B) + B * lengths / average
        key, count = _unique(term.astype(np.int64) * n + doc)
        del term, doc
        keys.append(key)
        contributions.append(FIELD_WEIGHTS[field] * count / norm[key % n])
    every = _unique(np.concatenate(keys))[0]
    wtf = np.zeros(len(every))
    while keys:  # in field order, each field's arrays dropped once added
        key, contribution = keys.pop(0), contributions.pop(0)
        wtf[np.searchsorted(every, key)] += contribution
    del key, contribution
    np.divide(wtf, wtf + K1, out=wtf)  # saturation, in place
    df = np.bincount(every // max(n, 1), minlength=t_count)
    doc = (every % max(n, 1)).astype(np.int32)
    del every
    indptr = _indptr(df)
    if len(wtf):
        wtf /= np.repeat(np.maximum.reduceat(wtf, indptr[:-1]), df)  # relative to the best document
    return indptr, doc, wtf, df


def _array(values: array[int]) -> np.ndarray:
    return np.frombuffer(values, dtype=np.int32) if len(values) else np.zeros(0, np.int32)


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and how often each occurs (np.unique, without its slower hash path)."""
    keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else np.zeros(0, np.int64)
    return keys[starts], np.diff(np.append(starts, len(keys)))


def _unique_first(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the position of each one's first occurrence."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if len(keys) else order[:0]
    return ordered[starts], order[starts]


def _indptr(counts: np.ndarray) -> np.ndarray:
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr


def _expand(word: np.ndarray, doc: np.ndarray, word_start: np.ndarray, word_term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token (word, document): its terms in order, each with the token's document."""
    lengths = (word_start[1:] - word_start[:-1])[word]
    out_start = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) - np.repeat(out_start - word_start[word], lengths)
    return word_term[positions], np.repeat(doc, lengths)


def _questions(
    normaliser: Normaliser,
    term_ids: dict[str, int],
    idf_values: np.ndarray,
    unknown_idf: float,
    words_ptr_doc: tuple[np.ndarray, np.ndarray, np.ndarray],
    long_questions: dict[int, str],
    word_table: tuple[np.ndarray, np.ndarray],
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Example questions: idf mass of their distinct terms, and each question's terms that documents use.

    A search compares the question with its candidates' example questions only, so each question's own
    terms (a few) are looked up rather than each query term's questions (thousands in a large base).

    A question's terms are those of its words as a question (cut to the first MAX_TERMS words); for a
    vocabulary word these equal its document terms (a compound is kept whole either way, being known).
    """
    question_words, question_ptr, question_doc = words_ptr_doc
    word_start, word_term = word_table
    count = len(question_doc)
    lengths = question_ptr[1:] - question_ptr[:-1]
    term, question = _expand(question_words, np.repeat(np.arange(count), lengths), word_start, word_term)
    unknown: dict[str, int] = {}  # terms of a cut long question that no document uses
    extra_terms, extra_questions = [], []
    for long_question, text in long_questions.items():
        for t in normaliser.terms(text):
            found = term_ids.get(t)
            extra_terms.append(found if found is not None else len(term_ids) + unknown.setdefault(t, len(unknown)))
            extra_questions.append(long_question)
    width = max(1, len(term_ids) + len(unknown))
    # Distinct terms per question, in order of first occurrence (the order their idf is summed in).
    # Temporaries are dropped as soon as done: a million question terms are 8 MiB per array.
    keys = np.concatenate([question, np.array(extra_questions, dtype=np.int64)]) * width
    keys += np.concatenate([term, np.array(extra_terms, dtype=np.int64)])
    del term, question
    pairs, first = _unique_first(keys)
    del keys
    pair_question, pair_term = (pairs // width).astype(np.int32), (pairs % width).astype(np.int32)
    del pairs
    order = np.lexsort((first, pair_question))
    del first
    pair_question, pair_term = pair_question[order], pair_term[order]
    del order
    per_question = np.bincount(pair_question, minlength=count)
    column = np.arange(len(pair_term)) - np.repeat(_indptr(per_question)[:-1], per_question)
    values = np.concatenate([idf_values, np.full(len(unknown), unknown_idf)])[pair_term]
    mass = np.zeros(count)
    by_column = np.argsort(column, kind="stable")
    bounds = _indptr(np.bincount(column, minlength=1))
    del column
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        chosen = by_column[start:stop]
        mass[pair_question[chosen]] += values[chosen]  # each question once per column: summed term by term
    kept = per_question > 0  # a question of stop words only is no example
    number = np.cumsum(kept) - 1
    start = _indptr(np.bincount(question_doc[kept], minlength=n))
    del by_column, values
    known = pair_term < len(term_ids)  # pairs are ordered by question already
    question_terms = pair_term[known]
    question_term_indptr = _indptr(np.bincount(number[pair_question[known]], minlength=int(kept.sum())))
    return start, mass[kept], question_term_indptr, question_terms


def _topics(documents: Sequence[Any], normaliser: Normaliser, term_ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per document, the nouns (and names like SMTP, 993) of its title and keywords: what it is about.

    German writes nouns with a capital letter, so a lower-case word there is a verb or adjective
    ("ändern", "voll") that says what to do, not what about. Only terms the index knows are kept:
    a question's matched terms always are.
    """
    cache: dict[str, tuple[int, ...]] = {}
    counts, flat = [], array("i")
    for document in documents:
        topic: set[int] = set()
        for text in (document.title, *document.keywords):
            for token in _TOKEN.findall(text):
                if token[0].isupper() or any(char.isdigit() for char in token):
                    ids = cache.get(token)
                    if ids is None:
                        found = (term_ids.get(t) for t in normaliser.terms(token, document=True))
                        ids = cache[token] = tuple(i for i in found if i is not None)
                    topic.update(ids)
        flat.extend(sorted(topic))
        counts.append(len(topic))
    return _indptr(np.array(counts, dtype=np.int64)), _array(flat)
