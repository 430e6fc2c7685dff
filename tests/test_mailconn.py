"""The connection test against real servers on 127.0.0.1, certificates from trustme."""

from __future__ import annotations

import json
import ssl
import time
from datetime import UTC, datetime, timedelta

import pytest
import trustme
from mailservers import MailServer, free_port

from faqbot.bot.cli.main import main
from faqbot.bot.helpers.mailconn import (
    CertificateInfo,
    HostNameError,
    HostNotAllowed,
    _certificate_info,
    check_allowed,
    check_connection,
    name_mismatch_message,
    openssl_command,
    validate_host,
)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def cafile(ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(cert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


@pytest.fixture(scope="module")
def good_context(ca):
    return server_context(ca.issue_cert("localhost"))


@pytest.fixture
def serve():
    servers = []

    def start(protocol, behaviour, context=None):
        server = MailServer(protocol, behaviour, context)
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("protocol", ["imap", "pop3", "smtp"])
def test_implicit_tls(serve, good_context, cafile, protocol):
    port = serve(protocol, "tls", good_context)
    report = check_connection("localhost", port, protocol=protocol, mode="tls", cafile=cafile, timeout=5)
    assert report.ok, report.error
    assert report.tls_version in ("TLSv1.2", "TLSv1.3")
    assert report.cipher
    assert report.greeting.startswith({"imap": "* OK", "pop3": "+OK", "smtp": "220"}[protocol])
    assert report.connect_ms is not None and report.connect_ms >= 0
    assert report.cert.san == ["localhost"]
    assert report.cert.hostname_match and report.cert.verified
    assert report.cert.days_left > 300
    assert "trustme" in report.cert.issuer


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_starttls(serve, good_context, cafile, protocol):
    port = serve(protocol, "starttls", good_context)
    report = check_connection("localhost", port, protocol=protocol, mode="starttls", cafile=cafile, timeout=5)
    assert report.ok, report.error
    assert report.tls_version in ("TLSv1.2", "TLSv1.3")
    assert report.greeting.startswith({"imap": "* OK", "pop3": "+OK", "smtp": "220"}[protocol])
    assert f"-starttls {protocol}" in report.openssl


def test_untrusted_chain_without_cafile(serve, good_context):
    port = serve("imap", "tls", good_context)
    report = check_connection("localhost", port, protocol="imap", mode="tls", timeout=5)
    assert not report.ok
    assert report.cert is not None and not report.cert.verified  # still read and reported
    assert report.cert.san == ["localhost"]
    assert "nicht vertrauenswürdig" in report.error


def test_certificate_for_another_name(serve, ca, cafile):
    port = serve("imap", "tls", server_context(ca.issue_cert("mail.s012.wsp.plusnet.de")))
    report = check_connection("localhost", port, protocol="imap", mode="tls", cafile=cafile, timeout=5)
    assert not report.ok
    assert report.cert.verified and not report.cert.hostname_match
    assert report.cert.san == ["mail.s012.wsp.plusnet.de"]
    assert report.error == "Das Zertifikat lautet auf mail.s012.wsp.plusnet.de, nicht auf localhost."
    # localhost is no customer's mail.<domain>: the FAQ's advice would not be true here


def mismatch(host: str, names: list[str]) -> str:
    cert = CertificateInfo("CN=x", names, "CN=ca", "2027-01-01T00:00:00+00:00", 30, False, False, True)
    return name_mismatch_message(host, cert)


def test_customer_domain_advice_only_for_mail_dot_domain_with_the_providers_certificate():
    advice = mismatch("mail.example.de", ["mail.s012.wsp.plusnet.de"])
    assert advice.startswith("Das Zertifikat lautet auf mail.s012.wsp.plusnet.de, nicht auf mail.example.de.")
    assert "Tragen Sie im Mailprogramm mail.s012.wsp.plusnet.de als Server ein" in advice and "alle 12 Monate" in advice
    assert advice.count("mail.s012.wsp.plusnet.de") == 2  # the certificate's name once, the advice once
    for host, names in [
        ("imap.example.de", ["mail.s012.wsp.plusnet.de"]),  # not mail.<domain>
        ("mail.example.de", ["mail.example.com"]),  # not the provider's certificate
        ("mail.s013.wsp.plusnet.de", ["mail.s012.wsp.plusnet.de"]),  # the provider's own host
    ]:
        assert "12 Monate" not in mismatch(host, names)


def test_expired_certificate(serve, ca, cafile):
    now = datetime.now(UTC)
    expired = ca.issue_cert("localhost", not_before=now - timedelta(days=400), not_after=now - timedelta(days=3))
    port = serve("pop3", "tls", server_context(expired))
    report = check_connection("localhost", port, protocol="pop3", mode="tls", cafile=cafile, timeout=5)
    assert not report.ok
    assert report.cert.expired and report.cert.days_left == -3
    assert report.error.startswith("Das Zertifikat des Servers ist abgelaufen (seit 3 Tagen, am ")
    assert any(line.startswith("Gültig bis: ") and line.endswith("(abgelaufen, seit 3 Tagen)") for line in report.facts)
    assert not any("noch -" in line for line in report.facts)


def cert_der(ca, not_after: datetime) -> bytes:
    from cryptography import x509

    issued = ca.issue_cert("localhost", not_before=not_after - timedelta(days=400), not_after=not_after)
    return x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes()).public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER
    )


