"""Measure the retriever on a labelled question set (the TSV format of shared/eval)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from faqbot.kb.retriever import Index, Result

OUT_OF_SCOPE = "-"


@dataclass(frozen=True, slots=True)
class Case:
    line: int
    expected: frozenset[str]  # empty: no article answers it
    question: str


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    result: Result
    ranked_ids: tuple[str, ...]

    @property
    def in_scope(self) -> bool:
        return bool(self.case.expected)

    @property
    def correct(self) -> bool:
        if not self.in_scope:
            return self.result.status == "none"
        return self.result.answer is not None and self.result.answer.article.id in self.case.expected

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right article among the ranked hits."""
        for position, article_id in enumerate(self.ranked_ids, start=1):
            if article_id in self.case.expected:
                return position
        return None


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _in(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.in_scope]

    def _out(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.in_scope]

    @staticmethod
    def _share(count: int, total: int) -> float:
        return count / total if total else 0.0

    @property
    def accuracy(self) -> float:
        inside = self._in()
        return self._share(sum(o.correct for o in inside), len(inside))

    @property
    def top3_recall(self) -> float:
        inside = self._in()
        return self._share(sum(1 for o in inside if o.rank is not None and o.rank <= 3), len(inside))

    @property
    def mrr(self) -> float:
        inside = self._in()
        return sum(1 / o.rank for o in inside if o.rank) / len(inside) if inside else 0.0

    @property
    def rejection(self) -> float:
        outside = self._out()
        return self._share(sum(o.correct for o in outside), len(outside))

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]


class CaseFileError(ValueError):
    pass


def read_cases(path: Path) -> list[Case]:
    """Lines ``expected<TAB>question``; ``-`` = out of scope, ``a|b`` = either; ``#`` comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseFileError(f"{path}: Datei kann nicht gelesen werden ({error}).") from error
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        expected, tab, question = line.partition("\t")
        if not tab or not question.strip():
            raise CaseFileError(f"{path}:{number}: Erwartet wird „id<TAB>Frage“.")
        ids = frozenset() if expected.strip() == OUT_OF_SCOPE else frozenset(expected.strip().split("|"))
        cases.append(Case(number, ids, question.strip()))
    return cases


def evaluate(index: Index, cases: list[Case]) -> Report:
    report = Report()
    for case in cases:
        hits = index.search(case.question, limit=10)
        result = index.ask(case.question)
        report.outcomes.append(Outcome(case, result, tuple(hit.article.id for hit in hits)))
    return report
