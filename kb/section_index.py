"""Which section of the chosen article answers: scored only inside that article.

The article decision stays with the retriever; here each section of the
article is scored by how much of the question's weight its heading (×3), its
own example questions (×2) and its text (×1) explain, with the same terms and
weights the retriever gave the question, each term weighed by how few of the
article's sections use it — a term every section uses (the article's topic,
"Postfach" in the full-mailbox article) weighs nothing there. The section that
explains the most answers; the introduction winning, a tie with it, or no
section explaining anything all mean: show the whole article. (Excluding the
title's terms, thresholds on the winner's share or lead, favouring or
penalising the introduction, BM25 length normalisation of sections, showing
short articles whole, lending the article's example questions to sections and
adding the best single example question's overlap were measured and found no
better: README, "Sections".)
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from faqbot.kb.article import Article
from faqbot.kb.sections import Section
from faqbot.kb.text import Normaliser

SECTION_FIELDS = (3.0, 2.0, 1.0)  # heading, section questions, text
K1 = 1.2  # term-frequency saturation, as in the article index


class SectionIndex:
    """Built per article on its first question, not for all at once: only a top article is ever asked
    about, and a large knowledge base (or one loaded from the cache) then starts without re-reading every text.
    """

    def __init__(self, articles: Sequence[Article], normaliser: Normaliser):
        self._articles = articles
        self._normaliser = normaliser
        self._built: dict[int, tuple[list[dict[str, float]], dict[str, float]]] = {}

    def _article(self, article: int) -> tuple[list[dict[str, float]], dict[str, float]]:
        """An article's sections' saturated terms and their idf within the article, built on first use."""
        built = self._built.get(article)
        if built is None:
            sections = self._articles[article].sections
            saturation = [self._terms(section, self._normaliser) for section in sections] if len(sections) > 1 else []
            built = self._built[article] = (saturation, _section_idf(saturation))
        return built

    @staticmethod
    def _terms(section: Section, normaliser: Normaliser) -> dict[str, float]:
        weighted: defaultdict[str, float] = defaultdict(float)
        texts = (section.heading, " ".join(section.questions), section.text)
        for weight, text in zip(SECTION_FIELDS, texts, strict=True):
            for term in normaliser.terms(text, document=True):
                weighted[term] += weight
        return {term: tf / (tf + K1) for term, tf in weighted.items()}

    def best(self, article: int, query_weights: dict[str, float]) -> Section | None:
        sections, idf = self._article(article)
        if not sections:
            return None
        weights = {term: weight * idf[term] for term, weight in query_weights.items() if idf.get(term)}
        choice = _best_section(sections, weights)
        if choice is None:
            return None
        section = self._articles[article].sections[choice]
        return section if section.heading else None


def _best_section(sections: list[dict[str, float]], weights: dict[str, float]) -> int | None:
    """The section that explains the most of the weighted terms (the earlier one on a tie); None if none explains any."""
    scores = [sum(weight * terms.get(term, 0.0) for term, weight in weights.items()) for terms in sections]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best if scores[best] > 0 else None


def _section_idf(sections: list[dict[str, float]]) -> dict[str, float]:
    """log(n/df): a term in every section of the article tells them apart no better than no term at all."""
    document_frequency: Counter[str] = Counter(term for terms in sections for term in terms)
    n = len(sections)
    return {term: math.log(n / df) for term, df in document_frequency.items()}
