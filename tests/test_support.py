"""A support shift's reply: the customer recognised in a pasted ticket, placeholders filled, a template ready to send."""

from __future__ import annotations

import pytest

from faqbot.bot.support.context import CustomerContext, normalise_server, recognise
from faqbot.bot.support.reply import AgentConfig, load_config, load_templates, render

TICKET = """Von: Erika Huber <info@gartenbau-huber.de>
Betreff: Neues iPhone

Guten Tag, ich habe ein neues iPhone und brauche die Einstellungen, unser Server ist s047.

Mit freundlichen Grüßen
Erika Huber
Gartenbau Huber, Tel. 08031 12345
"""


def test_a_pasted_ticket_fills_the_context():
    context = recognise(TICKET)
    assert context == CustomerContext(
        name="Erika Huber", email="info@gartenbau-huber.de", domain="gartenbau-huber.de", server="s047"
    )
    assert context.greeting == "Guten Tag Erika Huber,"


@pytest.mark.parametrize(
    ("text", "salutation", "name"),
    [
        ("Sehr geehrte Damen und Herren, … Frau Dr. Maier", "Frau", "Dr. Maier"),
        ("Hallo, hier ist Herr Kowalski.", "Herr", "Kowalski"),
    ],
)
def test_salutation_and_name(text, salutation, name):
    context = recognise(text)
    assert (context.salutation, context.name) == (salutation, name)


def test_provider_addresses_are_not_the_customers_domain():
    context = recognise("Mein Server mail.s012.wsp.plusnet.de, Webseite www.baeckerei-sommer.de")
    assert context.domain == "baeckerei-sommer.de" and context.server == "s012"


@pytest.mark.parametrize(("text", "server"), [("47", "s047"), ("s47", "s047"), ("S 012", "s012"), ("xyz", ""), ("s1234", "")])
def test_server_numbers(text, server):
    assert normalise_server(text) == server


def test_greeting_follows_the_salutation():
    assert CustomerContext(name="Erika Huber", salutation="Frau").greeting == "Sehr geehrte Frau Huber,"
    assert CustomerContext(name="Huber", salutation="Herr").greeting == "Sehr geehrter Herr Huber,"
    assert CustomerContext().greeting == "Sehr geehrte Damen und Herren,"


def test_the_reply_has_filled_settings_and_blank_lines(index):
    article = index.by_id("tls-ports")
    servername = next(section for section in article.sections if section.anchor == "servername")
    context = CustomerContext(name="Huber", salutation="Frau", domain="gartenbau-huber.de", server="s047")
    templates, problems = load_templates()
    assert not problems and templates[0].name == "antwort"
    text = render(templates[0], article, servername, context, AgentConfig(signature="Max Muster\nPlusnet-Support"))
    assert text.startswith("Sehr geehrte Frau Huber,\n\n")
    assert "mail.s047.wsp.plusnet.de" in text and "s0xx" not in text
    assert "\n\n" in text.split("Gern helfen wir Ihnen weiter:")[1]  # paragraphs stay apart
    assert text.rstrip().endswith("Max Muster\nPlusnet-Support") and "0800 1003329" in text


def test_the_teams_templates_and_config(tmp_path, index):
    (tmp_path / "kurz.md").write_text("$anrede\n$antwort\n$link\n$unbekannt\n", encoding="utf-8")
    templates, problems = load_templates(tmp_path)
    short = next(t for t in templates if t.name == "kurz")
    assert short.text.startswith("$anrede\n$antwort\n$link")  # the team's file replaced the shipped one
    config_file = tmp_path / "agent.toml"
    config_file.write_text('signature = "Erika"\narticle_url = "https://hilfe.example/{id}#{anchor}"\n', encoding="utf-8")
    config = load_config(config_file)
    article = index.by_id("winmail-dat")
    text = render(short, article, None, CustomerContext(), config)
    assert "https://hilfe.example/winmail-dat#" in text and "$unbekannt" in text
    config_file.write_text("signature = [", encoding="utf-8")
    assert "kann nicht gelesen werden" in load_config(config_file).problem
    assert load_templates(tmp_path / "fehlt")[1] == [f"Der Vorlagen-Ordner {tmp_path / 'fehlt'} existiert nicht."]


@pytest.mark.parametrize(
    ("header", "name"),
    [("Von: Erika Huber <info@gartenbau-huber.de>", "Erika Huber"), ('From: "Huber, Erika" <e@x.de>', "Erika Huber")],
)
def test_the_name_in_a_ticket_header(header, name):
    assert recognise(header + "\nNeues iPhone, Server s047").name == name
