"""Leave one writer out: fit on the other writers' messages, score that writer's — the hardest honest check.

tests/data/corpus.tsv is written by several writers, each block opened by a comment line „# writer X“.
For each writer, the classifier, the regression and the thresholds are fitted on every other writer's
outcomes (plus the knowledge base's own example questions) and decide every message of that writer:
nothing of its style was seen while fitting.

    python benchmarks/cross_writer.py        (needs the fit extra: pip install -e '.[fit]')
"""

from __future__ import annotations

from pathlib import Path

from faqbot.kb.calibration import UNFITTED
from faqbot.kb.evaluation import Outcome, Report, evaluate, read_cases, writers_of
from faqbot.kb.fitting import examples_of, fit
from faqbot.kb.loader import load_articles
from faqbot.kb.retriever import Index, decide

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus.tsv"


def main() -> None:
    loaded = load_articles(ROOT / "articles")
    index = Index(loaded.articles, loaded.topics, UNFITTED)
    cases = read_cases(CORPUS)
    outcomes = evaluate(index, cases).outcomes
    writers = writers_of(CORPUS, cases)
    examples = examples_of(index)
    for name in dict.fromkeys(writers):
        fitted_on = [o for o, w in zip(outcomes, writers, strict=True) if w != name]
        scored = [o for o, w in zip(outcomes, writers, strict=True) if w == name]
        calibration = fit(fitted_on, examples)
        report = Report([Outcome(o.case, decide(o.case.question, o.ranking, calibration), o.ranking) for o in scored])
        kinds = ", ".join(f"{kind} {right}/{total}" for kind, (right, total) in report.by_kind().items())
        print(
            f"others → {name}: {len(scored)} messages, answered right {report.accuracy:.1%}, "
            f"ranked first {report.top1_ranked:.1%}, rejected {report.rejection:.1%}, "
            f"confident wrong {report.wrong_in_scope:.1%} / {report.wrong_out_of_scope:.1%}\n  {kinds}",
            flush=True,
        )


if __name__ == "__main__":
    main()
