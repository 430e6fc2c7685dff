"""Fit on one writer's messages, score the other's: the hardest honest check of the decision.

tests/data/corpus.tsv holds two writers (its header: the first 610 cases are writer A's). The
classifier, the regression and the thresholds are fitted on one writer's outcomes (plus the
knowledge base's own example questions) and decide every message of the other writer.

    python benchmarks/cross_writer.py        (needs the fit extra: pip install -e '.[fit]')
"""

from __future__ import annotations

from pathlib import Path

from faqbot.kb.calibration import UNFITTED
from faqbot.kb.evaluation import Outcome, Report, evaluate, read_cases
from faqbot.kb.fitting import examples_of, fit
from faqbot.kb.loader import load_articles
from faqbot.kb.retriever import Index, decide

ROOT = Path(__file__).resolve().parent.parent
WRITER_A_CASES = 610


def main() -> None:
    loaded = load_articles(ROOT / "articles")
    index = Index(loaded.articles, loaded.topics, UNFITTED)
    outcomes = evaluate(index, read_cases(ROOT / "tests" / "data" / "corpus.tsv")).outcomes
    examples = examples_of(index)
    writer_a, writer_b = outcomes[:WRITER_A_CASES], outcomes[WRITER_A_CASES:]
    for name, fitted_on, scored in (("A → B", writer_a, writer_b), ("B → A", writer_b, writer_a)):
        calibration = fit(fitted_on, examples)
        report = Report([Outcome(o.case, decide(o.case.question, o.ranking, calibration), o.ranking) for o in scored])
        kinds = ", ".join(f"{kind} {right}/{total}" for kind, (right, total) in report.by_kind().items())
        print(
            f"{name}: {len(scored)} messages, answered right {report.accuracy:.1%}, rejected {report.rejection:.1%}, "
            f"confident wrong {report.wrong_in_scope:.1%} / {report.wrong_out_of_scope:.1%}\n  {kinds}"
        )


if __name__ == "__main__":
    main()
