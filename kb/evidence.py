"""Error texts as evidence: a pasted bounce or dialog that contains an article's listed error answers with it.

Authors list the texts in the article's ``errors`` field ("5.7.23",
"552 5.2.2", "NO [OVERQUOTA]", "NET::ERR_CERT_COMMON_NAME_INVALID"). They are
matched on folded text (case, umlauts, runs of spaces do not matter), as whole
tokens: "5.2.2" does not match inside "5.2.23".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from faqbot.kb.article import Article
from faqbot.kb.text import fold


def _pattern(texts: Sequence[str]) -> re.Pattern[str]:
    """One pattern for all of an article's error texts, so a message is scanned once per article."""
    bodies = sorted((r"\s+".join(re.escape(part) for part in fold(text).split()) for text in texts), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(bodies) + r")(?!\w)")


class ErrorPatterns:
    def __init__(self, articles: Sequence[Article]):
        self._patterns = [(doc, _pattern(article.errors)) for doc, article in enumerate(articles) if article.errors]

    @classmethod
    def of_errors(cls, errors: Iterable[tuple[int, Sequence[str]]]) -> ErrorPatterns:
        """From (article position, its error texts) alone: a cached index need not decode its articles."""
        patterns = cls(())
        patterns._patterns = [(doc, _pattern(texts)) for doc, texts in errors if texts]
        return patterns

    def matches(self, message: str) -> set[int]:
        """The articles (by position) whose listed error texts occur in the message."""
        if not self._patterns:
            return set()
        folded = fold(message)
        return {doc for doc, pattern in self._patterns if pattern.search(folded)}
