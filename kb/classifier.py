"""A second opinion on which article a message is about, learned from labelled messages.

The retriever knows only what the articles say; people describe the same problem
in words no article uses ("Ihre Verbindung ist nicht privat", "Anhänge in
komischer Datei verpackt", "Natel"). This classifier has read the labelled
questions (tests/data) and the articles' own example questions, and says for a
message how likely each article is — or that none is ("-", out of scope).

It is a multinomial logistic regression over tf-idf weighted character n-grams
(3–5 letters inside words, so typos, compounds and inflections share most of
their n-grams) and whole words. Fitted at development time with scikit-learn
(``kb/fitting.py``), stored as arrays in ``kb/data/calibration.npz`` and applied
here with numpy: a dot product over the n-grams a message has.

The calibrated decision (``kb/calibration.py``) reads its verdict on the
retriever's top article beside the ranking's own features; it never ranks.
Beside the weights it keeps the labelled messages themselves
(``kb/neighbours.py``), to say how close the message comes to the nearest
ones of the article and to the nearest out-of-scope ones.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faqbot.kb.neighbours import Neighbours
from faqbot.kb.text import fold

OUTSIDE = "-"  # the class of messages no article answers
NGRAM_SIZES = (3, 4, 5)
WORD_PREFIX = "w:"  # whole words live beside the n-grams under their own prefix
_WORD = re.compile(r"[^\W_]+")
MAX_CHARS = 2_000  # a pasted log says what it is about in its first lines; keeps the cost bounded


def grams(text: str) -> Iterator[str]:
    """The n-grams and words of a text (folded: case, umlauts and accents do not matter)."""
    for word in _words(text):
        yield from _word_grams(word)


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text[:MAX_CHARS]))


def _word_grams(word: str) -> Iterator[str]:
    """One folded word's entries: the word itself, then its n-grams by size and position."""
    yield WORD_PREFIX + word
    padded = f" {word} "
    for size in NGRAM_SIZES:
        for start in range(len(padded) - size + 1):
            yield padded[start : start + size]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the classifier says about the retriever's top article."""

    top: float  # probability that the article is the one
    outside: float  # probability that no article answers the message
    agrees: float  # 1 when the classifier's own first choice is this article
    lead: float = 0.0  # its probability minus the best other candidate's: how clearly it prefers this one
    neighbour_article: float = 0.0  # similarity of the closest labelled messages about this article (kb/neighbours.py)
    neighbour_outside: float = 0.0  # and of the closest out-of-scope ones
    known: bool = True  # False: the article was added after the classifier was fitted

    def vector(self) -> list[float]:
        return [self.top, self.outside, self.agrees, self.lead, self.neighbour_article, self.neighbour_outside]

    @property
    def preference(self) -> float:
        """How much the classifier speaks for this article against the others (nothing when it does not know it)."""
        return self.top if self.known else 0.0


VERDICT_NAMES = (
    "classifier_top",
    "classifier_outside",
    "classifier_agrees",
    "classifier_lead",
    "neighbour_article",
    "neighbour_outside",
)
NO_VERDICT = Verdict(0.0, 0.0, 0.0, known=False)  # no classifier fitted: the regression's weights for these are 0


class Classifier:
    """The fitted model: n-gram vocabulary with idf, one weight per n-gram and class, one bias per class."""

    def __init__(
        self,
        classes: Iterable[str],
        terms: Iterable[str],
        idf: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        neighbours: Neighbours | None = None,
    ):
        self.classes = tuple(classes)
        self._column = {name: i for i, name in enumerate(self.classes)}
        self._row = {term: i for i, term in enumerate(terms)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.weights = weights  # terms × classes
        self.bias = bias
        self.neighbours = neighbours  # the labelled messages, labels numbered as in classes
        self._word_rows: dict[str, tuple[int, ...]] = {}  # a word's known entries (words recur from message to message)

    @property
    def terms(self) -> list[str]:
        return list(self._row)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A text's known n-grams (row numbers) and their weights: sublinear tf × idf, scaled to unit length.

        Long messages weigh as much as short ones; fitting builds its matrix the same way (kb/fitting.py).
        """
        # The rows of the known entries, in the order grams() yields them: counted and ordered by first
        # occurrence as the entries themselves would be (the sums below follow that order).
        counts = Counter(itertools.chain.from_iterable(map(self._known_rows, _words(text))))
        known = list(counts.items())
        rows = np.array([row for row, _ in known], dtype=np.int64)
        values = (1.0 + np.log(np.array([count for _, count in known], dtype=np.float64))) * self.idf[rows]
        if known:
            values /= np.linalg.norm(values)
        return rows, values

    def probabilities(self, text: str) -> np.ndarray:
        """Probability per class (in ``classes`` order) for a text."""
        return self._probabilities(*self.vector(text))

    def _probabilities(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        z = self.bias.astype(np.float64)
        if len(rows):
            z = z + values @ self.weights[rows]
        z -= z.max()
        exp = np.exp(z)
        probabilities: np.ndarray = exp / exp.sum()
        return probabilities

    def _known_rows(self, word: str) -> tuple[int, ...]:
        rows = self._word_rows.get(word)
        if rows is None:
            row = self._row
            rows = tuple(row[entry] for entry in _word_grams(word) if entry in row)
            if len(self._word_rows) < 100_000:
                self._word_rows[word] = rows
        return rows

    def verdicts(self, text: str, articles: Sequence[str]) -> tuple[Verdict, ...]:
        """The classifier's view of each of ``articles`` for ``text``.

        An article added after the classifier was fitted is unknown to it; then the
        classifier can still say whether the message is in scope at all, and that
        share stands for the article (refit with ``faqbot eval … --fit`` to do better).
        """
        if not articles:
            return ()
        rows, values = self.vector(text)
        p = self._probabilities(rows, values)
        outside = float(p[self._column[OUTSIDE]]) if OUTSIDE in self._column else 0.0
        first = self.classes[int(p.argmax())]
        neighbours = self.neighbours
        similarities = neighbours.similarities(rows, values) if neighbours is not None else np.zeros(0)

        def nearest(name: str) -> float:
            if neighbours is None or name not in self._column:
                return 0.0
            return neighbours.nearest(similarities, self._column[name])

        near_outside = nearest(OUTSIDE)
        known = [float(p[self._column[article]]) if article in self._column else None for article in articles]

        def verdict(i: int, article: str) -> Verdict:
            own = known[i]
            if own is None:
                return Verdict(1.0 - outside, outside, float(first != OUTSIDE), neighbour_outside=near_outside, known=False)
            others = [other for j, other in enumerate(known) if j != i and other is not None]
            lead = own - max(others, default=0.0)
            return Verdict(own, outside, float(first == article), lead, nearest(article), near_outside)

        return tuple(verdict(i, article) for i, article in enumerate(articles))

    def knows(self, article_id: str) -> bool:
        return article_id in self._column

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "classes": np.array(self.classes),
            "terms": np.array(self.terms),
            "idf": self.idf.astype(np.float32),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
        }
        if self.neighbours is not None:
            arrays |= self.neighbours.arrays()
        with path.open("wb") as file:  # a file object: numpy would otherwise append ".npz" to the name
            np.savez_compressed(file, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> Classifier:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        return cls(
            arrays["classes"].tolist(),
            arrays["terms"].tolist(),
            arrays["idf"],
            arrays["weights"],
            arrays["bias"],
            Neighbours.from_arrays(arrays),
        )
