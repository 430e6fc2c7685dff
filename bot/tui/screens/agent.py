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
from textual.widgets import Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from faqbot.bot.support.context import CustomerContext
from faqbot.bot.support.reply import AgentConfig, ReplyTemplate, answer_text, load_templates
from faqbot.bot.tui.helper_screens import HelperScreens, find
from faqbot.bot.tui.screens.customer import CustomerScreen
from faqbot.bot.tui.screens.recent import RecentEntry, RecentScreen
from faqbot.bot.tui.screens.reply import ReplyScreen
from faqbot.bot.tui.widgets.bounded_input import BoundedInput
from faqbot.bot.tui.widgets.footer import SteadyFooter
from faqbot.bot.tui.widgets.markdown_text import MarkdownText
from faqbot.kb.article import Article
from faqbot.kb.retriever import Hit, Index, decide
from faqbot.kb.sections import Section

ALL_CATEGORIES = "*"
RECENT = 20  # entries Ctrl+R keeps


SECTION_MARK = "▶ "  # marks the section that answers the search in the preview


def ticket_text(article: Article, section: Section | None, context: CustomerContext, *, markdown: bool) -> str:
    """The section (or the whole article) as it goes into a ticket, the customer's details filled in."""
    return answer_text(article, section, context, markdown=markdown) + "\n"


def marked_markdown(article: Article, section: Section | None) -> str:
    """The whole article, the answering section's heading marked."""
    text = article.titled_markdown
    if section is not None:
        text = text.replace(f"## {section.heading}\n", f"## {SECTION_MARK}{section.heading}\n", 1)
    return text


