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
from faqbot.bot.helpers.mailconn import HostNotAllowed, check_allowed, check_connection, openssl_command


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
    assert "Das Zertifikat lautet auf mail.s012.wsp.plusnet.de, nicht auf localhost" in report.error
    assert "alle 12 Monate" in report.error  # the FAQ's advice


def test_expired_certificate(serve, ca, cafile):
    now = datetime.now(UTC)
    expired = ca.issue_cert("localhost", not_before=now - timedelta(days=400), not_after=now - timedelta(days=3))
    port = serve("pop3", "tls", server_context(expired))
    report = check_connection("localhost", port, protocol="pop3", mode="tls", cafile=cafile, timeout=5)
    assert not report.ok
    assert report.cert.days_left < 0
    assert "abgelaufen" in report.error


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
    assert "spricht zuerst unverschlüsselt" in report.error and "STARTTLS" in report.error


def test_unknown_host():
    report = check_connection("mail.does-not-exist.invalid", 993, timeout=3)
    assert not report.ok and "unbekannt (DNS)" in report.error


def test_mode_and_protocol_follow_the_port():
    report = check_connection("127.0.0.1", free_port(), timeout=1)
    assert (report.protocol, report.mode) == ("smtp", "tls")
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
        "openssl s_client -connect mail.s012.wsp.plusnet.de:587 -servername mail.s012.wsp.plusnet.de -starttls smtp -brief"
    )


def test_served_mode_allows_only_provider_mail_hosts():
    check_allowed("mail.s012.wsp.plusnet.de", 993)
    check_allowed("MAIL.S012.WSP.PLUSNET.DE.", 587)
    for host, port in [
        ("127.0.0.1", 993),
        ("mail.example.de", 993),
        ("mail.s012.wsp.plusnet.de.evil.com", 993),
        ("mail.s012.wsp.plusnet.de", 22),
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
    }
    assert set(data["cert"]) == {"subject", "san", "issuer", "not_after", "days_left", "hostname_match", "verified"}


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
    assert "mindestens TLS 1.2" in report.error
