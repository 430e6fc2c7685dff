"""From the features of a ranking to a probability that the top article is right.

A logistic regression over the ranking's features and the text classifier's
verdict on the top article (kb/classifier.py), fitted at development time on
labelled questions (``faqbot eval FILE --fit``, scikit-learn, in the ``fit``
extra), stored as data in ``kb/data/calibration.json`` (the classifier beside
it in ``calibration.npz``) and applied here with plain arithmetic. Its
thresholds are chosen at fitting time so that confident wrong answers stay rare
(README: "How the decision is calibrated").
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path

from faqbot.kb.classifier import NO_VERDICT, VERDICT_NAMES, Classifier, Verdict

CALIBRATION_FILE = "calibration.json"
CLASSIFIER_FILE = "calibration.npz"


@dataclass(frozen=True, slots=True)
class Features:
    """What the decision knows about a ranking (all plain numbers, see Index.rank)."""

    top: float  # score of the best article for the whole message (plus error evidence)
    margin: float  # its lead over the runner-up
    passage_best: float  # the same article's best score on one passage (sentence or window) of the message
    similarity: float  # its best overlap with one of its own example questions
    known_share: float  # share of the message's weight carried by words the knowledge base knows
    foreign_share: float  # share carried by words another article or topic explains better (kb.retriever)
    topic_lead: float  # best out-of-scope topic's score minus the top article's (negative: the article leads)
    topic_score: float  # the best out-of-scope topic's own score
    unknown_nouns: int  # capitalised words inside a sentence that no article or topic knows
    error_hit: float  # 1 if a listed error text of the top article occurs in the message
    passages_agree: float  # share of the passages whose own best document is the top article
    words: int  # words of the message after greetings and signature are set aside

    def vector(self) -> list[float]:
        """The numbers the regression reads, in FEATURE_NAMES order."""
        values = [float(getattr(self, name)) for name in FEATURE_NAMES]
        # Length matters by order of magnitude, and a few unknown nouns already say it all.
        values[_WORDS] = math.log1p(values[_WORDS])
        values[_UNKNOWN_NOUNS] = min(values[_UNKNOWN_NOUNS], 3.0)
        return values


FEATURE_NAMES: tuple[str, ...] = tuple(field.name for field in fields(Features))
NO_FEATURES = Features(*(0 for _ in FEATURE_NAMES))  # a ranking without any article
_WORDS = FEATURE_NAMES.index("words")
_UNKNOWN_NOUNS = FEATURE_NAMES.index("unknown_nouns")
DECISION_NAMES = FEATURE_NAMES + VERDICT_NAMES  # what the regression reads, in this order


def decision_vector(features: Features, verdict: Verdict) -> list[float]:
    """What the regression reads, in DECISION_NAMES order."""
    return features.vector() + verdict.vector()


@dataclass(frozen=True, slots=True)
class Calibration:
    answer_weights: tuple[float, ...]  # intercept first, then one per feature
    top3_weights: tuple[float, ...]
    answer_threshold: float  # answer when P(top article right) reaches this
    suggest_threshold: float  # else "Meinten Sie …?" when P(right article among the top 3) reaches this
    features: tuple[str, ...] = DECISION_NAMES
    fitted_on: str = ""  # what it was fitted on, for the README and the curious
    classifier: Classifier | None = None  # its verdict is part of what the regression reads

    def verdicts(self, text: str, articles: Sequence[str]) -> tuple[Verdict, ...]:
        """The classifier's verdict on each of ``articles`` for ``text``."""
        if self.classifier is None:
            return tuple(NO_VERDICT for _ in articles)
        return self.classifier.verdicts(text, articles)

    @staticmethod
    def _probability(weights: tuple[float, ...], features: Features, verdict: Verdict) -> float:
        values = decision_vector(features, verdict)
        z = weights[0] + sum(w * x for w, x in zip(weights[1:], values, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def answer_probability(self, features: Features, verdict: Verdict = NO_VERDICT) -> float:
        return self._probability(self.answer_weights, features, verdict)

    def top3_probability(self, features: Features, verdict: Verdict = NO_VERDICT) -> float:
        return self._probability(self.top3_weights, features, verdict)

    def to_json(self) -> str:
        # The classifier's arrays are saved beside the JSON (asdict would deep-copy them only to drop them).
        data = {field.name: getattr(self, field.name) for field in fields(self) if field.name != "classifier"}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        """The regression as JSON at ``path``, the classifier's arrays beside it (same name, ``.npz``)."""
        path.write_text(self.to_json(), encoding="utf-8")
        if self.classifier is not None:
            self.classifier.save(path.with_suffix(".npz"))


# Answers nothing: for rankings that are about to be fitted on (and a stale shipped file cannot block that).
UNFITTED = Calibration((-50.0,) + (0.0,) * len(DECISION_NAMES), (-50.0,) + (0.0,) * len(DECISION_NAMES), 1.0, 1.0)


def load_calibration() -> Calibration:
    """The shipped calibration; it must match the features this code computes.

    Read once per process while its files stay as they are: unpacking the classifier takes 30–50 ms,
    and a process may build several indexes (the tests, a session's reload). ``faqbot eval --fit``
    rewrites the files, and the next call reads the new ones.
    """
    folder = resources.files("faqbot.kb").joinpath("data")
    with (
        resources.as_file(folder.joinpath(CALIBRATION_FILE)) as weights,
        resources.as_file(folder.joinpath(CLASSIFIER_FILE)) as arrays,
    ):
        return _read_calibration(weights, arrays, _stamp(weights), _stamp(arrays))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=1)
def _read_calibration(weights: Path, arrays: Path, *stamps: tuple[int, int] | None) -> Calibration:
    """``stamps``: the files' modification times and sizes, so a rewritten file is read again."""
    data = json.loads(weights.read_text(encoding="utf-8"))
    if tuple(data["features"]) != DECISION_NAMES:
        raise ValueError(f"{CALIBRATION_FILE} was fitted on other features; refit with `faqbot eval FILE --fit`")
    classifier = Classifier.load(arrays) if arrays.is_file() else None
    return Calibration(
        tuple(data["answer_weights"]),
        tuple(data["top3_weights"]),
        float(data["answer_threshold"]),
        float(data["suggest_threshold"]),
        tuple(data["features"]),
        data.get("fitted_on", ""),
        classifier,
    )
