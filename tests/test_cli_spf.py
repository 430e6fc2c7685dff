"""`faqbot spf check` and `faqbot spf build` as a user runs them."""

from __future__ import annotations

import json

from faqbot.bot.cli.main import main


def test_check_json_valid(capsys):
    assert main(["spf", "check", "--json", "v=spf1 a include:_spf.broadspeed.de -all"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["errors"] == [] and data["warnings"] == []
    assert data["dns_lookups"] == 2
    assert [t["text"] for t in data["terms"]] == ["a", "include:_spf.broadspeed.de", "-all"]
    assert set(data["terms"][0]) == {"text", "qualifier", "name", "value", "explanation"}


def test_check_json_invalid_exits_1(capsys):
    assert main(["spf", "check", "--json", "v=spf1 ip4:1.2.3 -all"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False
    assert data["errors"][0] == {
        "code": "syntax",
        "message": "ip4:1.2.3: „1.2.3“ ist keine gültige IPv4-Adresse (vier Zahlen von 0 bis 255, ohne führende Nullen).",
        "term": "ip4:1.2.3",
    }


def test_check_readable_report(capsys):
    assert main(["spf", "check", "v=spf1 a mx ptr include:_spf.broadspeed.de +all"]) == 0
    out = capsys.readouterr().out
    assert "Warnung: „+all“ erlaubt jedem Server der Welt" in out
    assert "ptr" in out and "veraltet" in out
    assert "DNS-Abfragen dieses Eintrags: bis zu 4 von höchstens 10" in out


def test_build_zone_line(capsys):
    assert main(["spf", "build", "--domain", "example.de"]) == 0
    assert capsys.readouterr().out.strip() == 'example.de.  IN  TXT  "v=spf1 a include:_spf.broadspeed.de -all"'


def test_build_json_with_options(capsys):
    args = ["spf", "build", "--domain", "example.de", "--no-a", "--mx", "--ip4", "192.0.2.1", "--include", "spf.example.com"]
    assert main([*args, "--policy", "~all", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["record"] == "v=spf1 mx ip4:192.0.2.1 include:_spf.broadspeed.de include:spf.example.com ~all"
    assert data["zone_line"] == f'example.de.  IN  TXT  "{data["record"]}"'


def test_build_bad_input(capsys):
    assert main(["spf", "build", "--domain", "example.de", "--ip4", "1.2.3.999"]) == 2
    assert "Fehler: IPv4:" in capsys.readouterr().err


def test_check_refuses_non_ascii_digits_with_a_message(capsys):
    # "²" passes str.isdigit() and once crashed int(); only 0-9 are digits in SPF.
    assert main(["spf", "check", "v=spf1 ip4:1.2.3.² -all"]) == 1
    out = capsys.readouterr().out
    assert "Ungültig." in out
    assert "„1.2.3.²“ ist keine gültige IPv4-Adresse" in out


def test_build_refuses_non_ascii_digits(capsys):
    assert main(["spf", "build", "--domain", "example.de", "--ip4", "١٩٢.٠.٢.١"]) == 2
    assert "keine gültige IPv4-Adresse" in capsys.readouterr().err
