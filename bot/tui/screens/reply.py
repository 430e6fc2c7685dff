"""The reply to the customer, ready to send: a template filled with the customer and the chosen answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, TextArea

from faqbot.bot.support.context import CustomerContext
from faqbot.bot.support.reply import AgentConfig, ReplyTemplate, render
from faqbot.bot.tui.widgets.footer import SteadyFooter
from faqbot.kb.article import Article
from faqbot.kb.sections import Section


class ReplyScreen(ModalScreen[None]):
    CSS_PATH = "reply.tcss"
    BINDINGS = [
        Binding("f3", "copy_text", "Als Text kopieren"),
        Binding("f2", "copy_markdown", "Als Markdown kopieren"),
        Binding("ctrl+s", "save", "Speichern"),
        Binding("escape", "close", "Schließen"),
    ]

    def __init__(
        self,
        article: Article,
        section: Section | None,
        context: CustomerContext,
        templates: list[ReplyTemplate],
        config: AgentConfig,
        copy: Callable[[str, str], None],
        save_text: Callable[[str, str], None],
    ) -> None:
        super().__init__()
        self.article = article
        self.section = section
        self.context = context
        self.templates = templates
        self.config = config
        self.copy = copy  # (text, what it is): to the clipboard, and says where it went
        self.save_text = save_text

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-dialog"):
            part = f"Abschnitt „{self.section.heading}“" if self.section else "ganzer Artikel"
            yield Label(f"Antwort: {self.article.title} – {part}", id="reply-title", markup=False)
            yield Select(
                [(template.name, template.name) for template in self.templates],
                value=self.templates[0].name,
                allow_blank=False,
                id="template",
            )
            yield TextArea(self._text(markdown=False), id="reply", read_only=True, soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="buttons"):
                yield Button("Als Text kopieren (F3)", id="copy-text", variant="primary")
                yield Button("Als Markdown kopieren (F2)", id="copy-markdown")
                yield Button("Schließen (Esc)", id="close")
        yield SteadyFooter()

    def _template(self) -> ReplyTemplate:
        name = self.query_one("#template", Select).value if self.is_mounted else self.templates[0].name
        return next((t for t in self.templates if t.name == name), self.templates[0])

    def _text(self, *, markdown: bool) -> str:
        return render(self._template(), self.article, self.section, self.context, self.config, markdown=markdown)

    @on(Select.Changed, "#template")
    def _template_changed(self) -> None:
        self.query_one("#reply", TextArea).text = self._text(markdown=False)

    @on(Button.Pressed, "#copy-text")
    def action_copy_text(self) -> None:
        self.copy(self._text(markdown=False), "Die Antwort (Text)")

    @on(Button.Pressed, "#copy-markdown")
    def action_copy_markdown(self) -> None:
        self.copy(self._text(markdown=True), "Die Antwort (Markdown)")

    def action_save(self) -> None:
        self.save_text(f"faqbot-antwort-{self.article.id}-{datetime.now():%Y%m%d-%H%M%S}.txt", self._text(markdown=False))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
