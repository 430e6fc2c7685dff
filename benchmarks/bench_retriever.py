"""Retriever speed and memory, beside bm25s and rank_bm25 on the same articles and questions.

    pip install -e '.[bench]'
    python benchmarks/bench_retriever.py            # prints a Markdown table for the README

Measured, never asserted: figures depend on the machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import bm25s
from rank_bm25 import BM25Okapi

sys.path.insert(0, str(Path(__file__).parent))
from faqbot.kb.evaluation import read_cases  # noqa: E402
from faqbot.kb.loader import load_articles  # noqa: E402
from faqbot.kb.location import shipped_articles_dir  # noqa: E402
from faqbot.kb.retriever import Index  # noqa: E402
from faqbot.kb.text import stem, words  # noqa: E402
from synthetic import generate, sample_questions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def bm25_tokens(text: str) -> list[str]:
    """The baseline's analysis: the same folding, stop words and Snowball stemming, no compounds or typos."""
    return [stem(word) for word in words(text)]


class Bm25Baseline:
    def __init__(self, articles):
        self.ids = [a.id for a in articles]
        corpus = [bm25_tokens(" ".join((a.title, *a.questions, *a.keywords, a.text))) for a in articles]
        self.bm25 = BM25Okapi(corpus)

    def search(self, question: str) -> str | None:
        scores = self.bm25.get_scores(bm25_tokens(question))
        best = max(range(len(scores)), key=scores.__getitem__)
        return self.ids[best]


class Bm25sBaseline:
    """bm25s (plain numpy backend) over the same texts and the same analysis as the rank_bm25 baseline."""

    def __init__(self, articles):
        self.ids = [a.id for a in articles]
        corpus = [bm25_tokens(" ".join((a.title, *a.questions, *a.keywords, a.text))) for a in articles]
        self.retriever = bm25s.BM25()
        self.retriever.index(corpus, show_progress=False)

    def search(self, question: str) -> str | None:
        tokens = bm25_tokens(question)
        documents, _ = self.retriever.retrieve([tokens or [""]], k=1, show_progress=False)
        return self.ids[int(documents[0][0])]


def measure_build(build: Callable[[], object]) -> tuple[object, float, float]:
    """(result, seconds, peak MiB) of building an index.

    Built twice: once timed, once under tracemalloc (which slows Python down
    several times, so it must not be in the timed run).
    """
    started = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    build()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return built, seconds, peak


def latencies(search: Callable[[str], object], questions: list[str], rounds: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds over all questions, ``rounds`` times each."""
    timings = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            search(question)
            timings.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94]


def process_time(args: list[str], runs: int = 10) -> float:
    """Median wall time in ms of a whole process."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def row(name: str, system: str, build: float, peak: float, p50: float, p95: float) -> str:
    return f"| {name} | {system} | {build * 1000:.0f} ms | {peak:.1f} MiB | {p50:.2f} ms | {p95:.2f} ms |"


def main() -> None:
    loaded = load_articles(shipped_articles_dir())
    shipped, shipped_topics = list(loaded.articles), loaded.topics
    questions = [case.question for case in read_cases(ROOT / "tests" / "data" / "questions.tsv")]
    dev = ROOT.parent / "shared" / "eval" / "dev.tsv"
    if dev.exists():
        questions += [case.question for case in read_cases(dev)]

    lines = [
        "| knowledge base | system | index build | peak memory (build) | p50 per question | p95 per question |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, articles, kb_questions, rounds in (
        (f"shipped ({len(shipped)} articles)", shipped, questions, 20),
        ("synthetic (10,000 articles)", None, None, 1),
    ):
        if articles is None:
            articles = generate(10_000)
            kb_questions = sample_questions(articles, 300)
        topics = shipped_topics if articles is shipped else ()
        index, build, peak = measure_build(lambda articles=articles, topics=topics: Index(articles, topics))
        p50, p95 = latencies(index.ask, kb_questions, rounds)
        lines.append(row(name, "faqbot (ask: reading, ranking, section, decision)", build, peak, p50, p95))
        fast, build, peak = measure_build(lambda articles=articles: Bm25sBaseline(articles))
        p50, p95 = latencies(fast.search, kb_questions, rounds)
        lines.append(row(name, "bm25s (plain)", build, peak, p50, p95))
        baseline, build, peak = measure_build(lambda articles=articles: Bm25Baseline(articles))
        p50, p95 = latencies(baseline.search, kb_questions, rounds)
        lines.append(row(name, "rank_bm25 (BM25Okapi)", build, peak, p50, p95))

    faqbot = str(Path(sys.executable).with_name("faqbot"))
    python_start = process_time([sys.executable, "-c", "pass"])
    ask = process_time([faqbot, "ask", "--json", "Mein Postfach ist voll"])
    lines += [
        "",
        "| whole process | median wall time |",
        "| --- | --- |",
        f"| `python -c pass` (interpreter start, baseline) | {python_start:.0f} ms |",
        f'| `faqbot ask --json "Mein Postfach ist voll"` | {ask:.0f} ms |',
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
