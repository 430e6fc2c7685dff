"""Which section of the chosen article answers: scored only inside that article.

The article decision stays with the retriever; here each section of the
article is scored by how much of the question's weight its heading (×3), its
own example questions (×2) and its text (×1) explain, with the same terms and
weights the retriever gave the question. The introduction winning, a short
article, or no clear winner all mean: show the whole article. (Lending the
article's example questions to the section that explains each best was
measured and found no better.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from faqbot.kb.article import Article
from faqbot.kb.sections import Section
from faqbot.kb.text import Normaliser

SECTION_FIELDS = (3.0, 2.0, 1.0)  # heading, section questions, text
K1 = 1.2  # term-frequency saturation, as in the article index
# Chosen on one half of tests/data/sections.tsv and checked on the other (README: "Sections").
MIN_SHARE = 0.0  # the best section must explain more than this share of the question
MIN_LEAD = 1.15  # … and this many times more than the runner-up
MIN_ARTICLE_WORDS = 0  # a shorter article is shown whole (measured: every article with sections gains from them)


class SectionIndex:
    def __init__(self, articles: Sequence[Article], normaliser: Normaliser):
        self._articles = articles
        self._saturation = [
            [self._terms(section, normaliser) for section in article.sections]
            if len(article.sections) > 1 and len(article.text.split()) >= MIN_ARTICLE_WORDS
            else []
            for article in articles
        ]

    @staticmethod
    def _terms(section: Section, normaliser: Normaliser) -> dict[str, float]:
        weighted: Counter[str] = Counter()
        texts = (section.heading, " ".join(section.questions), section.text)
        for weight, text in zip(SECTION_FIELDS, texts, strict=True):
            for term in normaliser.terms(text, document=True):
                weighted[term] += weight
        return {term: tf / (tf + K1) for term, tf in weighted.items()}

    def best(self, article: int, query_weights: dict[str, float]) -> Section | None:
        choice = _clear_winner(self._saturation[article], query_weights, MIN_SHARE, MIN_LEAD)
        if choice is None:
            return None
        section = self._articles[article].sections[choice]
        return section if section.heading else None


def _clear_winner(sections: list[dict[str, float]], weights: dict[str, float], min_share: float, min_lead: float) -> int | None:
    """The section that explains the most of the weighted terms, if it clearly does."""
    total = sum(weights.values())
    if len(sections) < 2 or not total:
        return None
    shares = [sum(w * terms.get(term, 0.0) for term, w in weights.items()) / total for terms in sections]
    order = sorted(range(len(shares)), key=lambda i: -shares[i])
    best = order[0]
    if shares[best] <= min_share or shares[best] < min_lead * shares[order[1]]:
        return None
    return best