@pytest.mark.parametrize(
    ("end", "days", "shown"),
    [
        (datetime(2026, 11, 24, 9, 0, tzinfo=UTC), -5, "2026-11-24 (abgelaufen, seit 5 Tagen)"),
        (datetime(2026, 11, 28, 23, 0, tzinfo=UTC), -1, "2026-11-28 (abgelaufen, seit 1 Tag)"),
        (datetime(2026, 11, 29, 8, 0, tzinfo=UTC), 0, "2026-11-29 (abgelaufen, heute)"),
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), 0, "2026-11-29 (läuft heute ab)"),
        (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), 5, "2026-12-04 (noch 5 Tage)"),
        (datetime(2026, 12, 4, 23, 0, tzinfo=UTC), 5, "2026-12-04 (noch 5 Tage)"),
    ],
)
def test_calendar_days_count_the_same_way_both_directions(ca, end, days, shown):
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    info = _certificate_info(cert_der(ca, end), "localhost", True, now=now)
    assert (info.days_left, info.validity) == (days, shown)


def test_server_that_never_speaks_times_out_in_time(serve):
    port = serve("smtp", "silent")
    started = time.monotonic()
    report = check_connection("127.0.0.1", port, protocol="smtp", mode="starttls", timeout=1.5)
    assert time.monotonic() - started < 5
    assert not report.ok and report.connect_ms is not None
    assert "nichts gesendet" in report.error and "SSL/TLS" in report.error


def test_refused_port():
    report = check_connection("127.0.0.1", free_port(), protocol="imap", mode="tls", timeout=3)
    assert not report.ok
    assert "keine Verbindungen an (abgelehnt)" in report.error


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_starttls_not_offered(serve, good_context, protocol):
    port = serve(protocol, "no-starttls", good_context)
    report = check_connection("localhost", port, protocol=protocol, mode="starttls", timeout=5)
    assert not report.ok
    assert "kein STARTTLS" in report.error
    assert report.greeting is not None


def test_implicit_tls_against_a_plaintext_port(serve):
    port = serve("smtp", "plain")
    report = check_connection("127.0.0.1", port, protocol="smtp", mode="tls", timeout=5)
    assert not report.ok
    assert "spricht auf Port" in report.error and "zuerst unverschlüsselt (220 localhost" in report.error
    assert "STARTTLS" in report.error


def test_unknown_host():
    report = check_connection("mail.does-not-exist.invalid", 993, timeout=3)
    assert not report.ok and "unbekannt (DNS)" in report.error


