"""The support console: search as you type, preview, copy into a ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, OptionList, Select
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from faqbot.bot.tui.helper_screens import HelperScreens, find
from faqbot.bot.tui.widgets.bounded_input import BoundedInput
from faqbot.kb.article import Article
from faqbot.kb.retriever import Hit, Index

ALL_CATEGORIES = "*"


def ticket_text(article: Article, *, markdown: bool) -> str:
    """The article as it goes into a ticket (its body starts with its own heading)."""
    return (article.body if markdown else article.text) + "\n"


class AgentScreen(Screen[None]):
    CSS_PATH = "agent.tcss"
    BINDINGS = [
        Binding("ctrl+f", "focus_search", "Suchen", show=False),
        Binding("f2", "copy_markdown", "MD kopieren"),
        Binding("f3", "copy_text", "Text kopieren"),
        Binding("ctrl+s", "save", "Speichern"),
        Binding("f4", "open_helper", "Helfer öffnen"),
        Binding("f6", "app.open_report", "Bericht"),
    ]

    class ResultsReady(Message):
        def __init__(self, query: str, category: str, hits: list[Hit]) -> None:
            super().__init__()
            self.query = query
            self.category = category
            self.hits = hits

    def __init__(
        self,
        index: Index,
        helper_screens: HelperScreens,
        save_text: Callable[[str, str], None],
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.index = index
        self.helper_screens = helper_screens
        self.save_text = save_text  # (file name, text): into a folder or, served, as a download
        self.cursor_blink = cursor_blink
        self.shown: list[Article] = []  # the articles in the result list, in order
        self.current: Article | None = None

    def compose(self) -> ComposeResult:
        categories = sorted({article.category for article in self.index.articles})
        yield Header()
        with Horizontal():
            with Vertical(id="search-pane"):
                yield BoundedInput(
                    placeholder="Suchen: Stichwort oder Kundenfrage …",
                    id="search",
                    max_length=500,
                    cursor_blink=self.cursor_blink,
                )
                yield Select(
                    [("Alle Themen", ALL_CATEGORIES), *((category, category) for category in categories)],
                    value=ALL_CATEGORIES,
                    allow_blank=False,
                    id="category",
                )
                yield OptionList(id="results")
            with VerticalScroll(id="preview-pane"):
                yield Markdown(id="preview", open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        self._search("", ALL_CATEGORIES)
        self.query_one("#search").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("copy_markdown", "copy_text", "save"):
            return self.current is not None or None  # None: shown greyed out
        if action == "open_helper":  # hidden where the article has no helper
            return bool(self.current and find(self.helper_screens, self.current.helper))
        return True

    # --- search -------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value, self._category())

    @on(Select.Changed, "#category")
    def _category_changed(self) -> None:
        self._search(self.query_one("#search", Input).value, self._category())

    def _category(self) -> str:
        value = self.query_one("#category", Select).value
        return value if isinstance(value, str) else ALL_CATEGORIES

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, category: str) -> None:
        # exclusive: a newer keystroke cancels this one; stale results are dropped below too.
        if query.strip():
            hits = self.index.search(query, limit=len(self.index.articles))
        else:
            hits = [Hit(article, 0.0) for article in sorted(self.index.articles, key=lambda a: (a.category, a.title))]
        if category != ALL_CATEGORIES:
            hits = [hit for hit in hits if hit.article.category == category]
        if not get_current_worker().is_cancelled:
            self.post_message(self.ResultsReady(query, category, hits))

    @on(ResultsReady)
    def _show_results(self, event: ResultsReady) -> None:
        if event.query != self.query_one("#search", Input).value or event.category != self._category():
            return  # typed on since: a newer search is on its way
        results = self.query_one("#results", OptionList)
        results.clear_options()
        self.shown = [hit.article for hit in event.hits]
        searching = bool(event.query.strip())
        for hit in event.hits:
            label = Content(hit.article.title)
            detail = f"{hit.score:.2f} · {hit.article.category}" if searching else hit.article.category
            results.add_option(Option(Content.assemble(label, "\n", (detail, "dim")), id=hit.article.id))
        if event.hits:
            results.highlighted = 0
        else:
            self._preview(None)
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#results")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._preview(self.index.by_id(event.option.id or ""))

    def _preview(self, article: Article | None) -> None:
        self.current = article
        preview = self.query_one("#preview", Markdown)
        if article is None:
            preview.update("*Kein Artikel gefunden.* Versuchen Sie andere Stichworte oder ein anderes Thema.")
        else:
            preview.update(f"*{article.category}*\n\n{article.titled_markdown}")
        self.refresh_bindings()

    def show_article(self, article: Article) -> None:
        """Select an article (from the command palette): clear the search and highlight it."""
        self.query_one("#category", Select).value = ALL_CATEGORIES
        self.query_one("#search", Input).value = article.title
        self._preview(article)

    # --- actions --------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search").focus()

    def action_copy_markdown(self) -> None:
        self._copy(markdown=True)

    def action_copy_text(self) -> None:
        self._copy(markdown=False)

    def _copy(self, *, markdown: bool) -> None:
        if self.current is None:
            return
        self.app.copy_to_clipboard(ticket_text(self.current, markdown=markdown))
        kind = "Markdown" if markdown else "Text"
        self.app.notify(
            f"„{self.current.title}“ als {kind} in die Zwischenablage kopiert. "
            "Klappt das Einfügen nicht, speichern Sie mit Strg+S als Datei.",
            title="Kopiert",
            markup=False,
        )

    def action_save(self) -> None:
        if self.current is not None:
            filename = f"faqbot-{self.current.id}-{datetime.now():%Y%m%d-%H%M%S}.md"
            self.save_text(filename, ticket_text(self.current, markdown=True))

    def action_open_helper(self) -> None:
        helper = find(self.helper_screens, self.current.helper) if self.current else None
        if helper is not None:
            self.app.push_screen(helper.make_screen())

    def search_for(self, text: str) -> None:
        """Search for ``text`` (a question chosen in the report) in all topics, the search field focused."""
        self.query_one("#category", Select).value = ALL_CATEGORIES
        search = self.query_one("#search", Input)
        search.value = text
        search.cursor_position = len(text)  # the cursor stays where it was otherwise: typing on would edit mid-question
        search.focus()
