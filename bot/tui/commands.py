"""Command palette entries: open any article by its title, open a helper."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from bot.tui.helpers import helpers


class ArticleCommands(Provider):
    """„Artikel: …“ for every article, found by its title."""

    def _entries(self):
        for article in self.app.index.articles:
            yield f"Artikel: {article.title}", article

    async def discover(self) -> Hits:
        for text, article in self._entries():
            yield DiscoveryHit(text, partial(self.app.open_article, article), help=article.category)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, article in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.open_article, article), help=article.category)


class HelperCommands(Provider):
    """„Helfer: …“ for every registered helper."""

    async def discover(self) -> Hits:
        for entry in helpers():
            yield DiscoveryHit(f"Helfer: {entry.title}", partial(self.app.open_helper, entry.name))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in helpers():
            text = f"Helfer: {entry.title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.open_helper, entry.name))


class AgentCommands(Provider):
    """Agent-only entries; never offered in the customer chat."""

    ENTRIES = (("Bericht: unbeantwortete Fragen", "action_open_report"),)

    def _entries(self):
        if self.app.mode == "agent":
            yield from self.ENTRIES

    async def discover(self) -> Hits:
        for text, action in self._entries():
            yield DiscoveryHit(text, getattr(self.app, action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, action in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), getattr(self.app, action))
