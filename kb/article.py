"""The one record type of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Helpers an article may offer; the app registers a screen for each name.
KNOWN_HELPERS = frozenset({"spf", "ports"})


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    category: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    helper: str | None
    body: str  # Markdown, as written
    text: str  # the body as plain text, for search and plain-text copies
    path: Path | None = None

    @property
    def titled_markdown(self) -> str:
        """The body under the customer-facing title, in place of the body's own first heading."""
        body = self.body
        if body.startswith("# "):
            body = body.partition("\n")[2].lstrip("\n")
        return f"# {self.title}\n\n{body}"
