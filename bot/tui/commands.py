"""Command palette entries: open any article by its title, open a helper, agent-only screens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from faqbot.bot.tui.app import FaqApp

Entry = tuple[str, Callable[[], object], str | None]  # (text, callback, help)


class _EntryProvider(Provider):
    """A fixed list of (text, callback, help) entries, shown when empty and matched when typing."""

    @property
    def faq_app(self) -> FaqApp:
        from faqbot.bot.tui.app import FaqApp  # imported late: the app module imports this one

        app = self.app
        assert isinstance(app, FaqApp), "faqbot's palette entries belong to faqbot's app"
        return app

    def entries(self) -> Iterator[Entry]:
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

    def entries(self) -> Iterator[Entry]:
        app = self.faq_app
        for article in app.index.articles:
            yield f"Artikel: {article.title}", partial(app.open_article, article), article.category


class HelperCommands(_EntryProvider):
    """„Helfer: …“ for every helper the app offers."""

    def entries(self) -> Iterator[Entry]:
        app = self.faq_app
        for name, helper in sorted(app.helper_screens.items(), key=lambda item: item[1].title):
            yield f"Helfer: {helper.title}", partial(app.open_helper, name), None


class AgentCommands(_EntryProvider):
    """Agent-only entries; never offered in the customer chat."""

    def entries(self) -> Iterator[Entry]:
        app = self.faq_app
        if app.mode == "agent":
            yield "Bericht: unbeantwortete Fragen", app.action_open_report, "Taste F6"
