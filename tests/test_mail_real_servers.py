"""The connection test against Debian's Dovecot (IMAP, POP3) and Postfix (SMTP) on 127.0.0.1,
each report compared field by field with `openssl s_client` on the same server.

Every server configuration starts once for the module and is stopped at its end. The
ports stand for the standard ones: IMAP 143/993, POP3 110/995, SMTP 25/587/465.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from realmail import Certificate, RealServer, dovecot_unavailable, postfix_unavailable, start_dovecot, start_postfix

from faqbot.bot.helpers.mailconn import check_connection

# One xdist worker for this module: its fixture starts every selected scenario at once, and with the
# module split over two workers both started them all, on ports found free a moment before
# (free_ports), so one worker's servers took the other's ports ("Address already in use").
pytestmark = pytest.mark.xdist_group("real-mail-servers")

DOVECOT_MISSING = dovecot_unavailable()
POSTFIX_MISSING = postfix_unavailable()

HOST = "127.0.0.1"
# name in the server's port map → (standard port it stands for, protocol, mode)
PORTS = {
    "imap": (143, "imap", "starttls"),
    "imaps": (993, "imap", "tls"),
    "pop3": (110, "pop3", "starttls"),
    "pop3s": (995, "pop3", "tls"),
    "smtp": (25, "smtp", "starttls"),
    "submission": (587, "smtp", "starttls"),
    "smtps": (465, "smtp", "tls"),
}
DOVECOT_PORTS = ("imap", "imaps", "pop3", "pop3s")
POSTFIX_PORTS = ("smtp", "submission", "smtps")
STARTTLS_PORTS = ("imap", "pop3", "smtp", "submission")


@dataclass(frozen=True)
class Scenario:
    cert: str  # which certificate the server sends
    dovecot: dict
    postfix: dict
    ports: tuple[str, ...] = tuple(PORTS)


SCENARIOS = {
    "valid": Scenario("valid", {}, {}),
    "expired": Scenario("expired", {}, {}),
    "wrong-name": Scenario("wrong-name", {}, {}),
    "self-signed": Scenario("self-signed", {}, {}),
    "missing-intermediate": Scenario("missing-intermediate", {}, {}),
    "tls1.2-only": Scenario("valid", {"tls_max": "TLSv1.2"}, {"protocols": "TLSv1.2"}),
    "tls1.3-only": Scenario("valid", {"tls_min": "TLSv1.3"}, {"protocols": ">=TLSv1.3"}),
    # Old servers: OpenSSL allows TLS 1.0 only at security level 0.
    "tls1.0-only": Scenario(
        "valid",
        {"tls_min": "TLSv1", "tls_max": "TLSv1", "extra": "ssl_cipher_list = ALL:@SECLEVEL=0"},
        {
            "protocols": "TLSv1",
            "extra": "smtpd_tls_ciphers = low\nsmtpd_tls_mandatory_ciphers = low\ntls_low_cipherlist = ALL:@SECLEVEL=0",
        },
    ),
    "no-starttls": Scenario("valid", {"tls": False}, {"starttls": False}, STARTTLS_PORTS),
    "starttls-fails": Scenario("valid", {"broken_tls": True}, {"broken_tls": True}),
}
_NO_ISSUER = {"unable to get local issuer certificate", "unable to verify the first certificate"}
CHAIN_ERRORS = dict.fromkeys(_NO_ISSUER, _NO_ISSUER)
CASES = [(name, port) for name, scenario in SCENARIOS.items() for port in scenario.ports]


def _case(scenario: str, port_name: str):
    # Skipped only where the server cannot run here, and the reason says why.
    missing = DOVECOT_MISSING if port_name in DOVECOT_PORTS else POSTFIX_MISSING
    return pytest.param(
        scenario,
        port_name,
        id=f"{scenario}-{port_name}",
        marks=pytest.mark.skipif(missing is not None, reason=missing or ""),
    )


def _self_signed(folder: Path) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address(HOST))]), False)
        .sign(key, hashes.SHA256())
    )
    chain, key_file = folder / "self-signed.pem", folder / "self-signed.key"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(chain, key_file)


def _issued(folder: Path, name: str, leaf: trustme.LeafCert, send_chain: bool = True) -> Certificate:
    chain, key = folder / f"{name}.pem", folder / f"{name}.key"
    pems = leaf.cert_chain_pems if send_chain else leaf.cert_chain_pems[:1]
    chain.write_bytes(b"".join(pem.bytes() for pem in pems))
    leaf.private_key_pem.write_to_path(str(key))
    return Certificate(chain, key)


@pytest.fixture(scope="module")
def workdir():
    # Not tmp_path: Postfix's and Dovecot's unprivileged processes must be able to walk into it.
    folder = Path(tempfile.mkdtemp(prefix="faqbot-mail-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def cafile(ca, workdir):
    path = workdir / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="module")
def certificates(ca, workdir) -> dict[str, Certificate]:
    now = datetime.now(UTC)
    folder = workdir / "certs"
    folder.mkdir()
    certificates = {
        "valid": _issued(folder, "valid", ca.issue_cert(HOST)),
        "expired": _issued(
            folder, "expired", ca.issue_cert(HOST, not_before=now - timedelta(days=400), not_after=now - timedelta(days=5))
        ),
        "wrong-name": _issued(folder, "wrong-name", ca.issue_cert("mail.example.com")),
        "self-signed": _self_signed(folder),
        "missing-intermediate": _issued(folder, "missing", ca.create_child_ca().issue_cert(HOST), send_chain=False),
    }
    for path in folder.iterdir():
        path.chmod(0o644)
    return certificates


@pytest.fixture(scope="module")
def servers(request, workdir, certificates):
    """scenario name → {port name: port}. Every scenario this run selected starts at once, Dovecot and
    Postfix side by side, and is waited for together: the module's time is mostly start-up."""
    wanted = {
        (item.callspec.params["scenario"], item.callspec.params["port_name"] in DOVECOT_PORTS)
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }
    started: dict[str, list[RealServer]] = {}
    try:
        for name in sorted({name for name, _ in wanted}):
            scenario = SCENARIOS[name]
            cert = certificates[scenario.cert]
            started[name] = []
            if (name, True) in wanted and DOVECOT_MISSING is None:
                started[name].append(start_dovecot(workdir / name / "dovecot", cert, wait=False, **scenario.dovecot))
            if (name, False) in wanted and POSTFIX_MISSING is None:
                started[name].append(start_postfix(workdir / name / "postfix", cert, wait=False, **scenario.postfix))
        for group in started.values():
            for server in group:
                server.wait_ready()
        yield lambda name: {port: number for server in started[name] for port, number in server.ports.items()}
    finally:
        processes = [server for group in started.values() for server in group]
        for process in processes:
            process.stop()
        assert all(process.process.poll() is not None for process in processes)


