"""The SPF helper: build the provider's record, or check and explain any record or domain."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    Header,
    Input,
    Label,
    LoadingIndicator,
    RadioButton,
    RadioSet,
    Static,
    TabbedContent,
    TabPane,
)

from faqbot.bot.helpers.spf import CheckResult, Finding, SpfInputError, build, check, is_spf_record, unquote
from faqbot.bot.helpers.spf_lookup import LookupReport, lookup
from faqbot.bot.tui.widgets.bounded_input import BoundedInput
from faqbot.bot.tui.widgets.footer import SteadyFooter


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace(" ", ",").split(",") if part.strip()]


def plain_text(widgets: list[Static]) -> str:
    """What the widgets show, as text for a ticket: one paragraph each."""
    parts = [widget.content.plain if isinstance(widget.content, Content) else str(widget.content) for widget in widgets]
    return "\n\n".join(parts) + "\n"


def _finding_widgets(errors: list[Finding], warnings: list[Finding]) -> list[Static]:
    widgets = [Static(Content.assemble(("Fehler: ", "bold"), finding.message), classes="finding error") for finding in errors]
    widgets += [
        Static(Content.assemble(("Warnung: ", "bold"), finding.message), classes="finding warning") for finding in warnings
    ]
    return widgets


class SpfScreen(Screen[None]):
    CSS_PATH = "spf.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Zurück"),
        Binding("f3", "copy_check", "Ergebnis kopieren"),
    ]

    class LookupDone(Message):
        def __init__(self, query: str, report: LookupReport) -> None:
            super().__init__()
            self.query = query
            self.report = report

    def __init__(self, copy_for_ticket: Callable[[str, str], None], *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.copy_for_ticket = copy_for_ticket  # (text, what): to the clipboard, and says where it went
        self.cursor_blink = cursor_blink
        self.record = ""
        self.zone_line = ""
        self.check_text = ""  # the verdict and explanations shown under „Prüfen“, for a ticket

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="build"):
            with TabPane("Erstellen", id="build"):
                with VerticalScroll():
                    yield Label("Domain")
                    yield BoundedInput(
                        placeholder="z. B. example.de", id="build-domain", max_length=253, cursor_blink=self.cursor_blink
                    )
                    with Horizontal(classes="switches"):
                        yield Checkbox("A-Record der Domain", True, id="build-a")
                        yield Checkbox("MX-Server der Domain", False, id="build-mx")
                        yield Checkbox("Plusnet-Mailserver", True, id="build-provider")
                    yield Label("Weitere Absender (optional, durch Komma getrennt)")
                    yield BoundedInput(
                        placeholder="IPv4-Adressen, z. B. 192.0.2.10 oder 192.0.2.0/24",
                        id="build-ip4",
                        max_length=500,
                        cursor_blink=self.cursor_blink,
                    )
                    yield BoundedInput(
                        placeholder="IPv6-Adressen, z. B. 2001:db8::1",
                        id="build-ip6",
                        max_length=500,
                        cursor_blink=self.cursor_blink,
                    )
                    yield BoundedInput(
                        placeholder="weitere include-Domains, z. B. _spf.example.com",
                        id="build-include",
                        max_length=500,
                        cursor_blink=self.cursor_blink,
                    )
                    with RadioSet(id="build-policy"):
                        yield RadioButton("-all: fremde Server ablehnen (empfohlen)", value=True, id="policy-fail")
                        yield RadioButton("~all: fremde Server nur markieren", id="policy-softfail")
                # Below the fields, outside their scrolling: the record stays in view at 80×24 whatever option changes.
                with Vertical(id="build-output"):
                    yield Static(id="build-result", classes="result")
                    with Horizontal(classes="buttons"):
                        yield Button("Record kopieren", id="copy-record", disabled=True)
                        yield Button("Zonenzeile kopieren", id="copy-zone", disabled=True)
            with TabPane("Prüfen", id="check"):
                with VerticalScroll():
                    yield Label("SPF-Eintrag einfügen oder eine Domain eingeben")
                    yield BoundedInput(
                        placeholder="v=spf1 a include:_spf.broadspeed.de -all   oder   example.de",
                        id="check-input",
                        max_length=2000,
                    )
                    with Horizontal(classes="lookup-row"):
                        yield BoundedInput(
                            placeholder="IP-Adresse (optional): darf sie senden?",
                            id="check-ip",
                            max_length=45,
                            cursor_blink=self.cursor_blink,
                        )
                        yield Button("Live prüfen", id="lookup", disabled=True)
                    with Horizontal(classes="lookup-row"):
                        # What the receiving server saw; only records with macros need them.
                        yield BoundedInput(
                            placeholder="Absender (optional), z. B. info@example.de", id="check-sender", max_length=320
                        )
                        yield BoundedInput(placeholder="HELO-Name (optional)", id="check-helo", max_length=253)
                    with Horizontal(id="lookup-status"):
                        yield LoadingIndicator()
                        yield Static(id="lookup-status-text")
                    yield Vertical(id="check-report")
                    with Horizontal(classes="buttons"):
                        yield Button("Ergebnis kopieren", id="copy-check", disabled=True)
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#lookup-status").display = False
        self._rebuild()
        self.query_one("#build-domain").focus()

    @on(TabbedContent.TabActivated)
    def _focus_first_field(self, event: TabbedContent.TabActivated) -> None:
        first = "#build-domain" if event.pane.id == "build" else "#check-input"
        self.query_one(first).focus()
        self.refresh_bindings()

    # --- Erstellen --------------------------------------------------------------------

    @on(Input.Changed, "#build-domain, #build-ip4, #build-ip6, #build-include")
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _rebuild(self) -> None:
        domain = self.query_one("#build-domain", Input).value
        result = self.query_one("#build-result", Static)
        self.record = self.zone_line = ""
        if not domain.strip():
            result.update("Geben Sie Ihre Domain ein: Der SPF-Eintrag entsteht hier, während Sie tippen.")
        else:
            try:
                built = build(
                    domain,
                    a=self.query_one("#build-a", Checkbox).value,
                    mx=self.query_one("#build-mx", Checkbox).value,
                    provider=self.query_one("#build-provider", Checkbox).value,
                    ip4=_split_list(self.query_one("#build-ip4", Input).value),
                    ip6=_split_list(self.query_one("#build-ip6", Input).value),
                    include=_split_list(self.query_one("#build-include", Input).value),
                    policy="~all" if self.query_one("#policy-softfail", RadioButton).value else "-all",
                )
            except SpfInputError as error:
                result.update(Content.assemble(("Bitte korrigieren: ", "bold $error"), str(error)))
            else:
                self.record, self.zone_line = built.record, built.zone_line
                notes = [f"\nHinweis: {finding.message}" for finding in built.check.warnings]
                result.update(
                    Content.assemble(
                        ("TXT-Eintrag: ", "bold"), built.record, "\n", ("Zonenzeile: ", "bold"), built.zone_line, *notes
                    )
                )
        self.query_one("#copy-record", Button).disabled = not self.record
        self.query_one("#copy-zone", Button).disabled = not self.zone_line

    @on(Button.Pressed, "#copy-record, #copy-zone")
    def _copy(self, event: Button.Pressed) -> None:
        if event.button.id == "copy-record":
            self.copy_for_ticket(self.record, f"Der SPF-Eintrag „{self.record}“")
        else:
            self.copy_for_ticket(self.zone_line, f"Die Zonenzeile „{self.zone_line}“")

    # --- Prüfen -----------------------------------------------------------------------

    @on(Input.Changed, "#check-input")
    def _check_as_you_type(self, event: Input.Changed) -> None:
        text = event.value.strip()
        is_record = bool(text) and is_spf_record(unquote(text))
        self.query_one("#lookup", Button).disabled = not text or is_record
        if not text:
            self._show_report([])
        elif is_record or text.lower().startswith("v=") or '"' in text:
            self._show_report([Static(Content.assemble(("Geprüft: ", "bold"), unquote(text))), *self._check_widgets(check(text))])
        else:
            hint = "Das sieht nach einer Domain aus: „Live prüfen“ fragt ihren veröffentlichten SPF-Eintrag ab."
            self._show_report([Static(hint, classes="hint")], copyable=False)

    def _show_report(self, widgets: list[Static], *, copyable: bool = True) -> None:
        report = self.query_one("#check-report", Vertical)
        report.remove_children()
        report.mount_all(widgets)
        self.check_text = plain_text(widgets) if widgets and copyable else ""
        self.query_one("#copy-check", Button).disabled = not self.check_text
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_check":
            if self.query_one(TabbedContent).active != "check":
                return False  # hidden: „Erstellen“ has its own copy buttons
            return bool(self.check_text) or None  # None: shown greyed out
        return True

    @on(Button.Pressed, "#copy-check")
    def action_copy_check(self) -> None:
        if self.check_text:
            self.copy_for_ticket(self.check_text, "Das Ergebnis der SPF-Prüfung")

    def _check_widgets(self, result: CheckResult) -> list[Static]:
        if not result.valid:
            verdict, style = "Der Eintrag ist ungültig – Empfänger werten ihn als Fehler (permerror).", "error"
        elif result.warnings:
            verdict, style = f"Der Eintrag ist gültig, aber {len(result.warnings)} Warnung(en) – bitte beheben:", "warning"
        else:
            verdict, style = "Der Eintrag ist gültig.", "ok"
        widgets = [Static(verdict, classes=f"verdict {style}")]
        widgets += _finding_widgets(result.errors, result.warnings)
        for term in result.terms:
            widgets.append(Static(Content.assemble((term.text, "bold"), "\n", term.explanation), classes="term"))
        widgets.append(Static(f"DNS-Abfragen dieses Eintrags: bis zu {result.dns_lookups} von höchstens 10.", classes="hint"))
        return widgets

    @on(Button.Pressed, "#lookup")
    @on(Input.Submitted, "#check-input, #check-ip, #check-sender, #check-helo")
    def _start_lookup(self) -> None:
        domain = self.query_one("#check-input", Input).value.strip()
        if not domain or is_spf_record(unquote(domain)):
            return
        ip = self.query_one("#check-ip", Input).value.strip() or None
        sender = self.query_one("#check-sender", Input).value.strip() or None
        helo = self.query_one("#check-helo", Input).value.strip() or None
        self.query_one("#lookup-status").display = True
        self.query_one("#lookup-status-text", Static).update(Content(f"Frage den DNS nach {domain} …"))
        self.query_one("#lookup", Button).disabled = True
        self._lookup(domain, ip, sender, helo)

    @work(thread=True, exclusive=True, group="spf-lookup")
    def _lookup(self, domain: str, ip: str | None, sender: str | None, helo: str | None) -> None:
        self.post_message(self.LookupDone(domain, lookup(domain, ip=ip, sender=sender, helo=helo)))

    @on(LookupDone)
    def _lookup_done(self, event: LookupDone) -> None:
        self.query_one("#lookup-status").display = False
        self.query_one("#lookup", Button).disabled = False
        if event.query != self.query_one("#check-input", Input).value.strip():
            return  # the input changed meanwhile
        report = event.report
        widgets: list[Static] = [Static(Content.assemble(("Geprüft: ", "bold"), event.query))]
        for record in report.records:
            widgets.append(Static(Content.assemble(("Veröffentlicht: ", "bold"), record), classes="record"))
        if report.result_explanation:
            widgets.append(Static(Content.assemble(("Ergebnis: ", "bold"), report.result_explanation), classes="verdict"))
        if report.evaluation_lookups is not None:
            widgets.append(
                Static(
                    f"Diese Prüfung brauchte {report.evaluation_lookups} DNS-Abfragen, "
                    f"davon {report.evaluation_void_lookups} ohne Ergebnis.",
                    classes="hint",
                )
            )
        if report.record:
            widgets.append(
                Static(
                    f"DNS-Abfragen mit allen includes: bis zu {report.dns_lookups} von höchstens 10; "
                    f"ohne Ergebnis: bis zu {report.void_lookups} von höchstens 2.",
                    classes="hint",
                )
            )
        widgets += _finding_widgets(report.errors, report.warnings)
        if report.check is not None:
            widgets += [
                Static(Content.assemble((t.text, "bold"), "\n", t.explanation), classes="term") for t in report.check.terms
            ]
        self._show_report(widgets)
