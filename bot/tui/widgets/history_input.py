"""An input line that remembers what was sent (↑/↓), like a shell."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from faqbot.bot.tui.widgets.bounded_input import BoundedInput


class HistoryInput(BoundedInput):
    BINDINGS = [
        Binding("up", "history(-1)", "Frühere Eingabe", show=False),
        Binding("down", "history(1)", "Spätere Eingabe", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[str] = []
        self._position = 0  # == len(history): the line being typed
        self._draft = ""

    def remember(self, text: str) -> None:
        if text.strip() and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._position = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = max(0, min(len(self.history), self._position + step))
        self.value = self._draft if self._position == len(self.history) else self.history[self._position]
        self.cursor_position = len(self.value)
