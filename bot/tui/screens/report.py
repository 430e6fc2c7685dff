"""The log report on a screen of the agent console: what customers asked that the KB could not answer."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from faqbot.bot.log.report import build_report, export_tsv
from faqbot.bot.log.report_text import report_text
from faqbot.bot.log.store import ConversationLog
from faqbot.kb.retriever import Index


class ReportScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Zurück"),
        Binding("f5", "reload", "Neu laden"),
        Binding("ctrl+s", "export", "Als TSV speichern"),
    ]

    class Loaded(Message):
        def __init__(self, text: str, tsv: str) -> None:
            super().__init__()
            self.text = text
            self.tsv = tsv

    def __init__(self, conversation_log: ConversationLog | None, index: Index, save_text: Callable[[str, str], None]) -> None:
        super().__init__()
        self.conversation_log = conversation_log  # None: --no-log
        self.index = index  # for the articles' titles
        self.save_text = save_text
        self.tsv = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("Lade das Gesprächsprotokoll …", id="report")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        if self.conversation_log is None:
            self.query_one("#report", Static).update("Das Gesprächsprotokoll ist ausgeschaltet (--no-log).")
            return
        self._load()

    @work(thread=True, exclusive=True, group="report")
    def _load(self) -> None:
        log = self.conversation_log
        if log is None:
            return
        turns = log.turns()
        if not log.enabled:
            self.post_message(self.Loaded(log.disabled_reason or "", ""))
            return
        titles = {article.id: article.title for article in self.index.articles}
        self.post_message(self.Loaded(report_text(build_report(turns), titles), export_tsv(turns)))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        self.tsv = event.tsv
        self.query_one("#report", Static).update(Content(event.text))  # customers' words: never markup

    def action_export(self) -> None:
        if self.tsv:
            self.save_text("faqbot-unbeantwortet.tsv", self.tsv)