@dataclass
class OpenSSL:
    """What `openssl s_client` found on the same server."""

    handshake: bool
    protocol: str | None
    cipher: str | None
    verify_code: int | None
    verify_error: str | None
    cert: x509.Certificate | None
    greeting: str | None
    output: str


def s_client(port: int, protocol: str, mode: str, cafile: str) -> OpenSSL:
    command = ["openssl", "s_client", "-connect", f"{HOST}:{port}", "-verify_ip", HOST, "-CAfile", cafile]
    command += ["-ign_eof", "-nocommands"]  # wait for the server's answer to LOGOUT/QUIT, so its greeting is seen
    if mode == "starttls":
        command += ["-starttls", protocol]
    goodbye = b"a LOGOUT\r\n" if protocol == "imap" else b"QUIT\r\n"
    run = subprocess.run(command, input=goodbye, capture_output=True, timeout=30, check=False)
    out = run.stdout.decode("utf-8", "replace")
    text = out + run.stderr.decode("utf-8", "replace")
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    # "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" (a TLS 1.3 session block may never come)
    new = re.search(r"^New, (\S+), Cipher is (\S+)", out, re.M)
    verify = re.search(r"Verify return code: (\d+) \(([^)]*)\)", out)
    found = re.search(r"^(?:\* OK|\+OK|220).*?(?=\r?$)", out, re.M) if mode == "tls" else None
    greeting = found.group(0) if found else None
    handshake = bool(new and new.group(2) != "(NONE)")
    return OpenSSL(
        handshake=handshake,
        protocol=new.group(1) if handshake else None,
        cipher=new.group(2) if handshake else None,
        verify_code=int(verify.group(1)) if verify and handshake else None,
        verify_error=verify.group(2) if verify and handshake else None,
        cert=x509.load_pem_x509_certificate(pem.group(0).encode()) if pem else None,
        greeting=greeting,
        output=text,
    )


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*san.get_values_for_type(x509.DNSName), *map(str, san.get_values_for_type(x509.IPAddress))]


