"""Which section of the chosen article answers: scored only inside that article.

The article decision stays with the retriever; here each section of the
article is scored by how much of the question's weight its heading (×3), its
own example questions (×2) and its text (×1) explain, with the same terms and
weights the retriever gave the question, each term weighed by how few of the
article's sections use it. The introduction winning or no clear winner both
mean: show the whole article. (Showing short articles whole, and lending the
article's example questions to sections, were measured and found no better.)
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
# Chosen on one half of tests/data/sections.tsv and checked on the other (README: "Sections").
MIN_SHARE = 0.05  # the best section must explain more than this share of the question (by discriminating terms)
MIN_LEAD = 1.0  # … and at least as much as the runner-up (a tie goes to the earlier section)


class SectionIndex:
    """Built per article on its first question, not for all at once: only a top article is ever asked
    about, and a large knowledge base (or one loaded from the cache) then starts without re-reading every text.
    """

    def __init__(self, articles: Sequence[Article], normaliser: Normaliser):
        self._articles = articles
        self._normaliser = normaliser
        self._built: dict[int, tuple[list[dict[str, float]], dict[str, float], frozenset[str]]] = {}

    def _article(self, article: int) -> tuple[list[dict[str, float]], dict[str, float], frozenset[str]]:
        built = self._built.get(article)
        if built is None:
            normaliser, sections = self._normaliser, self._articles[article].sections
            saturation = [self._terms(section, normaliser) for section in sections] if len(sections) > 1 else []
            # A term found in every section of an article ("Postfach" in the full-mailbox article) says
            # nothing about which section answers: weigh terms by how few of the article's sections use them.
            # The title's terms say what the whole article is about ("Postfach voll"), never which part.
            title = frozenset(normaliser.terms(self._articles[article].title, document=True)) if saturation else frozenset()
            built = self._built[article] = (saturation, _section_idf(saturation), title)
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
        sections, idf, title = self._article(article)
        if not sections:
            return None
        # Shares are taken of the most a term could weigh (found in one section only), so a question
        # made of words every section uses ("Mein Postfach ist voll") has no clear section: the whole article.
        most = math.log(1 + len(sections))
        weights = {term: weight * idf.get(term, 0.0) / most for term, weight in query_weights.items() if term not in title}
        choice = _clear_winner(sections, weights, MIN_SHARE, MIN_LEAD, total=sum(query_weights.values()))
        if choice is None:
            return None
        section = self._articles[article].sections[choice]
        return section if section.heading else None


def _clear_winner(
    sections: list[dict[str, float]], weights: dict[str, float], min_share: float, min_lead: float, total: float
) -> int | None:
    """The section that explains the most of the weighted terms (as a share of ``total``), if it clearly does."""
    if len(sections) < 2 or not total:
        return None
    shares = [sum(w * terms.get(term, 0.0) for term, w in weights.items()) / total for terms in sections]
    order = sorted(range(len(shares)), key=lambda i: -shares[i])
    best = order[0]
    if shares[best] <= min_share or shares[best] < min_lead * shares[order[1]]:
        return None
    return best


def _section_idf(sections: list[dict[str, float]]) -> dict[str, float]:
    document_frequency: Counter[str] = Counter(term for terms in sections for term in terms)
    n = len(sections)
    return {term: math.log(1 + n / df) for term, df in document_frequency.items()}
