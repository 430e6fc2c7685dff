"""The SPF helper screen: building, live checking and a domain lookup in a worker."""

from __future__ import annotations

import pytest
from dnszone import silent_nameserver, start_dns_server
from textual.widgets import Button, Checkbox, Input, Static

from conftest import open_from_palette, open_helper, paste, wait_until
from faqbot.bot.tui.screens.spf import SpfScreen

SIZE = (110, 45)


@pytest.fixture(scope="module")
def nameserver():
    server, address = start_dns_server()
    yield address
    server.stop()


async def open_spf(pilot) -> SpfScreen:
    return await open_helper(pilot, "spf", SpfScreen)


def text_of(screen, selector: str) -> str:
    return "\n".join(str(widget.render()) for widget in screen.query(selector).results(Static))


async def test_palette_opens_the_helper_escape_returns_and_f4_opens_it_for_the_spf_article(make_app):
    # one console for both ways in (one start-up, not two)
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await open_from_palette(pilot, "SPF-Helfer", SpfScreen)
        await pilot.press("escape")
        assert type(app.screen).__name__ == "AgentScreen"

        await paste(pilot, "spf")  # into the console's search, focused again after the helper closed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#search").value == "spf"
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, SpfScreen)


async def test_build_updates_live_and_copies_and_bad_input_says_what_to_fix(make_app):
    # one helper for the record being built and then made wrong (one start-up, not two)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_spf(pilot)
        await pilot.press(*"example.de")
        await pilot.pause()
        assert 'example.de.  IN  TXT  "v=spf1 a include:_spf.broadspeed.de -all"' in text_of(screen, "#build-result")
        screen.query_one("#build-mx", Checkbox).value = True
        await pilot.pause()
        assert screen.record == "v=spf1 a mx include:_spf.broadspeed.de -all"
        await pilot.click("#copy-zone")
        assert app.clipboard == screen.zone_line
        await pilot.click("#copy-record")
        assert app.clipboard == "v=spf1 a mx include:_spf.broadspeed.de -all"

        screen.query_one("#build-ip4", Input).value = "192.0.2.300"
        await pilot.pause()
        assert "Bitte korrigieren" in text_of(screen, "#build-result")
        assert screen.query_one("#copy-record", Button).disabled


