from __future__ import annotations

from pathlib import Path

import pytest

from faqbot.kb.loader import load_articles
from faqbot.kb.location import shipped_articles_dir
from faqbot.kb.retriever import Index

DATA = Path(__file__).parent / "data"


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: no error when it is not loaded
def pytest_xdist_auto_num_workers(config) -> int | None:
    """``-n auto``: one worker more than there are cores.

    A good part of the suite waits rather than computes (real servers starting, DNS timeouts, the
    served chat's idle timers, browsers): with one worker per core a core idles while its worker
    waits. PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set (None: xdist's own rule)."""
    import os

    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items) -> None:
    """Tests marked ``long`` first (a stable sort keeps the rest in order).

    pytest-xdist hands out tests in this order; a test that waits half a minute for a timer, started
    last, would leave the other workers idle at the end, started first it runs beside everything else."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session) -> None:
    """Python's collector set as `faqbot chat` sets it (bot/tui/collector.py), once the tests are collected.

    What exists now (pytest, the collected tests, the imported modules) lives as long as the run; without
    this every full collection walks it again. Measured on the chat and shift tests: a quarter less CPU."""
    import gc

    from faqbot.bot.tui.collector import settle_for_interaction

    gc.collect()
    settle_for_interaction()


@pytest.fixture(scope="session")
def shipped():
    return load_articles(shipped_articles_dir())


@pytest.fixture(scope="session")
def index(shipped):
    return Index(shipped.articles, shipped.topics)


VALID_FRONT = """---
id: {id}
title: Ein Titel
category: Test
questions:
  - Erste Frage?
keywords:
  - eins
related: []
---

# Überschrift

Text des Artikels.
"""


@pytest.fixture
def write_article(tmp_path):
    """Write an article file into a fresh folder; returns the folder."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_cache(session_cache, monkeypatch, tmp_path_factory):
    """Keep the index cache of every test (and of the processes it starts) out of the user's.

    One cache for the session (per xdist worker): the index of the shipped articles is then
    built once, not in every app test (0.6 s each). test_cache.py gives its tests their own."""
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(session_cache))
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path_factory.mktemp("log") / "gespraeche.sqlite3"))


class Notifications(list):
    """The notifications an app showed, caught as messages: ``app.run_test(message_hook=notes.hook)``."""

    def hook(self, message) -> None:
        from textual.notifications import Notify

        if isinstance(message, Notify):
            self.append(message.notification)

    def titled(self, title: str) -> list:
        return [note for note in self if note.title == title]


@pytest.fixture
def notes() -> Notifications:
    return Notifications()


@pytest.fixture
def make_app(tmp_path):
    """The app as the CLI builds it, with blinking and saving made test-friendly."""
    from faqbot.bot.tui import create_app

    def make(mode: str = "chat", articles=None, **options):
        return create_app(mode, articles, save_dir=tmp_path, cursor_blink=False, **options)

    return make


async def ask_chat(pilot, text: str):
    """Paste a question, press Enter and wait for the bot's reply.

    Pasted, not typed key by key: every key costs a full round through the app, and typing is
    tested where it matters (history, focus after feedback, the console's search as you type)."""
    field = pilot.app.screen.query_one("#question")
    field.value = ""
    await pilot.click("#question")
    field.insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    from faqbot.bot.tui.widgets.chat_messages import BotMessage

    return pilot.app.screen.query(BotMessage).last()


async def paste(pilot, text: str) -> None:
    """Put text into the focused field in one go, as a paste does (and as the field's Changed reports it).

    For fields whose typing is not what a test is about: each typed key costs a full round through
    the app, and live updates run once per key. Typing itself is kept where it matters (the console's
    search as you type, the helpers' live fields, the chat's history)."""
    pilot.app.focused.insert_text_at_cursor(text)
    await pilot.pause()


async def click_visible(pilot, widget) -> None:
    """Click a widget as a customer does: scroll to it first (answers are shown from their top)."""
    widget.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.click(widget)


async def wait_until(pilot, condition, timeout: float = 5.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds (files are written in Textual's own thread; a layout
    may take a frame more on a loaded machine). ``what`` describes the state when it does not."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time: {what}" if what else "condition not met in time")
        await pilot.pause(0.05)


async def type_in_palette(pilot, text: str):
    """Ctrl+P and the text into the palette's field; returns the palette's list once it shows a match.

    Pasted, not typed key by key: each key would start one more search of every command provider
    (~0.3 s a key on a loaded machine), and the palette's field is Textual's own."""
    from textual.command import CommandInput, CommandList, CommandPalette

    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).insert_text_at_cursor(text)
    await pilot.pause()  # the field's Changed starts the search (a worker): the list of "" is gone after it
    await pilot.app.workers.wait_for_complete()
    commands = palette.query_one(CommandList)
    await wait_until(pilot, lambda: commands.option_count > 0)
    return commands


async def pick_from_palette(pilot, text: str) -> None:
    """Ctrl+P, the text, and Enter once the palette lists a match (its search runs in the background)."""
    from textual.command import CommandPalette

    await type_in_palette(pilot, text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette))


async def open_from_palette(pilot, text: str, screen_type: type):
    """Open a screen as a user would: Ctrl+P, type, Enter."""
    await pick_from_palette(pilot, text)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    return pilot.app.screen


async def open_helper(pilot, name: str, screen_type: type):
    """Open a helper screen directly (the palette way is tested once, in test_tui_spf.py)."""
    pilot.app.open_helper(name)
    await pilot.pause()
    assert isinstance(pilot.app.screen, screen_type)
    return pilot.app.screen
