"""The live SPF check against a real DNS server on 127.0.0.1 (dnslib), and one that never answers."""

from __future__ import annotations

import json
import time

import pytest
from dnszone import silent_nameserver, start_dns_server

from faqbot.bot.cli.main import main
from faqbot.bot.helpers.spf import SpfInputError
from faqbot.bot.helpers.spf_lookup import MAX_QUERIES, lookup, parse_nameserver


@pytest.fixture(scope="module")
def dns_server():
    server, address = start_dns_server()
    yield server, address
    server.stop()


@pytest.fixture
def nameserver(dns_server):
    return dns_server[1]


def warning_codes(report):
    return [finding.code for finding in report.warnings]


def codes(report):
    return [finding.code for finding in report.errors]


@pytest.mark.parametrize(
    ("ip", "result"),
    [
        ("192.0.2.10", "pass"),  # the domain's A record
        ("198.51.100.7", "pass"),  # through the include
        ("203.0.113.1", "fail"),  # -all
        ("2001:db8::1", "fail"),
    ],
)
def test_verdict_comes_from_pyspf(nameserver, ip, result):
    report = lookup("example.test", ip=ip, nameserver=nameserver, timeout=3)
    assert report.result == result
    assert report.record == "v=spf1 a include:inc.example.test -all"
    assert report.records == [report.record]  # the unrelated TXT record is not SPF
    assert report.dns_lookups == 2 and report.void_lookups == 0
    assert report.errors == []


def test_redirect_is_followed(nameserver):
    report = lookup("redir.test", ip="192.0.2.10", nameserver=nameserver, timeout=3)
    assert report.result == "pass"
    assert report.dns_lookups == 3  # redirect, then a and include of example.test


