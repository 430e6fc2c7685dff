"""The one record type of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faqbot.kb.sections import Section, without_markers

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
    # Error texts and codes this article answers ("5.7.23", "NO [OVERQUOTA]"): a pasted bounce
    # or dialog that contains one is evidence for this article (kb/evidence.py).
    errors: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()  # split at "## " headings (kb/sections.py); the introduction first
    path: Path | None = None

    @property
    def titled_markdown(self) -> str:
        """The body under the customer-facing title, in place of the body's own first heading."""
        body = without_markers(self.body)
        if body.startswith("# "):
            body = body.partition("\n")[2].lstrip("\n")
        return f"# {self.title}\n\n{body}"


@dataclass(frozen=True, slots=True)
class Topic:
    """Something customers ask that the FAQ does not cover (FTP, invoices …), and where to turn instead.

    Topics are searched beside the articles: when a topic explains a question
    better than every article, the honest reply is its ``reply``, not an article
    that merely shares a word ("FTP-Passwort ändern" is not the mailbox password).
    """

    id: str
    title: str
    words: tuple[str, ...]  # what customers say about it; searched like an article's keywords
    reply: str  # German, points on (hotline, customer menu)
    questions: tuple[str, ...] = ()
