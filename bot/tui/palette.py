"""Textual's command palette with its own texts in German ("Search for commands…", "No matches found")."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

SEARCH_COMMANDS = "Befehl oder Artikel suchen …"
SEARCH_THEMES = "Farbschema suchen …"
NO_MATCHES = "Nichts gefunden"


class GermanCommandPalette(CommandPalette):
    def __init__(self, *args, placeholder: str = SEARCH_COMMANDS, **kwargs) -> None:
        super().__init__(*args, placeholder=placeholder, **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's version with the English line hard-coded; the same steps, in German.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False  # discovery mode: nothing to say

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
