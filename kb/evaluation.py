"""Measure the retriever on labelled questions, honestly: what is fitted is fitted on other questions.

The TSV format of shared/eval: ``expected<TAB>question[<TAB>kind]``; ``-`` = no
article answers it, ``a|b`` = either is right; ``\\n`` in a question stands for a
line break (messages with greeting and signature); ``#`` starts a comment.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from faqbot.kb.calibration import UNFITTED, Calibration
from faqbot.kb.retriever import Index, Ranking, Result, decide

OUT_OF_SCOPE = "-"
NO_KIND = "-"
FOLD_SEED = 7  # fixed, so that a figure can be reproduced


@dataclass(frozen=True, slots=True)
class Case:
    line: int
    expected: frozenset[str]  # empty: no article answers it
    question: str
    kind: str = NO_KIND  # short, long, error-paste, dialect, english, near-miss …
    source: str = ""  # the file it came from
    section: str | None = None  # expected section anchor ("id#anchor"; "" = the whole article), None: not labelled


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    result: Result
    ranking: Ranking

    @property
    def in_scope(self) -> bool:
        return bool(self.case.expected)

    @property
    def ranked_ids(self) -> tuple[str, ...]:
        return tuple(hit.article.id for hit in self.ranking.hits)

    @property
    def correct(self) -> bool:
        if not self.in_scope:
            return self.result.status == "none"
        return self.result.answer is not None and self.result.answer.article.id in self.case.expected

    @property
    def wrong_answer(self) -> bool:
        """A confident answer with a wrong article: the worst outcome for a customer."""
        return self.result.status == "answer" and not self.correct

    @property
    def section_correct(self) -> bool | None:
        """For a section-labelled case whose article was ranked first: whether the section matches too."""
        if self.case.section is None or self.rank != 1:
            return None
        found = self.ranking.section.anchor if self.ranking.section else ""
        return found == self.case.section

    @property
    def shown_ids(self) -> tuple[str, ...]:
        """The articles the reply puts in front of the customer: the answer, then suggestions or hints."""
        answer = (self.result.answer.article.id,) if self.result.answer else ()
        return answer + tuple(hit.article.id for hit in self.result.suggestions)

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right article in the ranking."""
        for position, article_id in enumerate(self.ranked_ids, start=1):
            if article_id in self.case.expected:
                return position
        return None


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    cross_validated: int = 0  # folds, or 0 when the shipped calibration decided

    def _in(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.in_scope]

    def _out(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.in_scope]

    @property
    def accuracy(self) -> float:
        inside = self._in()
        return _share(sum(o.correct for o in inside), len(inside))

    @property
    def top1_ranked(self) -> float:
        """How often the right article was ranked first, whatever the decision made of it."""
        inside = self._in()
        return _share(sum(o.rank == 1 for o in inside), len(inside))

    @property
    def top3_recall(self) -> float:
        """How often the right article is among what the reply shows (answer, suggestions, hints)."""
        inside = self._in()
        return _share(sum(bool(o.case.expected & set(o.shown_ids[:3])) for o in inside), len(inside))

    @property
    def mrr(self) -> float:
        inside = self._in()
        return sum(1 / o.rank for o in inside if o.rank) / len(inside) if inside else 0.0

    @property
    def rejection(self) -> float:
        outside = self._out()
        return _share(sum(o.correct for o in outside), len(outside))

    @property
    def wrong_in_scope(self) -> float:
        inside = self._in()
        return _share(sum(o.wrong_answer for o in inside), len(inside))

    @property
    def wrong_out_of_scope(self) -> float:
        outside = self._out()
        return _share(sum(o.wrong_answer for o in outside), len(outside))

    @property
    def section_accuracy(self) -> tuple[int, int]:
        """(right, judged) sections among section-labelled cases whose article was ranked first."""
        judged = [o.section_correct for o in self.outcomes if o.section_correct is not None]
        return sum(judged), len(judged)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind → (right, total): answered right in scope, rejected out of scope."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            counts[outcome.case.kind][0] += outcome.correct
            counts[outcome.case.kind][1] += 1
        return {kind: (right, total) for kind, (right, total) in sorted(counts.items())}


class CaseFileError(ValueError):
    pass


def read_cases(path: Path) -> list[Case]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseFileError(f"{path}: Datei kann nicht gelesen werden ({error}).") from error
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, tab, rest = line.partition("\t")
        question, _, kind = rest.partition("\t")
        if not tab or not question.strip():
            raise CaseFileError(f"{path}:{number}: Erwartet wird „id<TAB>Frage“ oder „id<TAB>Frage<TAB>Art“.")
        expected, hash_sign, section = expected.strip().partition("#")
        ids = frozenset() if expected == OUT_OF_SCOPE else frozenset(expected.split("|"))
        question = question.strip().replace("\\n", "\n")
        cases.append(Case(number, ids, question, kind.strip() or NO_KIND, str(path), section if hash_sign else None))
    return cases


_WRITER_LINE = re.compile(r"#\s*writer\s+(\w+)\s*$")


def writers_of(path: Path, cases: Sequence[Case]) -> list[str]:
    """Each case's writer: the last „# writer X“ comment line above it ("" before the first such line)."""
    starts = [
        (number, match.group(1))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (match := _WRITER_LINE.match(line))
    ]
    return [next((name for start, name in reversed(starts) if start < case.line), "") for case in cases]


def evaluate(index: Index, cases: Sequence[Case], calibration: Calibration | None = None) -> Report:
    """Every case decided by the given calibration, else by the index's own (shipped) one."""
    calibration = calibration or index.calibration
    report = Report()
    for case in cases:
        ranking = index.rank(case.question)
        report.outcomes.append(Outcome(case, decide(case.question, ranking, calibration), ranking))
    return report


def folds_of(cases: Sequence[Case], folds: int) -> list[int]:
    """Fold number of each case: shuffled with a fixed seed, balanced over expected article and kind."""
    order = list(range(len(cases)))
    random.Random(FOLD_SEED).shuffle(order)
    order.sort(key=lambda i: (sorted(cases[i].expected), cases[i].kind))  # stable: shuffled within each group
    assignment = [0] * len(cases)
    for position, i in enumerate(order):
        assignment[i] = position % folds
    return assignment


Fitter = Callable[[Sequence[Outcome]], Calibration]


def cross_validate(index: Index, cases: Sequence[Case], folds: int, fit: Fitter) -> Report:
    """Each case decided by a calibration fitted on the other folds only."""
    shipped = evaluate(index, cases, UNFITTED).outcomes  # rankings do not depend on the calibration
    assignment = folds_of(cases, folds)
    report = Report(cross_validated=folds)
    decided: list[Outcome | None] = [None] * len(cases)
    for fold in range(folds):
        calibration = fit([o for o, f in zip(shipped, assignment, strict=True) if f != fold])
        for i, outcome in enumerate(shipped):
            if assignment[i] == fold:
                result = decide(outcome.case.question, outcome.ranking, calibration)
                decided[i] = Outcome(outcome.case, result, outcome.ranking)
    report.outcomes = [o for o in decided if o is not None]
    return report
