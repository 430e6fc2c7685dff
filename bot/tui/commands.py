"""Command palette entries: open any article by its title, open a helper, agent-only screens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from faqbot.bot.tui.helper_screens import helpers


class _EntryProvider(Provider):
    """A fixed list of (text, callback, help) entries, shown when empty and matched when typing."""

    def entries(self) -> Iterator[tuple[str, Callable[[], object], str | None]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, callback, help_text in self.entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)


class ArticleCommands(_EntryProvider):
    """„Artikel: …“ for every article, found by its title."""

    def entries(self):
        for article in self.app.index.articles:
            yield f"Artikel: {article.title}", partial(self.app.open_article, article), article.category


class HelperCommands(_EntryProvider):
    """„Helfer: …“ for every registered helper."""

    def entries(self):
        for entry in helpers():
            yield f"Helfer: {entry.title}", partial(self.app.open_helper, entry.name), None


class AgentCommands(_EntryProvider):
    """Agent-only entries; never offered in the customer chat."""

    def entries(self):
        if self.app.mode == "agent":
            yield "Bericht: unbeantwortete Fragen", self.app.action_open_report, None