def test_mode_and_protocol_follow_the_port():
    report = check_connection("127.0.0.1", free_port(), timeout=1)
    assert (report.protocol, report.mode) == (None, "tls")  # not guessed: no greeting was read
    assert "(Protokoll unbekannt, SSL/TLS)" in report.heading
    for port, expected in {
        993: ("imap", "tls"),
        995: ("pop3", "tls"),
        465: ("smtp", "tls"),
        587: ("smtp", "starttls"),
        25: ("smtp", "starttls"),
        143: ("imap", "starttls"),
        110: ("pop3", "starttls"),
    }.items():
        from faqbot.bot.helpers.mailconn import default_mode, default_protocol

        assert (default_protocol(port), default_mode(port)) == expected


def test_openssl_command():
    assert openssl_command("mail.s012.wsp.plusnet.de", 587, "smtp", "starttls") == (
        "openssl s_client -connect mail.s012.wsp.plusnet.de:587 -servername mail.s012.wsp.plusnet.de"
        " -verify_hostname mail.s012.wsp.plusnet.de -starttls smtp -brief"
    )
    assert openssl_command("127.0.0.1", 993, "imap", "tls", "/tmp/my ca.pem") == (
        "openssl s_client -connect 127.0.0.1:993 -verify_ip 127.0.0.1 -CAfile '/tmp/my ca.pem' -brief"
    )


def test_served_mode_allows_only_provider_mail_hosts():
    check_allowed("mail.s012.wsp.plusnet.de", 993)
    check_allowed("MAIL.S012.WSP.PLUSNET.DE.", 587)
    for host, port in [
        ("127.0.0.1", 993),
        ("mail.example.de", 993),
        ("mail.s012.wsp.plusnet.de.evil.com", 993),
        ("mail.s012.wsp.plusnet.de", 22),
        ("mail.s٠١٢.wsp.plusnet.de", 993),  # Arabic-Indic digits are no server number
    ]:
        with pytest.raises(HostNotAllowed):
            check_allowed(host, port)


