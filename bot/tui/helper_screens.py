"""The helper screens (SPF, mail settings) an app offers, by the name articles use.

An article names its helper in the front matter (`helper: spf`); the app owns a
mapping from that name to a `HelperScreen`, and hands it to the screens that
offer helpers (the chat's button, the console's F4, the command palette).
Nothing is offered for a name the mapping does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class HelperScreen:
    title: str  # German, for buttons and the command palette
    make_screen: Callable[[], Screen[Any]]


HelperScreens = Mapping[str, HelperScreen]  # article `helper` name → screen


def find(helper_screens: HelperScreens, name: str | None) -> HelperScreen | None:
    return helper_screens.get(name) if name else None
