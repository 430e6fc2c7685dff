"""Articles as arrays (for the index cache), made into ``Article`` objects only when asked for.

A question shows a few articles; making all ten thousand of a large knowledge base (and their
strings) at start would take most of the cache's load time. The table keeps every distinct text
once in one UTF-8 block with its end offsets, and each article as a row of numbers: the texts it
uses and its lists' lengths. An article is decoded on its first access and kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import overload

import numpy as np

from faqbot.kb.article import Article
from faqbot.kb.sections import Section

# The fields the rows encode, in this order (a record type that gains a field gets no cache: kb/cache.py).
ARTICLE_FIELDS = ("id", "title", "category", "questions", "keywords", "related", "helper", "body", "text", "errors",
                  "sections", "path")  # fmt: skip
SECTION_FIELDS = ("heading", "anchor", "markdown", "text", "questions", "line")
_NONE = -1  # an optional text that is not there (helper, path)


def encodable() -> bool:
    """Whether the rows still say everything an Article and a Section hold."""
    return field_names(Article) == ARTICLE_FIELDS and field_names(Section) == SECTION_FIELDS


def field_names(record_type: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record_type))


class Strings:
    """Every distinct text once, numbered in order of first use."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def number(self, text: str) -> int:
        return self._numbers.setdefault(text, len(self._numbers))

    def arrays(self) -> dict[str, np.ndarray]:
        encoded = [text.encode() for text in self._numbers]
        ends = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(text) for text in encoded], out=ends[1:])
        return {"strings": np.frombuffer(b"".join(encoded), dtype=np.uint8), "string_ends": ends}


def encode(articles: Iterable[Article], strings: Strings) -> dict[str, np.ndarray]:
    """The rows of ``articles`` (texts numbered in ``strings``), and each article's error texts apart."""
    number = strings.number
    rows: list[int] = []
    starts = [0]
    error_counts: list[int] = []
    error_texts: list[int] = []
    for article in articles:
        rows += [number(article.id), number(article.title), number(article.category)]
        rows += [_NONE if article.helper is None else number(article.helper), number(article.body), number(article.text)]
        rows.append(_NONE if article.path is None else number(str(article.path)))
        for texts in (article.questions, article.keywords, article.related, article.errors):
            rows += [len(texts), *map(number, texts)]
        rows.append(len(article.sections))
        for section in article.sections:
            rows += [number(section.heading), number(section.anchor), number(section.markdown), number(section.text)]
            rows += [section.line, len(section.questions), *map(number, section.questions)]
        starts.append(len(rows))
        error_counts.append(len(article.errors))
        error_texts += map(number, article.errors)
    error_ends = np.zeros(len(error_counts) + 1, dtype=np.int64)
    np.cumsum(error_counts, out=error_ends[1:])
    return {
        "article_rows": np.array(rows, dtype=np.int64),
        "article_starts": np.array(starts, dtype=np.int64),
        "article_error_ends": error_ends,
        "article_errors": np.array(error_texts, dtype=np.int64),
    }


class ArticleTable(Sequence[Article]):
    """The articles of ``encode``, each decoded on first access."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._block = arrays["strings"].data  # one byte per item: sliced by byte offsets
        self._ends = arrays["string_ends"]
        self._rows = arrays["article_rows"]
        self._starts = arrays["article_starts"]
        self._error_ends = arrays["article_error_ends"]
        self._errors = arrays["article_errors"]
        if len(self._starts) < 1 or len(self._error_ends) != len(self._starts):
            raise ValueError("article table: inconsistent arrays")
        self._articles: list[Article | None] = [None] * (len(self._starts) - 1)

    def text(self, number: int) -> str:
        return str(self._block[int(self._ends[number]) : int(self._ends[number + 1])], "utf-8")

    def __len__(self) -> int:
        return len(self._articles)

    @overload
    def __getitem__(self, position: int) -> Article: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[Article]: ...

    def __getitem__(self, position: int | slice) -> Article | Sequence[Article]:
        if isinstance(position, slice):
            return tuple(self[i] for i in range(*position.indices(len(self))))
        article = self._articles[position]
        if article is None:
            article = self._articles[position] = self._decode(position % len(self))
        return article

    def __iter__(self) -> Iterator[Article]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside; compared by content like a list

    @property
    def decoded(self) -> int:
        """How many articles have been decoded so far."""
        return sum(article is not None for article in self._articles)

    def id(self, position: int) -> str:
        """The article's id, without decoding the rest of it."""
        article = self._articles[position]
        return article.id if article is not None else self.text(int(self._rows[self._starts[position]]))

    def errors(self) -> list[tuple[int, tuple[str, ...]]]:
        """(position, error texts) of the articles that list any, without decoding the articles."""
        counts = np.diff(self._error_ends)
        return [
            (position, tuple(map(self.text, self._errors[self._error_ends[position] : self._error_ends[position + 1]].tolist())))
            for position in np.flatnonzero(counts).tolist()
        ]

    def _decode(self, position: int) -> Article:
        row = iter(self._rows[self._starts[position] : self._starts[position + 1]].tolist())
        text = self.text

        def texts() -> tuple[str, ...]:
            return tuple(text(next(row)) for _ in range(next(row)))

        def optional() -> str | None:
            number = next(row)
            return None if number == _NONE else text(number)

        id_, title, category = text(next(row)), text(next(row)), text(next(row))
        helper, body, plain, path = optional(), text(next(row)), text(next(row)), optional()
        questions, keywords, related, errors = texts(), texts(), texts(), texts()
        sections = []
        for _ in range(next(row)):
            heading, anchor, markdown, section_text = text(next(row)), text(next(row)), text(next(row)), text(next(row))
            line = next(row)
            sections.append(Section(heading, anchor, markdown, section_text, texts(), line))
        return Article(
            id_,
            title,
            category,
            questions,
            keywords,
            related,
            helper,
            body,
            plain,
            errors,
            tuple(sections),
            None if path is None else Path(path),
        )
