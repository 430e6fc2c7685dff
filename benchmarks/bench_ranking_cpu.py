"""Ranking CPU time per question, faqbot beside bm25s, in one process: a comparison that other users' load moves less.

    python benchmarks/bench_ranking_cpu.py 10000          # synthetic articles (benchmarks/synthetic.py)
    python benchmarks/bench_ranking_cpu.py 10000 --rounds 5
    python benchmarks/bench_ranking_cpu.py 10000 --cold-words   # every word's plan made again in every round

bench_retriever.py times each question once in wall time, so on a shared machine its p95 is mostly other
processes' time slices. Here each question's time is its fastest of several rounds, in CPU time of this
process (``time.process_time``), for faqbot's ranking alone (``Index._score``, typo lookups repeated in every
round) and bm25s (plain), the two taking turns round by round over the same 300 sampled questions.
The index remembers each known word's plan (``Index._plans``), so after the first round every word of these
questions is one it has seen; ``--cold-words`` forgets them before every round, as for words new to the process.
Measured, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_retriever import Bm25sBaseline  # noqa: E402

from faqbot.kb.retriever import Index  # noqa: E402
from synthetic import generate, sample_questions  # noqa: E402


def fastest(search: Callable[[str], object], questions: list[str], best: list[float]) -> None:
    """One round: each question's CPU milliseconds, kept where lower than before."""
    for number, question in enumerate(questions):
        started = time.process_time()
        search(question)
        best[number] = min(best[number], (time.process_time() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="synthetic articles")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-words", action="store_true", help="forget the words' plans before every round")
    arguments = parser.parse_args()
    articles = generate(arguments.size)
    questions = sample_questions(articles, 300)
    index, bm25s = Index(articles), Bm25sBaseline(articles)
    for question in questions:  # once each: first-use work (typo masks, tables) out of the rounds
        index._score(question)
        bm25s.search(question)
    faqbot_best, bm25s_best = [float("inf")] * len(questions), [float("inf")] * len(questions)
    for _ in range(arguments.rounds):
        index._fuzzy_cache.clear()  # each typo looked up again in every round
        if arguments.cold_words:
            index._plans.clear()
        fastest(index._score, questions, faqbot_best)
        fastest(bm25s.search, questions, bm25s_best)
    print(f"| articles | system | CPU p50 | CPU p95 | mean | (fastest of {arguments.rounds} rounds per question) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, best in (("faqbot (ranking only)", faqbot_best), ("bm25s (plain)", bm25s_best)):
        quantiles = statistics.quantiles(best, n=100)
        print(
            f"| {arguments.size:,} | {name} | {quantiles[49]:.3f} ms | {quantiles[94]:.3f} ms | {statistics.mean(best):.3f} ms | |"
        )
    ours, theirs = statistics.quantiles(faqbot_best, n=100), statistics.quantiles(bm25s_best, n=100)
    print(f"\nfaqbot / bm25s: p50 {ours[49] / theirs[49]:.2f}×, p95 {ours[94] / theirs[94]:.2f}×")


if __name__ == "__main__":
    main()
