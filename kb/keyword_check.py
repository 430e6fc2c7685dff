"""`faqbot kb check`'s hints: keywords that are everyday words, articles the calibration does not know yet.

A keyword says what an article is about. "viele", "Leute" or "Kunden" occur in
questions about anything, so as keywords they pull unrelated questions to the
article. General-language frequency (wordfreq's Zipf scale) finds them; it is
read only here, never on the answering path (importing wordfreq takes ~0.3 s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from faqbot.kb.article import Article
from faqbot.kb.loader import Problem

COMMON_ZIPF = 4.5  # about once in 30,000 words of general German: "viele" 5.8, "Leute" 5.6, "Kunden" 5.0


def common_keyword_warnings(articles: Sequence[Article]) -> list[Problem]:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # without wordfreq the check is skipped, nothing else depends on it
        return []
    warnings = []
    for article in articles:
        lines = article.path.read_text(encoding="utf-8").splitlines() if article.path else []
        for keyword in article.keywords:
            if " " in keyword or "-" in keyword or not keyword[:1].isalpha():
                continue  # phrases, compounds and codes ("-all", "993") are specific by construction
            zipf = zipf_frequency(keyword, "de")
            if zipf >= COMMON_ZIPF:
                line = next((n for n, text in enumerate(lines, start=1) if text.strip() in (f"- {keyword}", keyword)), 0)
                warnings.append(
                    Problem(
                        article.path or article.id,  # type: ignore[arg-type]
                        line,
                        f"Hinweis: Das Stichwort „{keyword}“ ist ein sehr häufiges Wort (Zipf {zipf:.1f}) und sagt "
                        "kaum, worum es im Artikel geht; besser ein Fachwort oder eine Beispielfrage.",
                        fatal=False,
                        warning=True,
                    )
                )
    return warnings


def unknown_to_classifier_warnings(articles: Sequence[Article], known: Callable[[str], bool]) -> list[Problem]:
    """Articles the shipped classifier was not fitted on: they are answered less often until a refit."""
    return [
        Problem(
            article.path or article.id,  # type: ignore[arg-type]
            0,
            f"Hinweis: Der Artikel „{article.id}“ ist der Kalibrierung noch unbekannt; er wird seltener sicher "
            "beantwortet, bis sie neu angepasst ist: faqbot eval tests/data/corpus.tsv tests/data/questions.tsv --fit "
            "(README: „How the decision is calibrated“).",
            fatal=False,
            warning=True,
        )
        for article in articles
        if not known(article.id)
    ]
