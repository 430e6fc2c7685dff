"""Retriever speed, memory and size, beside bm25s and rank_bm25 on the same articles and questions.

    pip install -e '.[bench]'
    python benchmarks/bench_retriever.py                      # shipped, 1,000 and 10,000 articles
    python benchmarks/bench_retriever.py shipped 1000 10000 100000

Prints a Markdown table for the README. faqbot gets two rows: the whole answer (``Index.ask``: reading the
message, ranking, section, calibrated decision) and its ranking alone (``Index._score``), which is what
the baselines do. Sizes are synthetic knowledge bases (benchmarks/synthetic.py)
with 300 sampled questions each; the shipped one is asked the project's labelled questions 20 times.
rank_bm25 is left out above 10,000 articles (a single size takes it minutes). bm25s's numba backend
is measured too when numba is installed (its first query, which compiles, reported apart).
Measured, never asserted: figures depend on the machine.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import bm25s
from rank_bm25 import BM25Okapi

sys.path.insert(0, str(Path(__file__).parent))
from faqbot.kb import cache  # noqa: E402
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
    """bm25s over the same texts and the same analysis as the rank_bm25 baseline (numpy backend unless told)."""

    def __init__(self, articles, backend: str = "numpy"):
        self.ids = [a.id for a in articles]
        corpus = [bm25_tokens(" ".join((a.title, *a.questions, *a.keywords, a.text))) for a in articles]
        self.backend = backend
        self.retriever = bm25s.BM25(backend=backend)
        self.retriever.index(corpus, show_progress=False)

    def search(self, question: str) -> str | None:
        tokens = bm25_tokens(question)
        documents, _ = self.retriever.retrieve([tokens or [""]], k=1, show_progress=False, backend_selection=self.backend)
        return self.ids[int(documents[0][0])]

    def disk_size(self) -> int:
        with tempfile.TemporaryDirectory() as folder:
            self.retriever.save(folder)
            return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def faqbot_disk(index: Index) -> tuple[int, float]:
    """(bytes, median ms to load) of the index's cache file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.npz"
        cache._store(path, cache.LoadedIndex(index, 0))
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            cache._read(path)
            timings.append((time.perf_counter() - started) * 1000)
        return path.stat().st_size, statistics.median(timings)


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


def main() -> None:
    sizes = sys.argv[1:] or ["shipped", "1000", "10000"]
    lines = [
        "| knowledge base | system | index build | peak memory (build) | index on disk | load from disk "
        "| p50 per question | p95 per question | vs bm25s: build, memory, p50, p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in sizes:
        for line in measure_size(size):
            lines.append(line)
            print(line, file=sys.stderr, flush=True)  # progress: a large size takes minutes

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


def measure_size(size: str) -> list[str]:
    if size == "shipped":
        loaded = load_articles(shipped_articles_dir())
        articles, topics = list(loaded.articles), loaded.topics
        questions = [case.question for case in read_cases(ROOT / "tests" / "data" / "questions.tsv")]
        dev = ROOT.parent / "shared" / "eval" / "dev.tsv"
        if dev.exists():
            questions += [case.question for case in read_cases(dev)]
        name, rounds = f"shipped ({len(articles)} articles, {len(topics)} topics)", 20
    else:
        articles, topics = generate(int(size)), ()
        questions, name, rounds = sample_questions(articles, 300), f"synthetic ({int(size):,} articles)", 1

    index, build, peak = measure_build(lambda: Index(articles, topics))
    p50, p95 = latencies(index.ask, questions, rounds)
    disk, load = faqbot_disk(index)
    faqbot = (build, peak, p50, p95)
    # The ranking alone, the part that does what bm25s does (private, as in tests/ranking_golden.py):
    # words, typos, compounds, coverage, question similarity, topic nouns, the 30 best with their scores.
    index._fuzzy_cache.clear()  # each typo looked up again, as in the whole answer's first round
    ranking = (build, peak, *latencies(index._score, questions, rounds))
    # Memory the build's peak does not show: common terms' weights as document-sized arrays, made by the questions.
    ready = index._dense_parts
    ready_mib = sum(array.nbytes for array in ready.values()) / 2**20
    print(f"{name}: {len(ready)} ready term arrays after the questions, {ready_mib:.1f} MiB", file=sys.stderr, flush=True)
    del index, ready
    fast, build, peak = measure_build(lambda: Bm25sBaseline(articles))
    bm25s_figures = (build, peak, *latencies(fast.search, questions, rounds))
    bm25s_disk = fast.disk_size()
    del fast
    rows = [
        row(name, "faqbot (ask: reading, ranking, section, decision)", faqbot, disk, f"{load:.0f} ms", bm25s_figures),
        row(name, "faqbot (ranking only: the same index)", ranking, None, "", bm25s_figures),
        row(name, "bm25s (plain)", bm25s_figures, bm25s_disk, "", bm25s_figures),
    ]
    if importlib.util.find_spec("numba") is not None:
        numba, build, peak = measure_build(lambda: Bm25sBaseline(articles, backend="numba"))
        started = time.perf_counter()
        numba.search(questions[0])
        compiled = time.perf_counter() - started
        figures = (build, peak, *latencies(numba.search, questions, rounds))
        rows.append(row(name, f"bm25s (numba; first query {compiled:.1f} s)", figures, None, "", bm25s_figures))
    if size == "shipped" or int(size) <= 10_000:
        baseline, build, peak = measure_build(lambda: Bm25Baseline(articles))
        figures = (build, peak, *latencies(baseline.search, questions, rounds))
        rows.append(row(name, "rank_bm25 (BM25Okapi)", figures, None, "", bm25s_figures))
    return rows


def row(name: str, system: str, figures, disk: int | None, load: str, bm25s_figures) -> str:
    build, peak, p50, p95 = figures
    ratios = ", ".join(f"{ours / theirs:.2f}×" for ours, theirs in zip(figures, bm25s_figures, strict=True))
    size = f"{disk / 2**20:.1f} MiB" if disk is not None else ""
    return (
        f"| {name} | {system} | {build * 1000:,.0f} ms | {peak:,.1f} MiB | {size} | {load} "
        f"| {p50:.2f} ms | {p95:.2f} ms | {ratios} |"
    )


if __name__ == "__main__":
    main()
