"""An input line with a length limit that cuts a long paste instead of dropping it."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class BoundedInput(Input):
    """Textual's Input rejects a paste that would exceed ``max_length`` as a whole;
    a customer pasting a long error message should get its beginning instead."""

    def __init__(self, *args: Any, cursor_blink: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Tests and snapshots switch blinking off for the whole app (create_app(cursor_blink=False)).
        self.cursor_blink = cursor_blink

    def replace(self, text: str, start: int, end: int) -> None:
        if self.max_length:
            room = self.max_length - (len(self.value) - (end - start))
            if 0 < room < len(text):
                text = text[:room]
        super().replace(text, start, end)