def test_record_split_into_strings_is_joined(nameserver):
    report = lookup("split.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.record == "v=spf1 ip4:192.0.2.1 include:inc.example.test -all"
    assert report.result == "pass"


def test_neutral(nameserver):
    report = lookup("neutral.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.result == "neutral"
    assert "neutral-all" in [w.code for w in report.warnings]


def test_loop_is_found_not_followed(nameserver):
    report = lookup("loop.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert "loop" in warning_codes(report)
    assert "loop.test → loop2.test → loop.test" in " ".join(f.message for f in report.warnings)
    assert report.result == "permerror"
    # The verdict is explained in German, with the reason pyspf found.
    assert codes(report) == ["result"]
    assert "mehr als 10 DNS-Abfragen" in report.errors[0].message


def test_more_than_ten_lookups_through_includes(nameserver):
    report = lookup("many.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.dns_lookups > 10
    assert "too-many-lookups" in warning_codes(report)
    assert report.evaluation_lookups > 10
    assert report.result == "permerror"


def test_the_static_count_is_a_worst_case_not_an_error(nameserver):
    # Suite case include-at-limit: eleven lookups if nothing matches, but this IP matches early.
    report = lookup("atlimit.test", ip="192.0.2.20", nameserver=nameserver, timeout=3)
    assert report.result == "pass"
    assert report.errors == []
    assert report.evaluation_lookups == 1
    (finding,) = [f for f in report.warnings if f.code == "too-many-lookups"]
    assert finding.message.startswith(f"Bis zu {report.dns_lookups}")
    assert report.dns_lookups > 10
    assert "wenn keine frühere Regel passt" in finding.message


def test_redirect_beside_all_is_no_loop(nameserver):
    # Suite case redirect-after-mechanisms1: with "all" present, redirect= is never used.
    report = lookup("redirall.test", ip="203.0.113.1", nameserver=nameserver, timeout=3)
    assert report.result == "softfail"
    assert report.errors == []
    assert "loop" not in warning_codes(report)
    assert report.dns_lookups == 0


def test_sender_and_helo_reach_the_macros(nameserver):
    with_them = lookup(sender="bob@macro.test", helo="mail.example", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert with_them.result == "pass"
    assert lookup("macro.test", ip="192.0.2.1", nameserver=nameserver, timeout=3).result == "fail"


@pytest.mark.parametrize(
    "identity",
    [
        {"sender": "x@A" + "1" * 63 + ".example.com"},  # a 64-character label
        {"sender": "x@A...example.com"},  # an empty label
        {"sender": "", "helo": "A2345678"},  # a HELO without a dot
        {"sender": "foo@[1.2.3.5]"},  # a domain literal
    ],
)
def test_domains_spf_cannot_look_up_give_none(nameserver, identity):
    report = lookup(ip="192.0.2.1", nameserver=nameserver, timeout=3, **identity)
    assert report.result == "none"
    assert codes(report) == ["domain"]


def test_an_included_record_with_errors_is_reported(nameserver):
    report = lookup("brokeninc.test", ip="203.0.113.1", nameserver=nameserver, timeout=3)
    assert report.result == "permerror"
    (finding,) = [f for f in report.warnings if f.code == "included-record"]
    assert "broken.test" in finding.message and "1.2.3" in finding.message


def test_an_included_record_not_reached_is_no_error(nameserver):
    report = lookup("brokeninc.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.result == "pass"
    assert report.errors == []
    assert "included-record" in warning_codes(report)


def test_mx_hosts_without_address_are_void_lookups(nameserver):
    report = lookup("mxnx.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.void_lookups == 3
    assert "void-lookups" in warning_codes(report)
    assert report.result == "permerror"


def test_more_than_ten_mx_names(nameserver):
    report = lookup("mxmany.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert "mx-limit" in warning_codes(report)
    assert report.result == "permerror"
    assert "mehr als 10 MX-Einträge" in report.errors[0].message


def test_a_chain_of_includes_is_followed_only_to_the_cap(dns_server):
    server, address = dns_server
    before = server.server.resolver.queries
    report = lookup("chain1.test", ip="203.0.113.1", nameserver=address, timeout=3)
    sent = server.server.resolver.queries - before
    assert report.result == "permerror"  # more than ten includes
    assert sent == report.queries
    assert 10 < sent <= MAX_QUERIES
    assert "too-many-lookups" in warning_codes(report)


def test_two_spf_records_are_a_permerror(nameserver):
    report = lookup("two.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert len(report.records) == 2
    assert "several-records" in codes(report)
    assert report.result == "permerror"


def test_void_lookups(nameserver):
    report = lookup("void.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.void_lookups == 3
    assert "void-lookups" in warning_codes(report)
    assert report.result == "permerror"


def test_no_record_is_none(nameserver):
    report = lookup("nospf.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.records == [] and report.record is None
    assert report.result == "none"
    assert codes(report) == ["no-record"]
    assert "kein SPF-Eintrag veröffentlicht" in report.errors[0].message


def test_a_domain_that_does_not_exist_is_said_so(nameserver):
    report = lookup("nx.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.result == "none"
    assert codes(report) == ["nxdomain"]
    assert "gibt es im DNS nicht" in report.errors[0].message


def test_servfail_is_unreachable_not_missing(nameserver):
    report = lookup("servfail.test", ip="192.0.2.1", nameserver=nameserver, timeout=3)
    assert report.result == "temperror"
    assert codes(report) == ["unreachable"]
    assert "SERVFAIL" in report.errors[0].message
    assert "nicht erreichbar" in report.errors[0].message
    assert "kein SPF-Eintrag veröffentlicht" not in report.errors[0].message


def test_silent_nameserver_times_out_in_time():
    sock, address = silent_nameserver()
    try:
        started = time.monotonic()
        report = lookup("example.test", ip="192.0.2.1", nameserver=address, timeout=1)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert report.result == "temperror"
    assert codes(report) == ["unreachable"]
    assert "Zeitüberschreitung" in report.errors[0].message
    assert "nicht erreichbar" in report.errors[0].message
    assert elapsed < 10  # bounded by the timeout, not hanging


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"domain": "nicht gültig"}, "domain"),
        ({"domain": "example.test", "ip": "999.1.1.1"}, "ip"),
        ({"domain": "example.test", "nameserver": "ns.example"}, "nameserver"),
    ],
)
def test_bad_input_is_a_message(kwargs, code):
    domain = kwargs.pop("domain")
    report = lookup(domain, timeout=1, **kwargs)
    assert codes(report) == [code]


def test_parse_nameserver():
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("192.0.2.53") == ("192.0.2.53", 53)
    assert parse_nameserver("[::1]:5353") == ("::1", 5353)
    assert parse_nameserver("::1") == ("::1", 53)
    with pytest.raises(SpfInputError):
        parse_nameserver("127.0.0.1:99999")


def test_cli_lookup_json(nameserver, capsys):
    code = main(["spf", "lookup", "example.test", "--ip", "203.0.113.1", "--nameserver", nameserver, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data == {
        "domain": "example.test",
        "sender": None,
        "helo": None,
        "records": ["v=spf1 a include:inc.example.test -all"],
        "record": "v=spf1 a include:inc.example.test -all",
        "result": "fail",
        "dns_lookups": 2,
        "void_lookups": 0,
        "evaluation_lookups": 2,
        "evaluation_void_lookups": 0,
        "queries": 3,
        "errors": [],
        "warnings": [
            {
                "code": "missing-provider",
                "message": "„include:_spf.broadspeed.de“ fehlt: Die Mailserver von Plusnet dürften dann nicht für Ihre Domain senden.",
                "term": None,
            }
        ],
    }


def test_cli_lookup_readable(nameserver, capsys):
    assert main(["spf", "lookup", "two.test", "--nameserver", nameserver]) == 1
    out = capsys.readouterr().out
    assert out.count("SPF-Eintrag: v=spf1") == 2
    assert "genau einer (permerror)" in out


def test_cli_lookup_with_sender_and_helo(nameserver, capsys):
    argv = ["spf", "lookup", "--sender", "bob@macro.test", "--helo", "mail.example", "--ip", "192.0.2.1"]
    assert main([*argv, "--nameserver", nameserver]) == 0
    out = capsys.readouterr().out
    assert "Domain: macro.test" in out
    assert "Ergebnis für 192.0.2.1 (Absender bob@macro.test, HELO mail.example): pass" in out


def test_cli_lookup_worst_case_is_a_warning_and_exits_0(nameserver, capsys):
    assert main(["spf", "lookup", "atlimit.test", "--ip", "192.0.2.20", "--nameserver", nameserver]) == 0
    out = capsys.readouterr().out
    assert "Ergebnis für 192.0.2.20: pass" in out
    assert "Diese Prüfung brauchte 1 DNS-Abfragen" in out
    assert "! Warnung: Bis zu" in out
    assert "Fehler" not in out


def test_cli_lookup_needs_a_domain(capsys):
    assert main(["spf", "lookup"]) == 2
    assert "Bitte geben Sie eine Domain an" in capsys.readouterr().err


def test_cli_lookup_sender_of_another_domain(nameserver, capsys):
    assert main(["spf", "lookup", "example.test", "--sender", "bob@macro.test", "--nameserver", nameserver]) == 1
    assert "gehört zu macro.test, nicht zu example.test" in capsys.readouterr().out


def test_an_expensive_evaluation_stops_at_the_cap(dns_server):
    server, address = dns_server
    before = server.server.resolver.queries
    report = lookup("mxheavy.test", ip="203.0.113.1", nameserver=address, timeout=3)
    assert server.server.resolver.queries - before == MAX_QUERIES
    assert report.result == "temperror"
    assert codes(report) == ["result"]
    assert f"nach {MAX_QUERIES} DNS-Abfragen abgebrochen" in report.errors[0].message


def test_an_address_within_the_cap_still_passes(nameserver):
    report = lookup("mxheavy.test", ip="198.51.100.3", nameserver=nameserver, timeout=3)
    assert report.result == "pass"
    assert report.errors == []
