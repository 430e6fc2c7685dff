"""Personal data never reaches the log: a test per kind, and generated data that must not survive."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faqbot.bot.log.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meine Adresse ist max.mustermann@example.de, bitte helfen", "Meine Adresse ist <E-MAIL>, bitte helfen"),
        ("Ruf mich an: +49 (0)30 123 456-78", "Ruf mich an: <TELEFON>"),
        ("Telefon 0171/1234567 oder 030-1234567", "Telefon <TELEFON> oder <TELEFON>"),
        ("Server 192.168.0.1 geht nicht", "Server <IP> geht nicht"),
        ("Von 2001:db8::1 und fe80::1%eth0 aus", "Von <IP> und <IP> aus"),
        ("IBAN DE89 3704 0044 0532 0130 00 bitte", "IBAN <IBAN> bitte"),
        ("DE89370400440532013000", "<IBAN>"),
        ("mein Passwort ist Hallo123! und geht nicht", "mein Passwort ist <PASSWORT>"),
        ("Kennwort: geheim geheim", "Kennwort: <PASSWORT>"),
        ("password=abc", "password=<PASSWORT>"),
        ("passwort Sommer2024 geht nicht", "passwort <PASSWORT> geht nicht"),
    ],
)
def test_each_kind_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Passwort ändern",
        "Kennwort vergessen",
        "SPF für example.de",
        "mail.s012.wsp.plusnet.de Port 993",
        "Fehler 500 seit dem 28.11.2026",
        "v=spf1 a include:_spf.broadspeed.de -all",
        "Postfach voll",
    ],
)
def test_questions_without_personal_data_stay(text):
    assert redact(text) == text


emails = st.emails()
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
phones = st.builds(
    lambda prefix, area, number, sep: f"{prefix}{area}{sep}{number}",
    st.sampled_from(["", "+49 ", "0049 ", "0"]),
    st.from_regex(r"[1-9]\d{1,4}", fullmatch=True),
    st.from_regex(r"[1-9]\d{5,8}", fullmatch=True),
    st.sampled_from([" ", "/", "-", " / "]),
)
ibans = st.builds(
    lambda country, check, bban: f"{country}{check}{bban}",
    st.sampled_from(["DE", "AT", "CH", "NL", "FR"]),
    st.from_regex(r"\d{2}", fullmatch=True),
    st.from_regex(r"[0-9]{16,22}", fullmatch=True),
)
framing = st.sampled_from(["{}", "Hilfe {} bitte", "({})", "Mail an {}.", "{}, danke"])


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(emails, ipv4, ipv6, phones, ibans), frame=framing)
def test_generated_personal_data_never_survives(value, frame):
    assert value not in redact(frame.format(value))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text):
    assert isinstance(redact(text), str)
