"""How the screens look, at a small (80×24) and a large (120×40) terminal.

Update after an intended change of the look: pytest tests/test_snapshots.py --snapshot-update
(and look at every changed SVG in snapshot_report.html before committing them).
"""

from __future__ import annotations

import sqlite3

import pytest

from conftest import paste
from faqbot.bot.log.store import ConversationLog

SIZES = [(80, 24), (120, 40)]


async def _ask(pilot, text: str) -> None:
    # pasted: the picture is the same as typed, and each typed key is a round through the app
    pilot.app.screen.query_one("#question").focus()  # where the chat sends typed keys
    await pilot.pause()
    await paste(pilot, text)
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_chat_empty(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_chat_with_an_answer(snap_compare, make_app, size):
    async def run_before(pilot):
        await _ask(pilot, "Welche Ports für IMAP und SMTP?")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_chat_with_suggestions(snap_compare, make_app, size):
    async def run_before(pilot):
        await _ask(pilot, "Passwort")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_agent_console_search(snap_compare, make_app, size):
    async def run_before(pilot):
        await _settle(pilot)
        await paste(pilot, "spf")
        await _settle(pilot)

    assert snap_compare(make_app("agent"), terminal_size=size, run_before=run_before)


def test_chat_with_an_answer_light_theme(snap_compare, make_app):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await _ask(pilot, "Mein Postfach ist voll")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


# --- the helper and report screens, at both sizes, dark and light ---------------------

THEMES = ["textual-dark", "textual-light"]


def _helper_screen(name: str, *fields: str):
    """Open a helper and fill its first fields (pasted; tab moves on)."""

    async def run_before(pilot) -> None:
        pilot.app.open_helper(name)
        await pilot.pause()
        for number, text in enumerate(fields):
            if number:
                await pilot.press("tab")
            pilot.app.focused.insert_text_at_cursor(text)
            await pilot.pause()
        await _settle(pilot)

    return run_before


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_spf_helper_builds_a_record(snap_compare, make_app, size, theme):
    app = make_app(log=False)  # over the chat: it starts in a third of the console's time, and the helper hides it
    app.theme = theme
    assert snap_compare(app, terminal_size=size, run_before=_helper_screen("spf", "example.de"))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_ports_helper_with_a_server_number(snap_compare, make_app, size, theme):
    app = make_app(log=False)
    app.theme = theme
    assert snap_compare(app, terminal_size=size, run_before=_helper_screen("ports", "s012", "info@example.de"))


@pytest.fixture
def logged(tmp_path):
    """A conversation log with a few turns on a fixed day, so the report looks the same every day."""
    db = tmp_path / "report.sqlite3"
    log = ConversationLog(db)
    log.record_feedback(log.record("Mein Postfach ist voll", "answer", article_id="postfach-voll", score=0.9), False)
    for question in ("DKIM einrichten", "DKIM-Eintrag einrichten", "Wie wird das Wetter morgen?"):
        log.record(question, "none")
    log.record("Passwort", "suggest", article_id="passwort-sicherheit", score=0.55)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE turns SET time = '2026-03-02T10:00:00+00:00'")
    return db


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_report_screen(snap_compare, make_app, logged, size, theme):
    app = make_app("agent", db=logged)
    app.theme = theme

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f6")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_agent_console_with_a_customer(snap_compare, make_app, size):
    from faqbot.bot.support.context import CustomerContext

    async def run_before(pilot):
        await _settle(pilot)
        pilot.app.screen._set_customer(CustomerContext(name="Erika Huber", domain="gartenbau-huber.de", server="s047"))
        field = pilot.app.screen.query_one("#search")
        field.value = "Servername für das iPhone"
        await _settle(pilot)
        await pilot.pause()

    assert snap_compare(make_app("agent"), terminal_size=size, run_before=run_before)
