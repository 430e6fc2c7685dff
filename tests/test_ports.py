"""Mail client settings and the Thunderbird autoconfig file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faqbot.bot.cli.main import main
from faqbot.bot.helpers.ports import SettingsInputError, autoconfig_xml, autodiscover_xml, normalise_server, settings


@pytest.mark.parametrize(
    ("text", "server"),
    [
        ("s012", "s012"),
        ("S012", "s012"),
        (" s012 ", "s012"),
        ("012", "s012"),
        ("s12", "s012"),
        ("12", "s012"),
        ("s7", "s007"),
        ("mail.s012.wsp.plusnet.de", "s012"),
        ("webmail.s034.wsp.plusnet.de", "s034"),
    ],
)
def test_server_numbers_are_normalised(text, server):
    assert normalise_server(text) == server


@pytest.mark.parametrize(
    "text",
    [
        "",
        "s",
        "s1234",
        "abc",
        "s01x",
        "mail.example.de",
        "s012.evil.com",
        "s012; rm -rf /",
        "s0xx",
        "../s012",
        "s٠١٢",  # Arabic-Indic digits: int() reads them, no host has them
        "mail.s٠١٢.wsp.plusnet.de",
    ],
)
def test_anything_else_is_a_clear_error(text):
    with pytest.raises(SettingsInputError, match="Servernummer|Nummer Ihres Servers"):
        normalise_server(text)


@given(st.text(max_size=40))
def test_a_server_number_never_becomes_an_odd_host(text):
    try:
        server = normalise_server(text)
    except SettingsInputError:
        return
    assert settings(server).host == f"mail.{server}.wsp.plusnet.de"
    assert server[0] == "s" and server[1:].isdigit() and len(server) == 4


def test_settings_for_a_server_and_address():
    current = settings("s012", "info@example.de")
    assert current.host == "mail.s012.wsp.plusnet.de"
    assert current.username == "info@example.de"
    assert [(e.protocol, e.port, e.security) for e in current.entries] == [
        ("imap", 993, "tls"),
        ("pop3", 995, "tls"),
        ("smtp", 465, "tls"),
        ("smtp", 587, "starttls"),
        ("smtp", 25, "starttls"),
    ]
    assert any("mail.IhreDomain.tld" in warning and "12 Monate" in warning for warning in current.warnings)


def test_settings_without_server_use_the_placeholder():
    assert settings().host == "mail.s0xx.wsp.plusnet.de"
    assert settings().username is None


@pytest.mark.parametrize("email", ["info", "info@", "@example.de", "info@example", "in fo@example.de"])
def test_bad_email(email):
    with pytest.raises(SettingsInputError, match="E-Mail-Adresse"):
        settings("s012", email)


def test_autoconfig_xml():
    root = ET.fromstring(autoconfig_xml("s012", "info@example.de"))
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.findtext("domain") == "example.de"
    incoming = provider.findall("incomingServer")
    outgoing = provider.findall("outgoingServer")
    assert [(s.get("type"), s.findtext("port"), s.findtext("socketType")) for s in incoming] == [
        ("imap", "993", "SSL"),
        ("pop3", "995", "SSL"),
    ]
    assert [(s.get("type"), s.findtext("port"), s.findtext("socketType")) for s in outgoing] == [
        ("smtp", "465", "SSL"),
        ("smtp", "587", "STARTTLS"),
    ]
    for server in incoming + outgoing:
        assert server.findtext("hostname") == "mail.s012.wsp.plusnet.de"
        assert server.findtext("username") == "info@example.de"
        assert server.findtext("authentication") == "password-cleartext"


def test_autoconfig_escapes_odd_addresses():
    root = ET.fromstring(autoconfig_xml("s012", "a&b<c>@example.de"))
    assert root.find("emailProvider/incomingServer").findtext("username") == "a&b<c>@example.de"


def test_cli_settings_json(capsys):
    assert main(["ports", "--server", "s012", "--email", "info@example.de", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["server"] == "mail.s012.wsp.plusnet.de" and data["tls_min"] == "1.2" and data["username"] == "info@example.de"
    assert {"protocol": "smtp", "port": 587, "security": "starttls"} in data["entries"]
    assert data["warnings"]


def test_cli_settings_readable(capsys):
    assert main(["ports"]) == 0
    out = capsys.readouterr().out
    assert "mail.s0xx.wsp.plusnet.de" in out and "„xx“ steht für Ihren Server" in out
    assert "993  SSL/TLS" in out and "587  STARTTLS" in out


def test_cli_bad_server(capsys):
    assert main(["ports", "--server", "x12"]) == 2
    assert "keine Servernummer" in capsys.readouterr().err


def test_cli_autoconfig(capsys):
    assert main(["ports", "autoconfig", "--server", "s012", "--email", "info@example.de"]) == 0
    assert ET.fromstring(capsys.readouterr().out).tag == "clientConfig"


def test_autoconfig_for_a_whole_domain_serves_every_mailbox(capsys):
    assert main(["ports", "autoconfig", "--server", "s012", "--domain", "Example.DE"]) == 0
    provider = ET.fromstring(capsys.readouterr().out).find("emailProvider")
    assert provider.get("id") == "example.de" and provider.findtext("domain") == "example.de"
    servers = provider.findall("incomingServer") + provider.findall("outgoingServer")
    assert len(servers) == 4
    assert {server.findtext("username") for server in servers} == {"%EMAILADDRESS%"}


def test_autoconfig_needs_a_domain_or_an_address(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ports", "autoconfig", "--server", "s012"])
    assert exit_.value.code == 2 and "--domain" in capsys.readouterr().err


@pytest.mark.parametrize("domain", ["example", "exa mple.de", "x-.de", ".."])
def test_autoconfig_bad_domain(domain, capsys):
    assert main(["ports", "autoconfig", "--server", "s012", "--domain", domain]) == 2
    assert "ist keine Domain" in capsys.readouterr().err


NS = {"a": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}


def protocols(xml: str) -> list[dict]:
    root = ET.fromstring(xml)
    assert root.tag == "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover"
    account = root.find("a:Response/a:Account", NS)
    assert account.findtext("a:AccountType", namespaces=NS) == "email"
    assert account.findtext("a:Action", namespaces=NS) == "settings"
    return [{child.tag.split("}")[1]: child.text for child in node} for node in account.findall("a:Protocol", NS)]


def test_outlook_autodiscover_for_a_domain():
    found = protocols(autodiscover_xml("s012"))
    assert [(p["Type"], p["Port"], p.get("SSL"), p.get("Encryption")) for p in found] == [
        ("IMAP", "993", "on", None),
        ("POP3", "995", "on", None),
        ("SMTP", "465", "on", None),
        ("SMTP", "587", None, "TLS"),
    ]
    assert {p["Server"] for p in found} == {"mail.s012.wsp.plusnet.de"}
    assert all("LoginName" not in p and p["SPA"] == "off" and p["AuthRequired"] == "on" for p in found)


def test_cli_outlook_autodiscover_for_one_mailbox(capsys):
    assert main(["ports", "autoconfig", "--server", "s12", "--email", "info@example.de", "--format", "outlook"]) == 0
    assert {p["LoginName"] for p in protocols(capsys.readouterr().out)} == {"info@example.de"}
