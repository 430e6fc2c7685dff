"""The log report as German plain text (for the terminal and the agent console).

Questions are customers' words: a stored BEL or right-to-left override (U+202E)
would ring or visually reorder the report, so control and bidi characters are
shown escaped.
"""

from __future__ import annotations

from faqbot.bot.log.report import QuestionGroup, Report
from faqbot.kb.visible import visible


def _groups(title: str, groups: list[QuestionGroup]) -> list[str]:
    lines = [title]
    if not groups:
        return [*lines, "  (keine)"]
    for group in groups:
        others = f" (+{len(group.questions) - 1} ähnliche)" if len(group.questions) > 1 else ""
        lines.append(f"  {group.count:>4} × {visible(group.example)}{others}")
    return lines


def report_text(report: Report, titles: dict[str, str] | None = None) -> str:
    titles = titles or {}
    lines = [f"Fragen im Protokoll: {report.total}", ""]
    lines += _groups("Unbeantwortete Fragen (kein passender Artikel):", report.unanswered)
    lines += ["", *_groups("Unsichere Fragen („Meinten Sie …?“):", report.unsure), ""]
    lines.append("Artikel mit den meisten „Nein“ (nicht hilfreich):")
    if not report.not_helpful:
        lines.append("  (keine)")
    for article_id, count in report.not_helpful:
        lines.append(f"  {count:>4} × {visible(titles.get(article_id, article_id))}")
    lines += ["", "Beantwortet pro Tag:"]
    if not report.answer_rate:
        lines.append("  (keine Fragen)")
    for day, answered, total in report.answer_rate:
        lines.append(f"  {day}: {answered} von {total} ({answered / total:.0%})")
    return "\n".join(lines)