class AgentScreen(Screen[None]):
    CSS_PATH = "agent.tcss"
    BINDINGS = [
        Binding("ctrl+f", "focus_search", "Suchen", show=False),
        Binding("f2", "copy_markdown", "MD kopieren"),
        Binding("f3", "copy_text", "Text kopieren"),
        Binding("shift+f2", "copy_markdown(True)", "Artikel als MD", show=False),
        Binding("shift+f3", "copy_text(True)", "Artikel als Text", show=False),
        Binding("ctrl+s", "save", "Speichern"),
        Binding("f4", "open_helper", "Helfer öffnen"),
        Binding("f6", "app.open_report", "Bericht"),
        Binding("f7", "edit_customer", "Kunde"),
        Binding("f8", "reply", "Antwort"),
        Binding("f9", "clear_customer", "Kunde leeren", show=False),
        Binding("ctrl+r", "recent", "Zuletzt", show=False),
        Binding("down", "move_result(1)", show=False),
        Binding("up", "move_result(-1)", show=False),
    ]

    class ResultsReady(Message):
        def __init__(self, query: str, category: str, hits: list[Hit], confident: bool, hidden: int) -> None:
            super().__init__()
            self.query = query
            self.category = category
            self.hits = hits
            self.confident = confident  # the top hit would be a confident answer in the chat
            self.hidden = hidden  # hits the category filter hides

    def __init__(
        self,
        index: Index,
        helper_screens: HelperScreens,
        save_text: Callable[[str, str], None],
        copy_for_ticket: Callable[[str, str], None],
        *,
        cursor_blink: bool = True,
        templates: list[ReplyTemplate] | None = None,
        config: AgentConfig | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.helper_screens = helper_screens
        self.save_text = save_text  # (file name, text): into a folder or, served, as a download
        self.copy_for_ticket = copy_for_ticket  # (text, what it is): to the clipboard, and says where it went
        self.cursor_blink = cursor_blink
        self.templates = templates or load_templates()[0]
        self.config = config or AgentConfig()
        self.shown: list[Article] = []  # the articles in the result list, in order
        self.shown_query: str | None = None  # the search they are the results of (None: none shown yet)
        self.current: Article | None = None
        self.section: Section | None = None  # the current article's section that answers the search
        self.context = CustomerContext()  # this ticket's customer: in memory only, never logged
        self.recent: list[RecentEntry] = []  # searches that led to work this shift, newest first
        self.highlight_next: str | None = None  # article to highlight when the next results arrive (Ctrl+R)
        self.section_scroll_pending = False  # the preview's section heading is not yet where the pane can show it

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
                yield Static(id="customer-line", markup=False)
                yield Static(id="filter-note", markup=False)
                yield OptionList(id="results")
            with VerticalScroll(id="preview-pane"):
                # One widget laid out by Rich, as the chat's answers: Textual's Markdown widget mounts a widget
                # per block, ~0.3 s of CPU for an article, paid at the start and on every highlighted result.
                yield MarkdownText("", id="preview")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._search("", ALL_CATEGORIES)
        self._show_customer()
        self.query_one("#search").focus()
        self.watch(self.query_one("#preview-pane"), "virtual_size", self._preview_grew, init=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("copy_markdown", "copy_text", "save", "reply"):
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
        confident = False
        if query.strip():
            ranking = self.index.rank(query)  # once: the list, and what the chat would answer
            hits = list(ranking.hits)
            result = decide(query, ranking, self.index.calibration)
            if result.status == "answer" and result.answer is not None:
                # The chat's answer first, even where the classifier preferred the retriever's second hit.
                hits = [result.answer, *(hit for hit in hits if hit is not result.answer)]
                confident = True
        else:
            hits = [Hit(article, 0.0) for article in sorted(self.index.articles, key=lambda a: (a.category, a.title))]
        hidden = 0
        if category != ALL_CATEGORIES:
            shown = [hit for hit in hits if hit.article.category == category]
            hidden = len(hits) - len(shown) if query.strip() else 0
            confident = confident and bool(shown) and shown[0].article.id == hits[0].article.id
            hits = shown
        if not get_current_worker().is_cancelled:
            self.post_message(self.ResultsReady(query, category, hits, confident, hidden))

    @on(ResultsReady)
    def _show_results(self, event: ResultsReady) -> None:
        if event.query != self.query_one("#search", Input).value or event.category != self._category():
            return  # typed on since: a newer search is on its way
        results = self.query_one("#results", OptionList)
        results.clear_options()
        self.shown = [hit.article for hit in event.hits]
        self.shown_query = event.query
        searching = bool(event.query.strip())
        for position, hit in enumerate(event.hits):
            label = Content(hit.article.title)
            detail = f"{hit.score:.2f} · {hit.article.category}" if searching else hit.article.category
            if searching and not (event.confident and position == 0):
                detail += " · unsicher"  # the chat would not give this as a confident answer
            results.add_option(Option(Content.assemble(label, "\n", (detail, "dim")), id=hit.article.id))
        note = self.query_one("#filter-note", Static)
        note.update(f"Filter „{event.category}“: {event.hidden} Treffer in anderen Themen ausgeblendet" if event.hidden else "")
        note.display = bool(event.hidden)
        if event.hits:
            ids = [article.id for article in self.shown]
            results.highlighted = ids.index(self.highlight_next) if self.highlight_next in ids else 0
            self.highlight_next = None
        else:
            self.call_later(self._preview, None)
        self.refresh_bindings()  # the footer rebuilds only if its keys change (SteadyFooter)

    @on(OptionList.OptionHighlighted, "#results")
    async def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        await self._preview(self.index.by_id(event.option.id or ""))

    async def _preview(self, article: Article | None) -> None:
        self.current = article
        query = self.query_one("#search", Input).value
        self.section = self.index.section_for(article, query) if article is not None else None
        preview = self.query_one("#preview", MarkdownText)
        self.refresh_bindings()  # the footer rebuilds only if its keys change (SteadyFooter)
        if article is None:
            preview.update("*Kein Artikel gefunden.* Versuchen Sie andere Stichworte oder ein anderes Thema.")
            return
        text = f"*{article.category}*\n\n{self.context.fill(marked_markdown(article, self.section))}"
        if text != preview.source:  # typing on mostly keeps the article and its section: nothing to lay out again
            preview.update(text)
        # The answering section's heading at the top of the preview; the rest of the article stays a scroll away.
        self.call_after_refresh(self._scroll_to_section)

    def _scroll_to_section(self) -> None:
        pane = self.query_one("#preview-pane", VerticalScroll)
        preview = self.query_one("#preview", MarkdownText)
        heading = preview.line_starting(SECTION_MARK)
        if heading is None:
            self.section_scroll_pending = False
            pane.scroll_home(animate=False)
            return
        target = preview.virtual_region.y + heading
        pane.scroll_to(y=target, animate=False, immediate=True)
        # Until the new article is laid out at the pane's width, the pane may not reach the heading yet (or the
        # heading moves): the scroll is repeated whenever the pane's size changes, until one lands where meant.
        self.section_scroll_pending = target > pane.max_scroll_y or not preview.is_laid_out

    def _preview_grew(self) -> None:
        if self.section_scroll_pending:
            self._scroll_to_section()

    def show_article(self, article: Article) -> None:
        """Select an article (from the command palette): clear the search and highlight it."""
        self.query_one("#category", Select).value = ALL_CATEGORIES
        self.query_one("#search", Input).value = article.title
        self.call_later(self._preview, article)

    # --- actions --------------------------------------------------------------

    def action_focus_search(self) -> None:
        search = self.query_one("#search", Input)
        search.focus()
        search.select_all()

    def action_move_result(self, step: int) -> None:
        """↑/↓ in the search field move in the results, so the hands stay on the query."""
        results = self.query_one("#results", OptionList)
        if results.option_count:
            current = results.highlighted if results.highlighted is not None else -step
            results.highlighted = max(0, min(results.option_count - 1, current + step))

    def action_copy_markdown(self, whole: bool = False) -> None:
        self._copy(markdown=True, whole=whole)

    def action_copy_text(self, whole: bool = False) -> None:
        self._copy(markdown=False, whole=whole)

    def _copy(self, *, markdown: bool, whole: bool) -> None:
        if self.current is None:
            return
        self._remember()
        section = None if whole else self.section
        kind = "Markdown" if markdown else "Text"
        what = f"Der Abschnitt „{section.heading}“" if section else f"„{self.current.title}“"
        self.copy_for_ticket(ticket_text(self.current, section, self.context, markdown=markdown), f"{what} als {kind}")

    def action_save(self) -> None:
        if self.current is not None:
            self._remember()
            filename = f"faqbot-{self.current.id}-{datetime.now():%Y%m%d-%H%M%S}.md"
            self.save_text(filename, ticket_text(self.current, None, self.context, markdown=True))  # the whole article

    # --- the ticket's customer and the reply ------------------------------------

    def _show_customer(self) -> None:
        context = self.context
        if context.empty:
            text = "Kunde: – (F7 eintragen oder Ticket einfügen)"
        else:
            name = " ".join(part for part in (context.salutation, context.name) if part)
            text = "Kunde: " + " · ".join(part for part in (name, context.server, context.domain or context.email) if part)
        self.query_one("#customer-line", Static).update(text)

    def action_edit_customer(self) -> None:
        def done(result: tuple[CustomerContext, str] | None) -> None:
            if result is None:
                return
            context, ticket = result
            self._set_customer(context)
            if ticket.strip():  # a pasted ticket is also the search: the retriever reads past greeting and signature
                search = self.query_one("#search", Input)
                search.value = ticket.replace("\n", " ")[: search.max_length or None]
                search.focus()

        self.app.push_screen(CustomerScreen(self.context, cursor_blink=self.cursor_blink), done)

    def action_clear_customer(self) -> None:
        self._set_customer(CustomerContext())
        self.app.notify("Kundendaten geleert – bereit für das nächste Ticket.", title="Kunde", markup=False)

    def _set_customer(self, context: CustomerContext) -> None:
        self.context = context
        self._show_customer()
        self.call_later(self._preview, self.current)

    def action_reply(self) -> None:
        if self.current is not None:
            self._remember()
            screen = ReplyScreen(
                self.current, self.section, self.context, self.templates, self.config, self.copy_for_ticket, self.save_text
            )
            self.app.push_screen(screen)

    def action_open_helper(self) -> None:
        helper = find(self.helper_screens, self.current.helper) if self.current else None
        if helper is not None:
            screen = helper.make_screen()
            self.app.push_screen(screen)
            self.call_after_refresh(self._prefill_helper, screen)

    def _prefill_helper(self, screen: Screen[object]) -> None:
        """The helper starts with this ticket's customer: SPF with the domain, the ports with server and address."""
        for selector, value in (
            ("#build-domain", self.context.domain),
            ("#server", self.context.server),
            ("#email", self.context.email),
        ):
            if value:
                for field in screen.query(selector).results(Input):
                    if not field.value:
                        field.value = value

    def _remember(self) -> None:
        """Keep the search and the article an agent worked with, for Ctrl+R (at most RECENT, no repeats)."""
        if self.current is None:
            return
        entry = (self.query_one("#search", Input).value.strip(), self.current.id, self.current.title)
        self.recent = [entry, *(e for e in self.recent if e[:2] != entry[:2])][:RECENT]

    def action_recent(self) -> None:
        if not self.recent:
            self.notify("Noch nichts bearbeitet: Zuletzt Kopiertes, Gespeichertes und Beantwortetes steht hier.", markup=False)
            return

        def reopen(entry: RecentEntry | None) -> None:
            if entry is not None:
                query, article_id, _ = entry
                self.highlight_next = article_id  # once the restored search's results are listed
                self.search_for(query)

        self.app.push_screen(RecentScreen(self.recent), reopen)

    def search_for(self, text: str) -> None:
        """Search for ``text`` (a question chosen in the report) in all topics, the search field focused."""
        self.query_one("#category", Select).value = ALL_CATEGORIES
        search = self.query_one("#search", Input)
        search.value = text
        search.cursor_position = len(text)  # the cursor stays where it was otherwise: typing on would edit mid-question
        search.focus()
