"""An input line with a length limit that cuts a long paste instead of dropping it."""

from __future__ import annotations

from textual.widgets import Input


class BoundedInput(Input):
    """Textual's Input rejects a paste that would exceed ``max_length`` as a whole;
    a customer pasting a long error message should get its beginning instead."""

    def on_mount(self) -> None:
        # Tests and snapshots switch blinking off for the whole app (create_app(cursor_blink=False)).
        self.cursor_blink = getattr(self.app, "input_cursor_blink", True)

    def replace(self, text: str, start: int, end: int) -> None:
        if self.max_length:
            room = self.max_length - (len(self.value) - (end - start))
            if 0 < room < len(text):
                text = text[:room]
        super().replace(text, start, end)
