"""The labelled corpus measures only while it stays apart from what the articles were written with."""

from __future__ import annotations

from collections import Counter

from rapidfuzz import fuzz, process

from conftest import DATA
from faqbot.kb.evaluation import read_cases

KINDS = {"short", "question", "long", "symptom", "error-paste", "dialect", "english", "typo", "du", "near-miss", "oos"}


def test_corpus_is_big_and_varied_enough(shipped):
    cases = read_cases(DATA / "corpus.tsv")
    per_article = Counter(article_id for case in cases for article_id in sorted(case.expected)[:1])
    assert {article.id for article in shipped.articles} == set(per_article)
    assert min(per_article.values()) >= 80, per_article
    assert sum(not case.expected for case in cases) >= 300
    assert len(cases) >= 1200
    assert {case.kind for case in cases} == KINDS
    assert all(case.kind in {"near-miss", "oos"} for case in cases if not case.expected)


def test_article_questions_are_not_copied_from_the_corpus(shipped):
    questions = [question for article in shipped.articles for question in article.questions]
    copied = []
    for name in ("corpus.tsv", "unseen.tsv", "heldout.tsv"):
        for case in read_cases(DATA / name):
            match = process.extractOne(case.question, questions, scorer=fuzz.ratio, score_cutoff=90)
            if match is not None:
                copied.append((name, case.line, case.question, match[0]))
    assert not copied, copied
