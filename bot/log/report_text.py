"""The log report as German plain text (for the terminal and the agent console).

Questions are customers' words: a stored BEL or right-to-left override (U+202E)
would ring or visually reorder the report, so control and bidi characters are
shown escaped.
"""

from __future__ import annotations

from typing import NamedTuple

from faqbot.bot.log.report import QuestionGroup, Report
from faqbot.kb.visible import visible


def searchable(text: str) -> str:
    """A logged question as a search: control and bidi characters become spaces (shown escaped, they would be searched for)."""
    return " ".join("".join(char if visible(char) == char else " " for char in text).split())


class ReportLine(NamedTuple):
    text: str
    question: str | None = None  # what the console searches for when the line is chosen


def _groups(title: str, groups: list[QuestionGroup]) -> list[ReportLine]:
    lines = [ReportLine(title)]
    if not groups:
        return [*lines, ReportLine("  (keine)")]
    for group in groups:
        others = f" (+{len(group.questions) - 1} ähnliche)" if len(group.questions) > 1 else ""
        lines.append(ReportLine(f"  {group.count:>4} × {visible(group.example)}{others}", searchable(group.example)))
    return lines


def report_lines(report: Report, titles: dict[str, str] | None = None) -> list[ReportLine]:
    """The report line by line; a line about a question or an article carries what to search for."""
    titles = titles or {}
    lines = [ReportLine(f"Fragen im Protokoll: {report.total}"), ReportLine("")]
    lines += _groups("Unbeantwortete Fragen (kein passender Artikel):", report.unanswered)
    lines += [ReportLine(""), *_groups("Unsichere Fragen („Meinten Sie …?“):", report.unsure), ReportLine("")]
    lines.append(ReportLine("Artikel mit den meisten „Nein“ (nicht hilfreich), darunter die Fragen dazu:"))
    if not report.not_helpful:
        lines.append(ReportLine("  (keine)"))
    for article_id, count in report.not_helpful:
        title = titles.get(article_id, article_id)
        lines.append(ReportLine(f"  {count:>4} × {visible(title)}", searchable(title)))
        for question in report.not_helpful_questions.get(article_id, []):
            lines.append(ReportLine(f"         „{visible(question)}“", searchable(question)))
    lines += [ReportLine(""), ReportLine("Beantwortet pro Tag:")]
    if not report.answer_rate:
        lines.append(ReportLine("  (keine Fragen)"))
    for day, answered, total in report.answer_rate:
        lines.append(ReportLine(f"  {day}: {answered} von {total} ({answered / total:.0%})"))
    return lines


def report_text(report: Report, titles: dict[str, str] | None = None) -> str:
    return "\n".join(line.text for line in report_lines(report, titles))
