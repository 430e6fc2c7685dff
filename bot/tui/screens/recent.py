"""The searches of this shift that led to work (a copy, a reply, a saved file, a helper), newest first."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

# (search text, article id, article title)
RecentEntry = tuple[str, str, str]


class RecentScreen(ModalScreen[RecentEntry | None]):
    CSS_PATH = "recent.tcss"
    BINDINGS = [Binding("escape", "cancel", "Schließen")]

    def __init__(self, entries: list[RecentEntry]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="recent-dialog"):
            yield Label("Zuletzt bearbeitet (Enter: Suche und Artikel wieder öffnen)", id="recent-title")
            options = [
                Option(Content.assemble((query or "(ohne Suche)", "bold"), "\n", (title, "dim")), id=str(number))
                for number, (query, _, title) in enumerate(self.entries)
            ]
            yield OptionList(*options, id="recent")

    @on(OptionList.OptionSelected, "#recent")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.entries[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
