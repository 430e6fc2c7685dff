"""An article's sections: the passages that answer, split at its ``##`` headings.

The text before the first ``##`` (under the article's own ``#`` title) is the
introduction, a section with an empty heading. An author may give a section
its own example questions in a comment under the heading::

    ## Zertifikatsfehler mit mail.IhreDomain.tld
    <!-- Fragen: Outlook meldet ein ungültiges Zertifikat | certificate warning in Thunderbird -->

The comment is invisible in every rendering of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from faqbot.kb.text import fold

if TYPE_CHECKING:  # the answering path loads articles from the cache and never parses Markdown
    from markdown_it.token import Token

QUESTIONS_MARKER = re.compile(r"<!--\s*Fragen\s*:(?P<questions>.*?)-->", re.DOTALL | re.IGNORECASE)
QUESTIONS_MARKER_LINE = re.compile(r"^[ \t]*<!--\s*Fragen\s*:.*?-->[ \t]*\n?", re.DOTALL | re.IGNORECASE | re.MULTILINE)
ANY_COMMENT = re.compile(r"<!--(?P<content>.*?)-->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str  # as written after "## "; empty for the introduction
    anchor: str  # ASCII slug of the heading ("zertifikatsfehler-mit-mail-ihredomain-tld"); empty for the introduction
    markdown: str  # the section as written, heading included
    text: str  # plain text, for search and plain-text copies
    questions: tuple[str, ...] = ()  # the author's example questions for this section
    line: int = 0  # line of the heading in the file, for kb check


def without_markers(markdown: str) -> str:
    """The Markdown as readers get it: the authors' question comments removed (with the line they stood on)."""
    return QUESTIONS_MARKER_LINE.sub("", markdown)


def anchor_for(heading: str) -> str:
    """A stable ASCII slug: folded (ä → ae), every run of other characters one "-"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(heading)).strip("-")


@dataclass(frozen=True, slots=True)
class MarkerProblem:
    line: int
    message: str


def split_sections(body: str, tokens: list[Token], first_line: int) -> tuple[tuple[Section, ...], list[MarkerProblem]]:
    """Sections of an article body; ``tokens`` are its parsed Markdown, ``first_line`` the file line of the body's line 0."""
    from faqbot.kb.markdown import plain_text

    lines = body.splitlines()
    offset = _body_offset(tokens)
    cuts: list[tuple[int, str]] = []  # (body line of a ## heading, heading text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2" and token.map:
            cuts.append((token.map[0] - offset, tokens[index + 1].content.strip()))
    problems: list[MarkerProblem] = []
    sections: list[Section] = []
    title_tokens = _title_tokens(tokens)  # the article's "# " title belongs to no section
    token_lines = _token_lines(tokens, offset)
    starts = [0] + [line for line, _ in cuts]
    headings = [""] + [heading for _, heading in cuts]
    ends = starts[1:] + [len(lines)]
    for start, end, heading in zip(starts, ends, headings, strict=True):
        part_lines = lines[start:end]
        if not heading:  # the introduction, without the article's own "# " title
            part_lines = [line for line in part_lines if not line.startswith("# ")]
        markdown = "\n".join(part_lines).strip()
        if not heading and not markdown:
            continue
        questions = _questions(markdown, first_line + start, problems)
        part_tokens = [t for t, at in zip(tokens, token_lines, strict=True) if start <= at < end and id(t) not in title_tokens]
        text = plain_text(part_tokens)
        sections.append(Section(heading, anchor_for(heading), without_markers(markdown), text, questions, first_line + start))
    seen: dict[str, int] = {}
    for section in sections:
        if section.anchor and section.anchor in seen:
            problems.append(
                MarkerProblem(
                    section.line,
                    f"Der Abschnitt „{section.heading}“ heißt wie der in Zeile {seen[section.anchor]}: "
                    "Überschriften eines Artikels müssen verschieden sein.",
                )
            )
        seen.setdefault(section.anchor, section.line)
    return tuple(sections), problems


def _body_offset(tokens: list[Token]) -> int:
    """Token line numbers count from the start of the file; the body may start later (after front matter)."""
    for token in tokens:
        if token.type == "front_matter" and token.map:
            return token.map[1]
    return 0


def _token_lines(tokens: list[Token], offset: int) -> list[int]:
    """The body line each token belongs to; tokens without a map (table cells) take the last one seen."""
    lines, current = [], -1
    for token in tokens:
        if token.map:
            current = token.map[0] - offset
        lines.append(current)
    return lines


def _title_tokens(tokens: list[Token]) -> set[int]:
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return {id(tokens[index + 1])}  # the inline token carries the text
    return set()


def _questions(markdown: str, line: int, problems: list[MarkerProblem]) -> tuple[str, ...]:
    questions: list[str] = []
    for comment in ANY_COMMENT.finditer(markdown):
        comment_line = line + markdown.count("\n", 0, comment.start())
        marker = QUESTIONS_MARKER.fullmatch(comment.group(0))
        if marker is None:
            if re.match(r"\s*\w+\s*:", comment.group("content")):
                problems.append(
                    MarkerProblem(comment_line, "Unbekannte Markierung im Abschnitt: erlaubt ist „<!-- Fragen: … | … -->“.")
                )
            continue
        entries = [entry.strip() for entry in marker.group("questions").split("|")]
        if not any(entries):
            problems.append(MarkerProblem(comment_line, "Die Markierung „Fragen:“ enthält keine Frage."))
        elif not all(entries):
            problems.append(MarkerProblem(comment_line, "Eine Frage in „Fragen:“ ist leer (zwei „|“ hintereinander?)."))
        questions += [entry for entry in entries if entry]
    return tuple(questions)
