"""Choose the retriever's decision thresholds on labelled questions.

    python benchmarks/tune_thresholds.py ../shared/eval/dev.tsv tests/data/questions.tsv

For every question it computes the top hit's score and its lead over the
runner-up, then tries a grid of (ANSWER_MIN_SCORE, ANSWER_MIN_MARGIN,
SUGGEST_MIN_SCORE) and prints the best settings by: in-scope answered right
+ out-of-scope rejected (weighted equally), ties broken by fewer wrong answers
and then by larger margins (more caution on unseen questions).
"""

from __future__ import annotations

import sys
from itertools import product
from pathlib import Path

from faqbot.kb.evaluation import read_cases
from faqbot.kb.loader import load_articles
from faqbot.kb.location import articles_dir
from faqbot.kb.retriever import Index


def main(files: list[str]) -> None:
    index = Index(load_articles(articles_dir()).articles)
    rows = []  # (expected ids, top id, top score, lead)
    for file in files:
        for case in read_cases(Path(file)):
            hits = index.search(case.question, limit=2)
            top = hits[0] if hits else None
            lead = (top.score - (hits[1].score if len(hits) > 1 else 0.0)) if top else 0.0
            rows.append((case.expected, top.article.id if top else None, top.score if top else 0.0, lead))
    inside = [r for r in rows if r[0]]
    outside = [r for r in rows if not r[0]]
    results = []
    for answer_min, margin, suggest_min in product(
        [x / 100 for x in range(30, 80, 2)], [x / 100 for x in range(0, 30, 2)], [x / 100 for x in range(10, 60, 5)]
    ):
        if suggest_min > answer_min:
            continue
        right = sum(1 for e, top, s, lead in inside if top in e and s >= answer_min and lead >= margin)
        wrong = sum(1 for e, top, s, lead in inside if top not in e and s >= answer_min and lead >= margin)
        rejected = sum(1 for _, _, s, _ in outside if s < suggest_min)
        not_answered = sum(1 for _, _, s, lead in outside if not (s >= answer_min and lead >= margin))
        accuracy, rejection = right / len(inside), rejected / len(outside)
        results.append(
            (accuracy + rejection, -wrong, margin, answer_min, suggest_min, accuracy, rejection, not_answered / len(outside))
        )
    results.sort(reverse=True)
    print("answer_min margin suggest_min  accuracy rejection(none) not-answered wrong-answers")
    for _total, wrong, margin, answer_min, suggest_min, accuracy, rejection, not_answered in results[:15]:
        print(
            f"{answer_min:10.2f} {margin:6.2f} {suggest_min:11.2f}  {accuracy:8.1%} {rejection:9.1%} {not_answered:12.1%} {-wrong:13d}"
        )
    print("\nscores (expected, top, score, lead):")
    for row in sorted(rows, key=lambda r: r[2]):
        expected = "|".join(sorted(row[0])) or "-"
        mark = "OK " if (row[1] in row[0]) else ("OOS" if not row[0] else "BAD")
        print(f"  {mark} {row[2]:.2f} {row[3]:.2f} {expected:24} {row[1]}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["../shared/eval/dev.tsv"])