def test_cli_json(serve, good_context, cafile, capsys):
    port = serve("imap", "tls", good_context)
    code = main(["ports", "test", "localhost", "--port", str(port), "--protocol", "imap", "--tls", "--cafile", cafile, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["ok"] is True and data["error"] is None
    assert set(data) == {
        "host",
        "port",
        "protocol",
        "mode",
        "ok",
        "connect_ms",
        "greeting",
        "tls_version",
        "cipher",
        "cert",
        "error",
        "warnings",
    }
    assert set(data["cert"]) == {"subject", "san", "issuer", "not_after", "days_left", "expired", "hostname_match", "verified"}


def test_cli_readable_failure(capsys):
    assert main(["ports", "test", "127.0.0.1", "--port", str(free_port()), "--timeout", "2"]) == 1
    out = capsys.readouterr().out
    assert "Ergebnis: Fehler" in out and "openssl s_client" in out


def test_tls_below_1_2_is_flagged(serve, ca, cafile):
    context = server_context(ca.issue_cert("localhost"))
    with pytest.warns(DeprecationWarning):
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")
    port = serve("imap", "tls", context)
    report = check_connection("localhost", port, protocol="imap", mode="tls", cafile=cafile, timeout=5)
    assert not report.ok
    assert report.error.endswith("Der Server bietet nur TLSv1.1 an; sicher ist erst TLS 1.2 oder neuer.")


@pytest.mark.parametrize(
    ("protocol", "reply"),
    [
        ("imap", "* BYE [UNAVAILABLE] TLS initialization failed."),
        ("pop3", "-ERR [SYS/TEMP] TLS initialization failed."),
        ("smtp", "421 4.7.0 TLS initialization failed"),
    ],
)
def test_starttls_that_fails_quotes_the_servers_reply(serve, good_context, cafile, protocol, reply):
    port = serve(protocol, "starttls-fails", good_context)
    report = check_connection("localhost", port, protocol=protocol, mode="starttls", cafile=cafile, timeout=5)
    assert not report.ok and report.cert is None
    assert "hat STARTTLS angenommen, aber TLS kam nicht zustande" in report.error
    assert report.error.endswith(f"Der Server antwortete statt mit TLS: {reply}")


def test_implicit_tls_to_a_server_that_closes_says_the_connection_stood(serve):
    port = serve("imap", "reset")
    report = check_connection("127.0.0.1", port, protocol="imap", mode="tls", timeout=5)
    assert not report.ok and report.connect_ms is not None
    assert report.error.startswith(f"Die Verbindung zu 127.0.0.1:{port} stand, aber TLS kam nicht zustande: ")
    assert "Keine Verbindung" not in report.error


def test_missing_cafile_is_named_as_the_problem(serve, good_context, tmp_path):
    port = serve("imap", "tls", good_context)
    report = check_connection("localhost", port, protocol="imap", mode="tls", cafile=str(tmp_path / "nope.pem"), timeout=5)
    assert report.error == f"Die CA-Datei „{tmp_path / 'nope.pem'}“ gibt es nicht. Bitte prüfen Sie den Pfad bei --cafile."
    assert report.connect_ms is None  # checked before connecting


def test_cafile_without_certificates_is_named_as_the_problem(serve, good_context, tmp_path):
    port = serve("imap", "tls", good_context)
    empty = tmp_path / "empty.pem"
    empty.write_text("kein Zertifikat\n")
    report = check_connection("localhost", port, protocol="imap", mode="tls", cafile=str(empty), timeout=5)
    assert report.error.startswith(f"Die CA-Datei „{empty}“ enthält keine lesbaren CA-Zertifikate")
    assert report.connect_ms is None


def test_json_carries_the_warnings(serve, ca, cafile, capsys):
    now = datetime.now(UTC)
    end = now + timedelta(days=4, hours=1)
    soon = ca.issue_cert("localhost", not_before=now - timedelta(days=300), not_after=end)
    port = serve("imap", "tls", server_context(soon))
    code = main(["ports", "test", "localhost", "--port", str(port), "--tls", "--cafile", cafile, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["ok"] is True
    # Calendar days: an hour past midnight UTC the same certificate has one day more.
    days = (end.date() - now.date()).days
    assert days in (4, 5)
    assert data["warnings"] == [f"Das Zertifikat läuft bald ab: {end.date().isoformat()} (noch {days} Tage)."]


@pytest.mark.parametrize(("protocol", "mode"), [("imap", "tls"), ("pop3", "tls"), ("smtp", "tls"), ("imap", "starttls")])
def test_protocol_is_recognised_from_the_greeting(serve, good_context, cafile, protocol, mode):
    port = serve(protocol, "tls" if mode == "tls" else "starttls", good_context)
    report = check_connection("localhost", port, mode=mode, cafile=cafile, timeout=5)
    assert report.ok, report.error
    assert report.protocol == protocol and report.cert.san == ["localhost"]
    if mode == "starttls":
        assert f"-starttls {protocol}" in report.openssl


def test_certificate_is_reported_even_when_the_greeting_is_wrong(serve, good_context, cafile):
    port = serve("pop3", "tls", good_context)
    report = check_connection("localhost", port, protocol="imap", mode="tls", cafile=cafile, timeout=5)
    assert report.error == "Unerwartete Begrüßung des IMAP-Servers: +OK POP3 Testserver bereit"
    assert report.cert is not None and report.cert.san == ["localhost"] and report.tls_version


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Mail.Example.DE.", "mail.example.de"),
        ("mail.müller.de", "mail.xn--mller-kva.de"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
    ],
)
def test_valid_host_names(host, expected):
    assert validate_host(host) == expected


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("..", "leeren Namensteil"),
        ("mail..example.de", "leeren Namensteil"),
        ("a" * 64 + ".de", "zu lang"),
        ("[b]x[/b].invalid", "Erlaubt sind"),
        ("mail example.de", "Erlaubt sind"),
        (".".join(["a" * 60] * 5), "253 Zeichen"),
        ("", "Bitte geben Sie einen Servernamen ein"),
    ],
)
def test_bad_host_names_get_a_german_reason(host, reason):
    with pytest.raises(HostNameError, match=reason):
        validate_host(host)


@pytest.mark.parametrize("host", ["..", "a" * 64 + ".de"])
def test_cli_bad_host_is_a_message_not_a_traceback(host, capsys):
    assert main(["ports", "test", host, "--port", "1"]) == 1
    out = capsys.readouterr().out
    assert "ist kein gültiger Servername" in out and "Traceback" not in out
