"""The ticket's customer, entered once: typed, or recognised from a pasted ticket header or signature."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from faqbot.bot.support.context import SALUTATIONS, CustomerContext, normalise_server, recognise
from faqbot.bot.tui.widgets.bounded_input import BoundedInput

NO_SALUTATION = "-"


class CustomerScreen(ModalScreen[tuple[CustomerContext, str] | None]):
    """Returns the new context and the pasted ticket text, or None when cancelled."""

    CSS_PATH = "customer.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Abbrechen"),
        Binding("ctrl+s", "accept", "Übernehmen"),
    ]

    def __init__(self, context: CustomerContext, *, cursor_blink: bool = True) -> None:
        super().__init__()
        self.context = context
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        context = self.context
        with Vertical(id="customer-dialog"):
            yield Label("Kunde dieses Tickets (wird nie protokolliert)", id="customer-title")
            yield TextArea(id="ticket", soft_wrap=True, show_line_numbers=False)
            yield Button("Aus dem eingefügten Ticket erkennen", id="recognise")
            with Horizontal(classes="row"):
                yield Select(
                    [("ohne Anrede", NO_SALUTATION), *((s, s) for s in SALUTATIONS)],
                    value=context.salutation or NO_SALUTATION,
                    allow_blank=False,
                    id="salutation",
                )
                yield BoundedInput(context.name, placeholder="Name", id="name", max_length=120, cursor_blink=self.cursor_blink)
            with Horizontal(classes="row"):
                yield BoundedInput(
                    context.email, placeholder="E-Mail-Adresse", id="email", max_length=254, cursor_blink=self.cursor_blink
                )
                yield BoundedInput(
                    context.domain, placeholder="Domain", id="domain", max_length=253, cursor_blink=self.cursor_blink
                )
                yield BoundedInput(
                    context.server, placeholder="Server sNNN", id="server", max_length=10, cursor_blink=self.cursor_blink
                )
            with Horizontal(classes="buttons"):
                yield Button("Übernehmen (Strg+S)", id="accept", variant="primary")
                yield Button("Leeren", id="clear")
                yield Button("Abbrechen (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ticket", TextArea).focus()

    @on(Button.Pressed, "#recognise")
    def _recognise(self) -> None:
        found = recognise(self.query_one("#ticket", TextArea).text)
        self._show(self._read().merged(found))  # what was typed stays; the ticket fills the empty fields
        if found.empty:
            self.notify("Im eingefügten Text war nichts zu erkennen.", severity="warning")

    def _show(self, context: CustomerContext) -> None:
        self.query_one("#salutation", Select).value = context.salutation or NO_SALUTATION
        for field in ("name", "email", "domain", "server"):
            self.query_one(f"#{field}", Input).value = getattr(context, field)

    def _read(self) -> CustomerContext:
        salutation = self.query_one("#salutation", Select).value
        server_text = self.query_one("#server", Input).value
        return CustomerContext(
            name=self.query_one("#name", Input).value.strip(),
            salutation=salutation if isinstance(salutation, str) and salutation != NO_SALUTATION else "",
            email=self.query_one("#email", Input).value.strip(),
            domain=self.query_one("#domain", Input).value.strip().lower(),
            server=normalise_server(server_text) if server_text.strip() else "",
        )

    @on(Button.Pressed, "#accept")
    def action_accept(self) -> None:
        server_text = self.query_one("#server", Input).value
        if server_text.strip() and not normalise_server(server_text):
            self.notify(f"„{server_text}“ ist keine Servernummer: erwartet wird z. B. s047.", severity="error", markup=False)
            return
        ticket = self.query_one("#ticket", TextArea).text
        # Pasted and taken over at once (F7, paste, Strg+S): what can be recognised fills the empty fields.
        self.dismiss((self._read().merged(recognise(ticket)), ticket))

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.query_one("#ticket", TextArea).text = ""
        self._show(CustomerContext())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
