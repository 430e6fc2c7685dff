"""The labelled messages the classifier was fitted on, kept to find the ones closest to a new message.

A linear classifier draws one boundary per article; it blurs a near-miss that
shares most words with an article's questions but names another thing ("das
FTP-Passwort vergessen" against "das E-Mail-Passwort vergessen"). The closest
labelled messages keep that detail: when the nearest known messages were out of
scope, so is this one, most likely. The decision reads how close the message
comes to messages labelled with the chosen article and to out-of-scope ones
(cross-validated leaving one writer out at a time: 93.5 % → 96.0 % answered
right at the same rejection; README "How the decision is calibrated").

Only whole words count here: they did as well as words and n-grams together
(95.7 %) at a tenth of the postings to add up per question. The messages are
stored as the word part of the classifier's tf-idf vectors, scaled to unit
length, word by word (for each word: the messages that have it and its weight
there), grouped by label so that each label is a contiguous slice. Cosine
similarity with a new message is then one weighted ``bincount`` over the
postings of the words it has.
"""

from __future__ import annotations

import numpy as np

from faqbot.kb.csr import ranges

NEAREST = 2  # the mean of the two closest: one alone follows a single odd message (cross-validated: 1, 2, 3, 5, 10)


class Neighbours:
    """Labelled messages as word postings: ``indptr[g]:indptr[g + 1]`` of ``messages``/``weights`` for term g.

    Terms are numbered as in the classifier; n-grams have no postings here.
    """

    def __init__(self, indptr: np.ndarray, messages: np.ndarray, weights: np.ndarray, label_starts: np.ndarray):
        self.indptr = indptr
        self.messages = messages  # message numbers, ordered by label: label k owns label_starts[k]:label_starts[k + 1]
        self.weights = weights
        self.label_starts = label_starts

    @classmethod
    def of_rows(cls, rows: np.ndarray, terms: np.ndarray, weights: np.ndarray, labels: np.ndarray, term_count: int) -> Neighbours:
        """From a message × word matrix in coordinates (row, term, weight), each row labelled with a class number.

        Each row is scaled to unit length; rows are renumbered so that each label's
        messages are contiguous (a stable sort keeps their order).
        """
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(labels)))
        weights = weights / norms[rows]
        order = np.argsort(labels, kind="stable")
        renumbered = np.empty_like(order)
        renumbered[order] = np.arange(len(order))
        messages = renumbered[rows]
        by_term = np.lexsort((messages, terms))
        indptr = np.zeros(term_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=term_count), out=indptr[1:])
        label_counts = np.bincount(labels, minlength=int(labels.max(initial=-1)) + 1)
        label_starts = np.concatenate([[0], np.cumsum(label_counts)]).astype(np.int64)
        return cls(indptr, messages[by_term].astype(np.int32), weights[by_term].astype(np.float32), label_starts)

    @property
    def size(self) -> int:
        return int(self.label_starts[-1])

    def similarities(self, terms: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Cosine similarity of a message's word part (its tf-idf: term numbers, weights) with every stored message."""
        _, postings, counts = ranges(self.indptr, terms)  # the postings of all its words, in one index array
        words = counts > 0  # n-grams have no postings
        if not words.any():
            return np.zeros(self.size)
        contributions = self.weights[postings] * np.repeat(values / np.linalg.norm(values[words]), counts)
        similarities: np.ndarray = np.bincount(self.messages[postings], weights=contributions, minlength=self.size)
        return similarities

    def nearest(self, similarities: np.ndarray, label: int) -> float:
        """How close the messages of one label come: the mean similarity of its NEAREST closest."""
        group = similarities[self.label_starts[label] : self.label_starts[label + 1]]
        if not len(group):
            return 0.0
        count = min(NEAREST, len(group))
        return float(np.partition(group, len(group) - count)[-count:].mean())

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``Classifier.save`` stores (the names are its keys in the .npz)."""
        return {
            "neighbour_indptr": self.indptr,
            "neighbour_messages": self.messages,
            "neighbour_weights": self.weights,
            "neighbour_label_starts": self.label_starts,
        }

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray]) -> Neighbours | None:
        if "neighbour_indptr" not in data:
            return None
        return cls(
            data["neighbour_indptr"], data["neighbour_messages"], data["neighbour_weights"], data["neighbour_label_starts"]
        )
