"""The mail-settings screen: settings as you type, a real connection test per row, autoconfig."""

from __future__ import annotations

import ssl
import xml.etree.ElementTree as ET

import pytest
import trustme
from mailservers import MailServer
from textual.widgets import DataTable, Input, Static
from textual.widgets._data_table import default_cell_formatter

from conftest import open_helper, paste, wait_until
from faqbot.bot.tui.screens.ports import PortsScreen

SIZE = (120, 50)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def imap_server(ca, tmp_path, monkeypatch):
    """An IMAP server with implicit TLS on 127.0.0.1, trusted through SSL_CERT_FILE."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server = MailServer("imap", "tls", context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    yield server.port
    server.stop()


async def open_ports(pilot) -> PortsScreen:
    # Opened over the chat: the same screen as over the console (HelperScreens builds it the same way
    # in both modes), and the chat starts in a third of the console's time. The console's ways to it
    # (F4, the palette) are tested in test_tui_shift.py and test_tui_spf.py.
    return await open_helper(pilot, "ports", PortsScreen)


async def check_first_row_against(pilot, host: str) -> PortsScreen:
    """Server s012, another host to test, then "Verbindung testen" on the first row (IMAP 993)."""
    screen = await open_ports(pilot)
    await paste(pilot, "s012")  # typed key by key in test_settings_follow_the_server_number
    return await check_again(pilot, screen, host)


async def check_again(pilot, screen: PortsScreen, host: str) -> PortsScreen:
    """Another host on the open screen, and "Verbindung testen" again."""
    screen.query_one("#test-host", Input).value = host
    await pilot.pause()
    await pilot.click("#test")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def cell(screen, key: str, column: str = "result") -> str:
    return str(screen.query_one("#entries", DataTable).get_cell(key, column))


async def test_tls_ports_answer_opens_the_helper(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#question").insert_text_at_cursor("Welche Ports für IMAP und SMTP?")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.click("#open-helper")
        await pilot.pause()
        assert isinstance(app.screen, PortsScreen)


async def test_settings_follow_the_server_number(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ports(pilot)
        await pilot.press(*"s12")
        await pilot.pause()
        summary = str(screen.query_one("#summary", Static).render())
        assert "mail.s012.wsp.plusnet.de" in summary and "TLS ab Version 1.2" in summary
        table = screen.query_one("#entries", DataTable)
        assert table.row_count == 5
        assert [str(table.get_cell_at((row, 2))) for row in range(5)] == ["993", "995", "465", "587", "25"]
        assert "mail.IhreDomain.tld" in str(screen.query_one("#warnings", Static).render())


async def test_bad_server_number_says_what_to_enter(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ports(pilot)
        await pilot.press(*"x12")
        await pilot.pause()
        assert "Bitte korrigieren" in str(screen.query_one("#summary", Static).render())


async def test_testing_needs_a_server_number(make_app, notes):
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        await open_ports(pilot)
        await pilot.click("#test")
        await pilot.pause()
        assert [note.message for note in notes.titled("Test nicht möglich")] == [
            "Bitte geben Sie zuerst Ihre Servernummer ein (z. B. s012)."
        ]


async def test_connection_test_runs_in_a_worker_and_reports(make_app, imap_server):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ports(pilot)
        await paste(pilot, "s012")
        screen.query_one("#test-host", Input).value = f"localhost:{imap_server}"
        await pilot.pause()
        table = screen.query_one("#entries", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cell(screen, "imap-993").startswith("OK – TLSv1.")
        details = str(screen.query_one("#details", Static).render())
        assert "Zertifikat für: localhost" in details
        assert "Die Verbindung funktioniert und ist sicher" in details
        assert "openssl s_client -connect localhost:" in details


async def test_failed_test_is_explained(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await check_first_row_against(pilot, "127.0.0.1:1")
        assert cell(screen, "imap-993").startswith("Fehler")
        assert "abgelehnt" in str(screen.query_one("#details", Static).render())


async def test_save_autoconfig(make_app, tmp_path, notes):
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        screen = await open_ports(pilot)
        await paste(pilot, "s012")
        screen.query_one("#email", Input).value = "info@example.de"
        await pilot.pause()
        await pilot.click("#save-autoconfig")
        # The notice comes once the file is written and closed; the file itself exists from the first byte on.
        await wait_until(pilot, lambda: notes.titled("Gespeichert"))
        (saved,) = tmp_path.glob("faqbot-autoconfig-s012-*.xml")
        root = ET.fromstring(saved.read_text(encoding="utf-8"))
        assert root.find("emailProvider/incomingServer/username").text == "info@example.de"


async def test_restricted_mode_has_no_free_host_field(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(PortsScreen(app.save_text, app.copy_for_ticket, restricted=True))
        await pilot.pause()
        assert not app.screen.query("#test-host")


async def test_typed_host_in_the_result_is_not_markup(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await check_first_row_against(pilot, "[b]x[/b].invalid")
        shown = default_cell_formatter(screen.query_one("#entries", DataTable).get_cell("imap-993", "result"))
        assert "[b]x[/b].invalid" in shown.plain  # as the table draws it: not read as markup
        assert "[b]x[/b].invalid" in str(screen.query_one("#details", Static).render())


async def test_bad_host_name_is_explained_and_the_app_stays(make_app):
    # both bad names on one screen, one after the other (one app start-up, not two)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ports(pilot)
        await paste(pilot, "s012")
        for host in ("..", "a" * 64 + ".de:993"):
            await check_again(pilot, screen, host)  # the result names the host: the first one's cannot pass for it
            assert app.is_running and app.screen is screen
            assert cell(screen, "imap-993").startswith(f"Fehler – „{host.split(':')[0]}"), host
            assert "ist kein gültiger Servername" in str(screen.query_one("#details", Static).render()), host


async def test_save_outlook_autodiscover(make_app, tmp_path, notes):
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        await open_ports(pilot)
        await paste(pilot, "s012")
        await pilot.pause()
        await pilot.click("#save-autodiscover")
        # The notice comes once the file is written and closed; the file itself exists from the first byte on.
        await wait_until(pilot, lambda: notes.titled("Gespeichert"))
        (saved,) = tmp_path.glob("faqbot-autodiscover-s012-*.xml")
        root = ET.fromstring(saved.read_text(encoding="utf-8"))
        assert root.tag.endswith("}Autodiscover")
        ns = {"a": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
        assert root.findtext("a:Response/a:Account/a:Protocol/a:Server", namespaces=ns) == "mail.s012.wsp.plusnet.de"


async def test_settings_copy_as_ticket_text(make_app, notes, monkeypatch, tmp_path):
    monkeypatch.setenv("FAQBOT_COPY_FILE", "0")
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        screen = await open_ports(pilot)
        await paste(pilot, "s047")
        screen.query_one("#email", Input).value = "info@gartenbau-huber.de"
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        text = app.clipboard
        assert "Posteingang (IMAP): mail.s047.wsp.plusnet.de, Port 993, Verschlüsselung SSL/TLS" in text
        assert "Postausgang (SMTP): mail.s047.wsp.plusnet.de, Port 587, Verschlüsselung STARTTLS" in text
        assert "Benutzername: info@gartenbau-huber.de" in text and "Port 25" not in text
        (note,) = notes.titled("Kopiert")
        assert note.message.startswith("Die Mail-Einstellungen für mail.s047.wsp.plusnet.de: in die Zwischenablage")
        screen.query_one("#server", Input).value = "s04x"  # half typed: said, not copied
        await pilot.pause()
        await pilot.click("#copy-text")
        await pilot.pause()
        assert app.clipboard == text
        assert notes.titled("Nicht kopiert")


def test_cli_prints_the_same_ticket_text(capsys):
    from faqbot.bot.cli.main import main
    from faqbot.bot.helpers.ports import settings, ticket_text

    assert main(["ports", "--server", "47", "--email", "info@gartenbau-huber.de", "--text"]) == 0
    assert capsys.readouterr().out == ticket_text(settings("s047", "info@gartenbau-huber.de"))