@pytest.mark.parametrize(("scenario", "port_name"), [_case(*case) for case in CASES])
def test_report_agrees_with_openssl(servers, cafile, scenario, port_name):
    standard, protocol, mode = PORTS[port_name]
    port = servers(scenario)[port_name]
    # As `faqbot ports test` without --protocol does: the greeting decides.
    report = check_connection(HOST, port, mode=mode, cafile=cafile, timeout=15)
    peer = s_client(port, protocol, mode, cafile)
    context = f"{scenario} on {port_name} ({standard}): {report.error}\n{peer.output[-1500:]}"

    if mode == "starttls" or peer.handshake:
        assert report.protocol == protocol, context
    assert report.connect_ms is not None, context
    assert f"-CAfile {cafile}" in report.openssl and f"-verify_ip {HOST}" in report.openssl
    assert (report.tls_version is not None) == peer.handshake, context
    if peer.handshake:
        assert report.tls_version == peer.protocol, context
        assert report.cipher == peer.cipher, context
        cert = report.cert
        assert cert is not None, context
        assert cert.san == _names(peer.cert), context
        assert cert.issuer == peer.cert.issuer.rfc4514_string(), context
        assert cert.subject == peer.cert.subject.rfc4514_string(), context
        assert cert.not_after == peer.cert.not_valid_after_utc.isoformat(), context
        chain_ok = peer.verify_code == 0 or peer.verify_error == "IP address mismatch"
        assert cert.verified == chain_ok, context
        assert cert.hostname_match == (HOST in _names(peer.cert)), context
        # The verdict: OK exactly when openssl verifies chain, dates and name.
        assert report.ok == (peer.verify_code == 0), context
        if mode == "tls":
            assert report.greeting == peer.greeting, context
        if peer.verify_code not in (0, 10, 64):  # 10: expired, 64: name; each has its own sentence
            # s_client and Python's ssl word a missing intermediate differently (codes 21 and 20).
            same = CHAIN_ERRORS.get(peer.verify_error, {peer.verify_error})
            assert any(words in report.error for words in same), context
    else:
        assert not report.ok and report.cert is None, context
    # The "Zum Nachprüfen" command itself, run as printed, comes to the same verdict on the chain and name.
    printed = subprocess.run(shlex.split(report.openssl), input=b"", capture_output=True, timeout=30, check=False)
    verdict = printed.stderr.decode("utf-8", "replace")
    if peer.handshake and peer.verify_code == 0:
        assert "Verification: OK" in verdict, verdict
    elif peer.handshake:
        assert "Verification error: " + peer.verify_error in verdict, verdict
    _check_wording(scenario, port_name, report, peer)


def _check_wording(scenario: str, port_name: str, report, peer: OpenSSL) -> None:
    """The German sentence fits what happened on this server, the same way for Dovecot and Postfix."""
    _, protocol, mode = PORTS[port_name]
    error = report.error or ""
    if scenario in ("valid", "tls1.2-only", "tls1.3-only"):
        assert report.ok, error
        assert report.tls_version == {"tls1.2-only": "TLSv1.2", "tls1.3-only": "TLSv1.3"}.get(scenario, report.tls_version)
    elif scenario == "expired":
        assert error.startswith("Das Zertifikat des Servers ist abgelaufen (seit 5 Tagen, am "), error
        assert report.cert.days_left == -5 and report.cert.expired
    elif scenario == "wrong-name":
        assert error == f"Das Zertifikat lautet auf mail.example.com, nicht auf {HOST}.", error
    elif scenario in ("self-signed", "missing-intermediate"):
        assert error.startswith("Das Zertifikat ist nicht vertrauenswürdig ("), error
    elif scenario == "tls1.0-only":
        # Dovecot and Postfix refuse a modern handshake differently; the sentence is the same.
        assert error.endswith("Der Server bietet nur TLSv1 an; sicher ist erst TLS 1.2 oder neuer."), error
        assert error.startswith(f"Die Verbindung zu {HOST}:{report.port} stand"), error
    elif scenario == "no-starttls":
        assert error.startswith("Der Server bietet auf diesem Port kein STARTTLS an"), error
        assert report.greeting is not None
    elif scenario == "starttls-fails":
        if mode == "tls":
            assert error.startswith(f"Die Verbindung zu {HOST}:{report.port} stand, aber TLS kam nicht zustande"), error
        elif protocol == "smtp":
            # Postfix says so before agreeing: 454 instead of 220.
            assert error.startswith("Der SMTP-Server lehnt STARTTLS ab: 454 4.7.0 TLS not available"), error
        else:
            # Dovecot agrees, then says in plain text that TLS failed: that reply is quoted.
            assert "hat STARTTLS angenommen, aber TLS kam nicht zustande" in error, error
            assert "TLS initialization failed" in error, error