async def test_check_explains_the_bad_record_live(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_spf(pilot)
        await pilot.click("#--content-tab-check")
        await pilot.pause()
        assert app.focused.id == "check-input"
        app.focused.insert_text_at_cursor("v=spf1 a mx ptr include:_spf.broadspeed.de +all")  # pasted
        await pilot.pause()
        report = text_of(screen, "#check-report Static")
        assert "Der Eintrag ist gültig, aber 2 Warnung(en)" in report
        assert "„+all“ erlaubt jedem Server der Welt" in report
        assert "veraltet" in report
        assert "a — die Server, auf die der A-Record der Domain zeigt, dürfen senden" in report
        assert screen.query(".finding.warning")


async def look_up(pilot, fields: dict[str, str]):
    """Open the check tab, fill the fields, press „Live prüfen“ and wait for the worker."""
    screen = await open_spf(pilot)
    await pilot.click("#--content-tab-check")
    await pilot.pause()
    for selector, value in fields.items():
        screen.query_one(selector, Input).value = value
    await pilot.pause()
    await pilot.click("#lookup")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_domain_lookup_runs_in_a_worker(make_app, nameserver, monkeypatch):
    monkeypatch.setenv("FAQBOT_NAMESERVER", nameserver)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(pilot, {"#check-input": "example.test", "#check-ip": "203.0.113.1"})
        assert not screen.query_one("#lookup-status").display
        report = text_of(screen, "#check-report Static")
        assert "Veröffentlicht: v=spf1 a include:inc.example.test -all" in report
        assert "Ergebnis: fail" in report


@pytest.mark.long
async def test_unanswered_lookup_shows_progress_then_a_message(make_app, monkeypatch):
    sock, address = silent_nameserver()
    monkeypatch.setenv("FAQBOT_NAMESERVER", address)
    app = make_app()
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_spf(pilot)
            await pilot.click("#--content-tab-check")
            await pilot.pause()
            screen.query_one("#check-input", Input).value = "example.test"
            await pilot.pause()
            await pilot.click("#lookup")
            await pilot.pause()
            assert screen.query_one("#lookup-status").display  # the worker is waiting for DNS
            assert "Frage den DNS nach example.test" in text_of(screen, "#lookup-status-text")
            assert screen.query_one("#lookup", Button).disabled
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not screen.query_one("#lookup-status").display
            report = text_of(screen, "#check-report Static")
            assert "Zeitüberschreitung" in report
            # Unreachable DNS is not a missing record (issue 19, point 7).
            assert "example.test oder ihr DNS ist nicht erreichbar" in report
            assert "kein SPF-Eintrag veröffentlicht" not in report
    finally:
        sock.close()


async def test_lookup_takes_sender_and_helo(make_app, nameserver, monkeypatch):
    # macro.test allows exactly bob sending with HELO mail.example (exists:%{l}.%{h}.allow.test).
    monkeypatch.setenv("FAQBOT_NAMESERVER", nameserver)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        fields = {"#check-input": "macro.test", "#check-ip": "192.0.2.1", "#check-sender": "bob@macro.test"}
        screen = await look_up(pilot, {**fields, "#check-helo": "mail.example"})
        report = text_of(screen, "#check-report Static")
        assert "Ergebnis: pass" in report
        assert "Diese Prüfung brauchte 1 DNS-Abfragen" in report


async def test_non_ascii_digits_are_a_message_not_a_crash(make_app):
    # int("²") once ended the session, also when served.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_spf(pilot)
        screen.query_one("#build-domain", Input).value = "example.de"
        screen.query_one("#build-ip4", Input).value = "1.2.3.²"
        await pilot.pause()
        assert "„1.2.3.²“ ist keine gültige IPv4-Adresse" in text_of(screen, "#build-result")
        await pilot.click("#--content-tab-check")
        await pilot.pause()
        screen.query_one("#check-input", Input).value = "v=spf1 ip4:١٩٢.٠.٢.١ -all"
        await pilot.pause()
        assert "Der Eintrag ist ungültig" in text_of(screen, "#check-report Static")


async def test_check_result_copies_as_text_and_says_where(make_app, notes, monkeypatch, tmp_path):
    monkeypatch.setenv("FAQBOT_COPY_FILE", "1")  # as in tmux: the copy lands in a file too
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        screen = await open_spf(pilot)
        await pilot.click("#--content-tab-check")
        await pilot.pause()
        assert screen.query_one("#copy-check", Button).disabled  # nothing checked yet
        app.focused.insert_text_at_cursor("v=spf1 a mx ptr include:_spf.broadspeed.de +all")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        copied = app.clipboard
        assert copied.startswith("Geprüft: v=spf1 a mx ptr include:_spf.broadspeed.de +all\n\n")
        assert "Der Eintrag ist gültig, aber 2 Warnung(en)" in copied and "Warnung: „+all“ erlaubt" in copied
        assert "a — die Server, auf die der A-Record der Domain zeigt, dürfen senden" in copied
        (note,) = notes.titled("Kopiert")
        assert "Das Ergebnis der SPF-Prüfung: in die Zwischenablage kopiert" in note.message
        await wait_until(pilot, lambda: list(tmp_path.glob("faqbot-kopie-*.txt")))
        (saved,) = tmp_path.glob("faqbot-kopie-*.txt")
        assert str(saved) in note.message
        assert saved.read_text(encoding="utf-8") == copied
        assert not notes.titled("Gespeichert")  # one notice per copy, not two


async def test_build_copies_say_where_without_a_file(make_app, notes, monkeypatch, tmp_path):
    monkeypatch.setenv("FAQBOT_COPY_FILE", "0")
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        await open_spf(pilot)
        await paste(pilot, "example.de")
        await pilot.click("#copy-record")
        await pilot.pause()
        (note,) = notes.titled("Kopiert")
        assert note.message.startswith("Der SPF-Eintrag „v=spf1 a include:_spf.broadspeed.de -all“: in die Zwischenablage")
        assert "FAQBOT_COPY_FILE=1" in note.message
        assert not list(tmp_path.glob("faqbot-kopie-*"))
