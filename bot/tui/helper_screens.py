"""The hook through which helpers (SPF, mail settings) plug into the app.

A helper module registers a screen factory under the name that articles use
in their front matter (`helper: spf`). The chat then offers a button on
answers from such articles, and the command palette lists the helper. Nothing
is offered for a helper that no module has registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class HelperEntry:
    name: str  # as in the articles' `helper` field
    title: str  # German, for buttons and the command palette
    make_screen: Callable[[], Screen]


_registry: dict[str, HelperEntry] = {}


def register_helper(name: str, title: str, make_screen: Callable[[], Screen]) -> None:
    _registry[name] = HelperEntry(name, title, make_screen)


def unregister_helper(name: str) -> None:
    _registry.pop(name, None)


def helper(name: str | None) -> HelperEntry | None:
    return _registry.get(name) if name else None


def helpers() -> list[HelperEntry]:
    return sorted(_registry.values(), key=lambda entry: entry.title)
