"""A support shift in the console: the answering section, the customer entered once, a reply ready to send."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static, TextArea

from conftest import wait_until
from faqbot.bot.tui.screens.customer import CustomerScreen
from faqbot.bot.tui.screens.reply import ReplyScreen

SIZE = (120, 40)
TICKET = """Von: Erika Huber <info@gartenbau-huber.de>
Betreff: Neues iPhone

Guten Tag, ich habe ein neues iPhone und brauche die Einstellungen für Posteingangsserver und Ausgangsserver, unser Server ist s047.

Mit freundlichen Grüßen
Erika Huber
"""


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def search(pilot, text: str) -> None:
    field = pilot.app.screen.query_one("#search", Input)
    field.value = text
    field.focus()
    await settle(pilot)


async def enter_ticket(pilot, text: str = TICKET) -> None:
    await pilot.press("f7")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CustomerScreen)
    pilot.app.screen.query_one("#ticket", TextArea).text = text  # as pasted
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_preview_marks_the_section_and_copies_it_or_the_whole_article(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "zertifikat fehler outlook")
        screen = app.screen
        assert screen.current.id == "tls-ports" and screen.section.anchor == "zertifikatsfehler-mit-mail-ihredomain-tld"
        assert "## ▶ Zertifikatsfehler" in screen.query_one("#preview").source
        # scrolled down to the section, once the article is laid out at the pane's width (a frame or two later)
        pane = screen.query_one("#preview-pane")
        await wait_until(pilot, lambda: pane.scroll_y > 0)
        await pilot.press("f2")
        assert app.clipboard.startswith("## Zertifikatsfehler mit mail.IhreDomain.tld") and "POP3s" not in app.clipboard
        await pilot.press("shift+f2")
        assert app.clipboard.startswith("# TLS-Verschlüsselung") and "POP3s" in app.clipboard


async def test_a_pasted_ticket_fills_customer_search_placeholders_and_reply_in_a_few_keys_and_is_never_logged(make_app, tmp_path):
    db = tmp_path / "log.sqlite3"
    app = make_app("agent", db=db)
    async with app.run_test(size=SIZE) as pilot:
        await enter_ticket(pilot)  # F7, paste, Strg+S
        screen = app.screen
        assert screen.context.server == "s047" and screen.context.domain == "gartenbau-huber.de"
        assert "Erika Huber · s047 · gartenbau-huber.de" in str(screen.query_one("#customer-line", Static).render())
        assert screen.current.id == "tls-ports"  # the ticket became the search
        assert "mail.s047.wsp.plusnet.de" in screen.query_one("#preview").source
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press("f3")
        reply = app.clipboard
        assert reply.startswith("Guten Tag Erika Huber,\n\n")
        assert "mail.s047.wsp.plusnet.de" in reply and "s0xx" not in reply
        assert reply.rstrip().endswith("Ihr Plusnet-Support")
        await pilot.press("escape")
        await pilot.press("f9")
        await pilot.pause()
        assert app.screen.context.empty and "s0xx" in app.screen.query_one("#preview").source
    # the customer's details stay in memory: not in the log, whatever was done with them (one app for both)
    assert not db.exists() or b"gartenbau" not in db.read_bytes()


async def test_helpers_open_with_the_customers_details(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await enter_ticket(pilot, "Frau Huber, Domain gartenbau-huber.de")
        await search(pilot, "spf eintrag setzen")
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#build-domain", Input).value == "gartenbau-huber.de"


async def test_arrows_move_in_the_results_while_typing_and_ctrl_f_selects_the_search(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "passwort")
        results = app.screen.query_one("#results", OptionList)
        assert results.highlighted == 0
        await pilot.press("down", "down")
        assert results.highlighted == 2 and app.focused is app.screen.query_one("#search")
        await pilot.press("up")
        assert results.highlighted == 1
        results.focus()
        await pilot.press("ctrl+f")
        field = app.screen.query_one("#search", Input)
        assert app.focused is field and field.selected_text == "passwort"


async def test_weak_hits_are_marked_and_an_active_filter_says_what_it_hides(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "Passwort")  # the chat would not answer this confidently
        results = app.screen.query_one("#results", OptionList)
        assert "unsicher" in str(results.get_option_at_index(0).prompt)
        await search(pilot, "Mein Postfach ist voll")
        assert "unsicher" not in str(results.get_option_at_index(0).prompt)
        assert "unsicher" in str(results.get_option_at_index(1).prompt)
        app.screen.query_one("#category").value = "Webmail"
        await settle(pilot)
        note = app.screen.query_one("#filter-note", Static)
        assert note.display and "Filter „Webmail“:" in str(note.render()) and "ausgeblendet" in str(note.render())


async def test_the_teams_own_templates(make_app, tmp_path):
    (tmp_path / "vertrieb.md").write_text("$anrede\n\n$antwort\n\nIhr Vertrieb\n", encoding="utf-8")
    app = make_app("agent", templates=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await search(pilot, "winmail.dat öffnen")
        await pilot.press("f8")
        await pilot.pause()
        names = [name for name, _ in app.screen.query_one("#template")._options]
        assert names[0] == "antwort" and "vertrieb" in names
        app.screen.query_one("#template").value = "vertrieb"
        await pilot.pause()
        await pilot.press("f3")
        assert app.clipboard.startswith("Sehr geehrte Damen und Herren,") and app.clipboard.rstrip().endswith("Ihr Vertrieb")


async def test_ctrl_r_brings_back_what_was_worked_on(make_app):
    from faqbot.bot.tui.screens.recent import RecentScreen

    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r")  # nothing yet: a notice, no list
        await pilot.pause()
        assert not isinstance(app.screen, RecentScreen)
        await search(pilot, "winmail.dat öffnen")
        await pilot.press("f3")
        await search(pilot, "Mein Postfach ist voll")
        await pilot.press("down")  # the second hit
        await settle(pilot)
        worked_on = app.screen.current.id
        await pilot.press("f2")
        await search(pilot, "spf")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, RecentScreen)
        assert [entry[0] for entry in app.screen.entries] == ["Mein Postfach ist voll", "winmail.dat öffnen"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "Mein Postfach ist voll"
        assert app.screen.current.id == worked_on
