"""The mail-settings helper: the exact settings for a server, and a real connection test per row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from faqbot.bot.helpers.mailconn import ConnectionReport, HostNotAllowed, check_allowed, check_connection
from faqbot.bot.helpers.ports import (
    PLACEHOLDER_SERVER,
    TLS_MIN,
    Entry,
    Settings,
    SettingsInputError,
    autoconfig_xml,
    autodiscover_xml,
    settings,
    ticket_text,
)
from faqbot.bot.tui.widgets.bounded_input import BoundedInput
from faqbot.bot.tui.widgets.footer import SteadyFooter

RESULT_COLUMN = "result"


def _summary(report: ConnectionReport) -> str:
    if report.ok:
        return f"OK – {report.tls_version}"
    return "Fehler – " + (report.error or "unbekannt").split(". ")[0]


def _details(report: ConnectionReport) -> Content:
    parts: list[str | tuple[str, str]] = [(report.heading, "bold"), "\n"]
    parts += [f"{line}\n" for line in report.facts]
    parts += [(f"Hinweis: {warning}\n", "$warning") for warning in report.warnings]
    parts.append((report.verdict, "bold $success" if report.ok else "bold $error"))
    parts.append(f"\nZum Nachprüfen: {report.openssl}")
    return Content.assemble(*parts)


class PortsScreen(Screen[None]):
    CSS_PATH = "ports.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Zurück"),
        Binding("f3", "copy_text", "Als Text kopieren"),
        Binding("ctrl+s", "save_autoconfig", "Autoconfig speichern"),
    ]

    class TestDone(Message):
        def __init__(self, row_key: str, report: ConnectionReport) -> None:
            super().__init__()
            self.row_key = row_key
            self.report = report

    def __init__(
        self,
        save_text: Callable[[str, str], None],
        copy_for_ticket: Callable[[str, str], None],
        *,
        restricted: bool = False,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.save_text = save_text  # (file name, text): into a folder or, served, as a download
        self.copy_for_ticket = copy_for_ticket  # (text, what): to the clipboard, and says where it went
        # Served to the public, the test may only reach the provider's mail hosts.
        self.restricted = restricted
        self.cursor_blink = cursor_blink
        self.current: Settings = settings()
        self.entries: dict[str, Entry] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            with Horizontal(classes="fields"):
                with Vertical(classes="field"):
                    yield Label("Servernummer (aus Ihren Zugangsdaten)")
                    yield BoundedInput(placeholder="z. B. s012", id="server", max_length=40, cursor_blink=self.cursor_blink)
                with Vertical(classes="field"):
                    yield Label("E-Mail-Adresse (optional, = Benutzername)")
                    yield BoundedInput(
                        placeholder="z. B. info@example.de", id="email", max_length=254, cursor_blink=self.cursor_blink
                    )
            if not self.restricted:
                yield Label("Anderen Server testen (optional, HOST oder HOST:PORT)")
                yield BoundedInput(
                    placeholder="z. B. mail.IhreDomain.tld", id="test-host", max_length=260, cursor_blink=self.cursor_blink
                )
            yield Static(id="summary", classes="summary")
            yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
            yield Static("Wählen Sie eine Zeile und drücken Sie Enter (oder „Verbindung testen“).", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Verbindung testen", id="test", variant="primary")
                yield Button("Als Text kopieren", id="copy-text")
                yield Button("Autoconfig speichern", id="save-autoconfig")
                yield Button("Autodiscover (Outlook) speichern", id="save-autodiscover")
            yield Static(id="details", classes="details")
            yield Static(id="warnings", classes="warnings")
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#entries", DataTable)
        table.add_column("Protokoll", key="protocol")
        table.add_column("Richtung", key="direction")
        table.add_column("Port", key="port")
        table.add_column("Sicherheit", key="security")
        table.add_column("Test", key=RESULT_COLUMN)
        self._refresh_settings()
        self.query_one("#server").focus()

    @on(Input.Changed, "#server, #email")
    def _refresh_settings(self) -> None:
        summary = self.query_one("#summary", Static)
        try:
            self.current = settings(self.query_one("#server", Input).value, self.query_one("#email", Input).value)
        except SettingsInputError as error:
            summary.update(Content.assemble(("Bitte korrigieren: ", "bold $error"), str(error)))
            return
        username = self.current.username or "Ihre vollständige E-Mail-Adresse"
        summary.update(
            Content.assemble(
                ("Server: ", "bold"),
                self.current.host,
                ("   Benutzername: ", "bold"),
                username,
                ("   Verschlüsselung: ", "bold"),
                f"TLS ab Version {TLS_MIN}",
            )
        )
        self.query_one("#warnings", Static).update("\n".join(f"Hinweis: {w}" for w in self.current.warnings))
        table = self.query_one("#entries", DataTable)
        table.clear()
        self.entries.clear()
        for entry in self.current.entries:
            key = f"{entry.protocol}-{entry.port}"
            self.entries[key] = entry
            direction = "Posteingang" if entry.direction == "incoming" else "Postausgang"
            table.add_row(entry.protocol.upper(), direction, str(entry.port), entry.security_de, "", key=key)

    def _target(self, entry: Entry) -> tuple[str, int] | str:
        """(host, port) to test for this row, or a German reason why not."""
        override = "" if self.restricted else self.query_one("#test-host", Input).value.strip()
        if override:
            host, _, port_text = override.rpartition(":") if override.count(":") == 1 else (override, "", "")
            if port_text and not port_text.isdigit():
                return f"„{port_text}“ ist kein Port."
            host, port = host or override, int(port_text) if port_text else entry.port
            if not 0 < port < 65536:
                return "Der Port muss zwischen 1 und 65535 liegen."
            return host, port
        if self.current.server == PLACEHOLDER_SERVER:
            return "Bitte geben Sie zuerst Ihre Servernummer ein (z. B. s012)."
        if self.restricted:
            try:
                check_allowed(self.current.host, entry.port)
            except HostNotAllowed as error:
                return str(error)
        return self.current.host, entry.port

    @on(DataTable.RowSelected, "#entries")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._test_row(str(event.row_key.value))

    @on(Button.Pressed, "#test")
    def _test_pressed(self) -> None:
        table = self.query_one("#entries", DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._test_row(str(row_key.value))

    def _test_row(self, key: str) -> None:
        entry = self.entries.get(key)
        if entry is None:
            return
        target = self._target(entry)
        table = self.query_one("#entries", DataTable)
        if isinstance(target, str):
            self.app.notify(target, title="Test nicht möglich", severity="warning", markup=False)
            return
        table.update_cell(key, RESULT_COLUMN, "läuft …", update_width=True)
        self.query_one("#details", Static).update(Content(f"Verbinde mit {target[0]}:{target[1]} …"))
        self._run_test(key, target[0], target[1], entry)

    @work(thread=True, group="connection-tests")
    def _run_test(self, key: str, host: str, port: int, entry: Entry) -> None:
        report = check_connection(host, port, protocol=entry.protocol, mode=entry.security)
        self.post_message(self.TestDone(key, report))

    @on(TestDone)
    def _test_done(self, event: TestDone) -> None:
        table = self.query_one("#entries", DataTable)
        if event.row_key in self.entries:
            # Text, not str: a str cell is read as markup, and the message may quote the host the agent typed.
            table.update_cell(event.row_key, RESULT_COLUMN, Text(_summary(event.report)), update_width=True)
        self.query_one("#details", Static).update(_details(event.report))

    # --- for the ticket -----------------------------------------------------------

    @on(Button.Pressed, "#copy-text")
    def action_copy_text(self) -> None:
        try:  # the fields as typed now: a half-typed server number is said, not copied
            current = settings(self.query_one("#server", Input).value, self.query_one("#email", Input).value)
        except SettingsInputError as error:
            self.app.notify(str(error), title="Nicht kopiert", severity="warning", markup=False)
            return
        self.copy_for_ticket(ticket_text(current), f"Die Mail-Einstellungen für {current.host}")

    # --- autoconfig ---------------------------------------------------------------

    @on(Button.Pressed, "#save-autoconfig")
    def action_save_autoconfig(self) -> None:
        if self._server_given("Autoconfig"):
            xml = autoconfig_xml(self.current.server, self.current.username)
            self.save_text(f"faqbot-autoconfig-{self.current.server}-{datetime.now():%Y%m%d-%H%M%S}.xml", xml)

    @on(Button.Pressed, "#save-autodiscover")
    def _save_autodiscover(self) -> None:
        if self._server_given("Autodiscover"):
            xml = autodiscover_xml(self.current.server, self.current.username)
            self.save_text(f"faqbot-autodiscover-{self.current.server}-{datetime.now():%Y%m%d-%H%M%S}.xml", xml)

    def _server_given(self, title: str) -> bool:
        if self.current.server == PLACEHOLDER_SERVER:
            self.app.notify("Bitte geben Sie zuerst Ihre Servernummer ein.", title=title, severity="warning", markup=False)
            return False
        return True
