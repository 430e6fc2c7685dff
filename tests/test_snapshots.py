"""How the screens look, at a small (80×24) and a large (120×40) terminal.

Update after an intended change of the look: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

SIZES = [(80, 24), (120, 40)]


async def _ask(pilot, text: str) -> None:
    await pilot.press(*text)
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
        await _ask(pilot, "Passwort Postfach")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_agent_console_search(snap_compare, make_app, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press(*"spf")
        await _settle(pilot)

    assert snap_compare(make_app("agent"), terminal_size=size, run_before=run_before)


def test_chat_with_an_answer_light_theme(snap_compare, make_app):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await _ask(pilot, "Mein Postfach ist voll")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
