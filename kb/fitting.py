"""Fit the calibration (kb/calibration.py) on labelled questions — development time only.

Needs scikit-learn (``pip install '.[fit]'``); nothing on the run-time path imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from faqbot.kb.calibration import FEATURE_NAMES, Calibration
from faqbot.kb.evaluation import Outcome

# Budgets for the thresholds, a little under the promises (≤ 1 % wrong confident answers in scope,
# ≤ 3 % out of scope, ≥ 95 % out-of-scope rejected), because a threshold fitted on some questions
# is a little optimistic on others.
MAX_WRONG_IN_SCOPE = 0.01
MAX_WRONG_OUT_OF_SCOPE = 0.03
MAX_SUGGESTED_OUT_OF_SCOPE = 0.02
REGULARISATION = 1.0  # scikit-learn's C


class FittingUnavailable(ImportError):
    pass


def _logistic(vectors: list[list[float]], labels: list[int]) -> tuple[float, ...]:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as error:  # the fit extra is not installed
        raise FittingUnavailable("Zum Anpassen wird scikit-learn gebraucht: pip install 'faqbot[fit]'") from error
    if len(set(labels)) < 2:  # nothing to separate: a constant that says so
        return (10.0 if labels and labels[0] else -10.0,) + (0.0,) * len(FEATURE_NAMES)
    model = LogisticRegression(C=REGULARISATION, max_iter=2000)
    model.fit(vectors, labels)
    return (float(model.intercept_[0]), *(float(w) for w in model.coef_[0]))


def _lowest_threshold(probabilities: list[float], allowed: Callable[[float], bool]) -> float:
    """The lowest threshold among the observed probabilities that keeps within the budgets."""
    for threshold in sorted(set(probabilities)):
        if allowed(threshold):
            return threshold
    return 1.0


def fit(outcomes: Sequence[Outcome], fitted_on: str = "") -> Calibration:
    vectors = [o.ranking.features.vector() for o in outcomes]
    top1 = [int(o.in_scope and o.rank == 1) for o in outcomes]
    top3 = [int(o.in_scope and o.rank is not None and o.rank <= 3) for o in outcomes]
    answer_weights = _logistic(vectors, top1)
    top3_weights = _logistic(vectors, top3)
    draft = Calibration(answer_weights, top3_weights, 1.0, 1.0)
    p_answer = [draft.answer_probability(o.ranking.features) for o in outcomes]
    p_top3 = [draft.top3_probability(o.ranking.features) for o in outcomes]
    # An out-of-scope topic always wins: such questions can never be answered, whatever p says.
    answerable = [o.ranking.topic is None and bool(o.ranking.hits) for o in outcomes]
    inside = [i for i, o in enumerate(outcomes) if o.in_scope]
    outside = [i for i, o in enumerate(outcomes) if not o.in_scope]

    def answer_ok(t: float) -> bool:
        wrong_in = sum(answerable[i] and p_answer[i] >= t and not top1[i] for i in inside)
        wrong_out = sum(answerable[i] and p_answer[i] >= t for i in outside)
        return wrong_in <= MAX_WRONG_IN_SCOPE * len(inside) and wrong_out <= MAX_WRONG_OUT_OF_SCOPE * len(outside)

    answer_threshold = _lowest_threshold(p_answer, answer_ok)

    def suggest_ok(t: float) -> bool:
        suggested_out = sum(answerable[i] and p_answer[i] < answer_threshold and p_top3[i] >= t for i in outside)
        return suggested_out <= MAX_SUGGESTED_OUT_OF_SCOPE * len(outside)

    suggest_threshold = _lowest_threshold(p_top3, suggest_ok)
    return Calibration(answer_weights, top3_weights, answer_threshold, suggest_threshold, FEATURE_NAMES, fitted_on)
