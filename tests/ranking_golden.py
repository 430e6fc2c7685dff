"""Rankings and raw scores of the labelled questions, recorded once so that speed work can prove nothing moved.

    python tests/ranking_golden.py      # rewrite tests/data/ranking_golden.json.gz (only on purpose)

Two knowledge bases: the shipped articles, and the shipped articles four times over (more documents than
the retriever's candidate cut, with exact ties, so the top-candidate selection is exercised).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from pathlib import Path

from faqbot.kb.evaluation import Case, read_cases, writers_of
from faqbot.kb.loader import load_articles
from faqbot.kb.location import shipped_articles_dir
from faqbot.kb.message import read_message
from faqbot.kb.retriever import Index

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "ranking_golden.json.gz"
TOP = 10


def four_copies(articles) -> list:
    """The articles four times over, under new ids: more documents than the candidate cut, with exact ties."""
    return [dataclasses.replace(article, id=f"{article.id}-{copy}") for copy in range(4) for article in articles]


def knowledge_bases(loaded=None) -> dict[str, Index]:
    """``loaded``: the shipped articles, when a caller has read them already (the test session has)."""
    loaded = loaded or load_articles(shipped_articles_dir())
    return {"shipped": Index(loaded.articles, loaded.topics), "shipped x4": Index(four_copies(loaded.articles), loaded.topics)}


RECORDED_WRITERS = {"A", "B"}  # their 1,220 messages exercise every path; the writers added later would only cost time


def recorded_cases() -> list[Case]:
    path = DATA / "corpus.tsv"
    cases = read_cases(path)
    return [case for case, writer in zip(cases, writers_of(path, cases), strict=True) if writer in RECORDED_WRITERS]


def questions() -> list[str]:
    return [case.question for case in recorded_cases()]


def record(index: Index, question: str) -> dict:
    """The top ten of one question (ids, scores rounded), and a digest of every raw float behind them.

    The digest keeps the file small while still catching a change in the last bit of any score,
    question similarity, share or query weight.
    """
    # _score is private, but its raw floats are what must stay equal to the last bit.
    core = read_message(question).core
    scored = index._score(core)
    order = sorted(scored.scores, key=lambda doc: (-scored.scores[doc], doc))[:TOP]
    exact = {
        "scores": [[index._documents[doc].id, scored.scores[doc], scored.similarities[doc]] for doc in order],
        "known_share": scored.known_share,
        "total_weight": scored.total_weight,
        "foreign_share": scored.foreign_share(order[0]) if order else None,
        "unknown_words": sorted(scored.unknown_words),
        "query_weights": sorted(scored.query_weights.items()),
    }
    digest = hashlib.sha256(repr(exact).encode()).hexdigest()[:12]
    # The search scores the same core first: it gets the scores just computed (about a fifth of its work),
    # the passages it scores on its own. An instance attribute, so only this call sees it.
    index._score = lambda text: scored if text == core else Index._score(index, text)  # type: ignore[method-assign]
    try:
        hits = index.search(question, TOP)
    finally:
        del index._score
    return {"hits": [[hit.article.id, hit.score] for hit in hits], "exact": digest}


def current(loaded=None, only: str | None = None) -> dict[str, list[dict]]:
    """Every recorded question on each knowledge base (or on the one named ``only``)."""
    texts = questions()
    bases = knowledge_bases(loaded)
    return {name: [record(index, text) for text in texts] for name, index in bases.items() if only in (None, name)}


def main() -> None:
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as stream:
        json.dump(current(), stream, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
