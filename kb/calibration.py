"""From the features of a ranking to a probability that the top article is right.

A logistic regression, fitted at development time on labelled questions
(``faqbot eval FILE --fit``, scikit-learn, in the ``fit`` extra), stored as
data in ``kb/data/calibration.json`` and applied here with plain arithmetic.
Its thresholds are chosen at fitting time so that confident wrong answers stay
rare (README: "How the decision is calibrated").
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

CALIBRATION_FILE = "calibration.json"


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
_WORDS = FEATURE_NAMES.index("words")
_UNKNOWN_NOUNS = FEATURE_NAMES.index("unknown_nouns")


@dataclass(frozen=True, slots=True)
class Calibration:
    answer_weights: tuple[float, ...]  # intercept first, then one per feature
    top3_weights: tuple[float, ...]
    answer_threshold: float  # answer when P(top article right) reaches this
    suggest_threshold: float  # else "Meinten Sie …?" when P(right article among the top 3) reaches this
    features: tuple[str, ...] = FEATURE_NAMES
    fitted_on: str = ""  # what it was fitted on, for the README and the curious

    @staticmethod
    def _probability(weights: tuple[float, ...], features: Features) -> float:
        z = weights[0] + sum(w * x for w, x in zip(weights[1:], features.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def answer_probability(self, features: Features) -> float:
        return self._probability(self.answer_weights, features)

    def top3_probability(self, features: Features) -> float:
        return self._probability(self.top3_weights, features)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        path.write_text(self.to_json(), encoding="utf-8")


def load_calibration() -> Calibration:
    """The shipped calibration; it must match the features this code computes."""
    text = resources.files("faqbot.kb").joinpath("data", CALIBRATION_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    if tuple(data["features"]) != FEATURE_NAMES:
        raise ValueError(f"{CALIBRATION_FILE} was fitted on other features; refit with `faqbot eval FILE --fit`")
    return Calibration(
        tuple(data["answer_weights"]),
        tuple(data["top3_weights"]),
        float(data["answer_threshold"]),
        float(data["suggest_threshold"]),
        tuple(data["features"]),
        data.get("fitted_on", ""),
    )
