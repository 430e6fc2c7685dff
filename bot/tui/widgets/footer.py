"""Textual's footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's Footer rebuilds all its keys (a dozen widgets, each styled and laid out) whenever
    the screen publishes its bindings again: on every focus change and every refresh_bindings,
    mostly to the very same keys. The console's start rebuilt it five times for two different
    sets of keys; each rebuild cost about as much as the rest of the chat's start-up."""

    _shown: tuple[Any, ...] | None = None  # the keys of the last rebuild, or of the one on its way

    def _keys(self, screen: Screen[Any]) -> tuple[Any, ...]:
        # What compose reads: the shown bindings and the palette's key (the node that owns one is not shown).
        palette = screen.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, active.binding, active.enabled, active.tooltip)
            for key, active in screen.active_bindings.items()
            if active.binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        keys = self._keys(screen)
        ours = self.is_attached and screen is self.screen
        if ours and keys == self._shown:
            return
        super().bindings_changed(screen)
        if ours and screen.app.app_focus:
            # A rebuild is on its way (it reads the bindings when it runs): the same keys again need none.
            self._shown = keys
