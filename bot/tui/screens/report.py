"""The log report on a screen of the agent console: what customers asked that the KB could not answer."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from faqbot.bot.log.report import build_report, export_tsv
from faqbot.bot.log.report_text import ReportLine, report_lines
from faqbot.bot.log.store import ConversationLog
from faqbot.bot.tui.widgets.footer import SteadyFooter
from faqbot.kb.retriever import Index


class ReportScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Zurück"),
        Binding("f5", "reload", "Neu laden"),
        Binding("ctrl+s", "export", "Als TSV speichern"),
    ]

    class Loaded(Message):
        def __init__(self, lines: list[ReportLine], tsv: str) -> None:
            super().__init__()
            self.lines = lines
            self.tsv = tsv

    class SearchRequested(Message):
        """A line of the report was chosen: the console should search for its question (the app routes it)."""

        def __init__(self, question: str) -> None:
            super().__init__()
            self.question = question

    def __init__(self, conversation_log: ConversationLog | None, index: Index, save_text: Callable[[str, str], None]) -> None:
        super().__init__()
        self.conversation_log = conversation_log  # None: --no-log
        self.index = index  # for the articles' titles
        self.save_text = save_text
        self.tsv = ""
        self.questions: list[str | None] = []  # per option of #report: what choosing it searches for

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Wählen Sie eine Frage mit ↑/↓ und drücken Sie Enter: Die Konsole sucht danach.", id="report-hint")
        yield OptionList(id="report")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self._show_lines([ReportLine("Lade das Gesprächsprotokoll …")])
        self.query_one("#report").focus()
        self.action_reload()

    def action_reload(self) -> None:
        if self.conversation_log is None:
            self._show_lines([ReportLine("Das Gesprächsprotokoll ist ausgeschaltet (--no-log).")])
            return
        self._load()

    @work(thread=True, exclusive=True, group="report")
    def _load(self) -> None:
        log = self.conversation_log
        if log is None:
            return
        turns = log.turns()
        if not log.enabled:
            self.post_message(self.Loaded([ReportLine(log.disabled_reason or "")], ""))
            return
        titles = {article.id: article.title for article in self.index.articles}
        self.post_message(self.Loaded(report_lines(build_report(turns), titles), export_tsv(turns)))

    @on(Loaded)
    def _show(self, event: Loaded) -> None:
        self.tsv = event.tsv
        self._show_lines(event.lines)

    def _show_lines(self, lines: list[ReportLine]) -> None:
        report = self.query_one("#report", OptionList)
        report.clear_options()
        # Content, not str: customers' words are never markup. A blank line needs a no-break space (" " wraps away).
        report.add_options(Option(Content(line.text or "\u00a0"), disabled=line.question is None) for line in lines)
        self.questions = [line.question for line in lines]
        first = next((number for number, question in enumerate(self.questions) if question), None)
        if first is not None:
            report.highlighted = first

    @on(OptionList.OptionSelected, "#report")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        question = self.questions[event.option_index] if event.option_index < len(self.questions) else None
        if question:
            self.post_message(self.SearchRequested(question))

    def action_export(self) -> None:
        if self.tsv:
            self.save_text("faqbot-unbeantwortet.tsv", self.tsv)
