"""What the log tells the KB's keepers: unanswered and unsure questions (near-duplicates
grouped), articles that did not help, and the answer rate per day."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from faqbot.bot.log.store import Turn

GROUP_SIMILARITY = 85  # rapidfuzz token_sort_ratio on the normalised form; chosen by eye on real-looking questions
TOP = 20


@dataclass(slots=True)
class QuestionGroup:
    example: str
    count: int
    questions: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    unanswered: list[QuestionGroup]
    unsure: list[QuestionGroup]
    not_helpful: list[tuple[str, int]]  # (article id, "Nein" count)
    # article id → the questions that were answered with it and got "Nein", most frequent first
    not_helpful_questions: dict[str, list[str]]
    answer_rate: list[tuple[str, int, int]]  # (day, answered, questions)
    total: int

    def to_json(self) -> dict:
        def groups(items: list[QuestionGroup]) -> list[dict]:
            return [{"example": g.example, "count": g.count, "questions": g.questions} for g in items]

        return {
            "questions": self.total,
            "unanswered": groups(self.unanswered),
            "unsure": groups(self.unsure),
            "not_helpful": [
                {"id": article_id, "count": count, "questions": self.not_helpful_questions.get(article_id, [])}
                for article_id, count in self.not_helpful
            ],
            "answer_rate": [
                {"day": day, "answered": answered, "questions": total, "rate": round(answered / total, 3) if total else 0.0}
                for day, answered, total in self.answer_rate
            ],
        }


def group_questions(turns: list[Turn]) -> list[QuestionGroup]:
    """Near-duplicates together, largest groups first; the most frequent wording is the example."""
    clusters: list[tuple[str, list[Turn]]] = []  # (representative normalised form, members)
    for turn in turns:
        key = turn.normalised or turn.question.casefold()
        for representative, members in clusters:
            if fuzz.token_sort_ratio(key, representative) >= GROUP_SIMILARITY:
                members.append(turn)
                break
        else:
            clusters.append((key, [turn]))
    groups = []
    for _, members in clusters:
        wordings = Counter(turn.question for turn in members)
        groups.append(QuestionGroup(wordings.most_common(1)[0][0], len(members), sorted(wordings)))
    groups.sort(key=lambda group: (-group.count, group.example))
    return groups[:TOP]


def build_report(turns: list[Turn]) -> Report:
    questions = [turn for turn in turns if turn.status != "smalltalk"]
    refused = [turn for turn in questions if turn.feedback == 0 and turn.article_id]
    not_helpful = Counter(turn.article_id or "" for turn in refused)
    asked: dict[str, Counter[str]] = defaultdict(Counter)
    for turn in refused:
        asked[turn.article_id or ""][" ".join(turn.question.split())] += 1
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for turn in questions:
        day = per_day[turn.time[:10]]
        day[1] += 1
        if turn.status == "answer" and turn.feedback != 0:
            day[0] += 1
    return Report(
        unanswered=group_questions([t for t in questions if t.status == "none"]),
        unsure=group_questions([t for t in questions if t.status == "suggest"]),
        not_helpful=not_helpful.most_common(TOP),
        not_helpful_questions={
            article_id: [question for question, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:TOP]
            for article_id, counts in asked.items()
        },
        answer_rate=[(day, counts[0], counts[1]) for day, counts in sorted(per_day.items())],
        total=len(questions),
    )


def export_tsv(turns: list[Turn]) -> str:
    """The unanswered questions in the eval TSV format, expected id left as "?" for the keepers to fill in."""
    lines = ["# Unbeantwortete Fragen aus dem Gesprächsprotokoll: ersetzen Sie „?“ durch die Artikel-id (oder „-“)."]
    seen = set()
    for turn in turns:
        if turn.status == "none" and turn.question not in seen:
            seen.add(turn.question)
            lines.append(f"?\t{' '.join(turn.question.split())}")
    return "\n".join(lines) + "\n"
