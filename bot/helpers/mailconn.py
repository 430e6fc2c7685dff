"""A real connection test to a mail server: TCP, the protocol's greeting, STARTTLS or
implicit TLS, and the certificate — each failure put into German words.

Standard library sockets and ssl only; the certificate is parsed with
cryptography so the report can say which name it carries even when
verification fails. Every step is bounded by one overall deadline.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from faqbot.bot.helpers.ports import CERTIFICATE_WARNING

IMPLICIT_TLS_PORTS = {465: "smtp", 993: "imap", 995: "pop3"}
STARTTLS_PORTS = {25: "smtp", 587: "smtp", 143: "imap", 110: "pop3"}
MAIL_PORTS = frozenset(IMPLICIT_TLS_PORTS) | frozenset(STARTTLS_PORTS)
DEFAULT_TIMEOUT = 10.0
PROVIDER_HOST_PATTERN = r"mail\.s\d+\.wsp\.plusnet\.de"
_OPENSSL_STARTTLS = {"smtp": "smtp", "imap": "imap", "pop3": "pop3"}


@dataclass(slots=True)
class CertificateInfo:
    subject: str
    san: list[str]
    issuer: str
    not_after: str  # ISO 8601, UTC
    days_left: int
    hostname_match: bool
    verified: bool


@dataclass(slots=True)
class ConnectionReport:
    host: str
    port: int
    protocol: str
    mode: str  # "tls" | "starttls"
    ok: bool = False
    connect_ms: float | None = None
    greeting: str | None = None
    tls_version: str | None = None
    cipher: str | None = None
    cert: CertificateInfo | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    openssl: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("warnings")
        data.pop("openssl")
        return data

    @property
    def heading(self) -> str:
        mode = "SSL/TLS" if self.mode == "tls" else "STARTTLS"
        return f"{self.host}:{self.port} ({self.protocol.upper()}, {mode})"

    @property
    def facts(self) -> list[str]:
        """What the test found, one German line each (for the terminal and the screen alike)."""
        lines = []
        if self.connect_ms is not None:
            lines.append(f"Verbindungsaufbau: {self.connect_ms:.0f} ms")
        if self.greeting:
            lines.append(f"Begrüßung: {self.greeting}")
        if self.tls_version:
            lines.append(f"TLS: {self.tls_version}, {self.cipher}")
        if self.cert:
            cert = self.cert
            lines.append(f"Zertifikat für: {', '.join(cert.san) or cert.subject}")
            lines.append(f"Ausgestellt von: {cert.issuer}")
            lines.append(f"Gültig bis: {cert.not_after[:10]} (noch {cert.days_left} Tage)")
            lines.append(
                f"Name passt: {'ja' if cert.hostname_match else 'nein'} · vertrauenswürdig: {'ja' if cert.verified else 'nein'}"
            )
        return lines

    @property
    def verdict(self) -> str:
        return "Ergebnis: OK. Die Verbindung funktioniert und ist sicher." if self.ok else f"Ergebnis: Fehler – {self.error}"


class ConnectionProblem(Exception):
    """A failure to report to the user (the message is German)."""


class HostNotAllowed(ValueError):
    """In served (public) mode, only the provider's mail hosts on mail ports may be tested."""


def check_allowed(host: str, port: int, pattern: str = PROVIDER_HOST_PATTERN) -> None:
    """Raise HostNotAllowed unless host matches the provider pattern and port is a mail port."""
    if not re.fullmatch(pattern, host.strip().lower().rstrip(".")):
        raise HostNotAllowed(
            f"Getestet werden können hier nur die Mailserver von Plusnet (mail.s0xx.wsp.plusnet.de), nicht „{host}“."
        )
    if port not in MAIL_PORTS:
        raise HostNotAllowed(f"Getestet werden können hier nur die Mail-Ports ({', '.join(map(str, sorted(MAIL_PORTS)))}).")


def default_protocol(port: int) -> str:
    return IMPLICIT_TLS_PORTS.get(port) or STARTTLS_PORTS.get(port) or "smtp"


def default_mode(port: int) -> str:
    return "starttls" if port in STARTTLS_PORTS else "tls"


def openssl_command(host: str, port: int, protocol: str, mode: str) -> str:
    command = f"openssl s_client -connect {host}:{port} -servername {host}"
    if mode == "starttls":
        command += f" -starttls {_OPENSSL_STARTTLS[protocol]}"
    return command + " -brief"


class _Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return remaining


class _Lines:
    """Line-wise reading from a socket, each read bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline):
        self.sock, self.deadline, self.buffer = sock, deadline, b""

    def line(self) -> str:
        while b"\n" not in self.buffer:
            self.sock.settimeout(self.deadline.left())
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionProblem("Der Server hat die Verbindung beendet.")
            self.buffer += chunk
            if len(self.buffer) > 65536:
                raise ConnectionProblem("Der Server sendet keine gültigen Protokollzeilen.")
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    def send(self, text: str) -> None:
        self.sock.settimeout(self.deadline.left())
        self.sock.sendall(text.encode("ascii") + b"\r\n")


def _smtp_reply(lines: _Lines) -> list[str]:
    reply = [lines.line()]
    while len(reply[-1]) > 3 and reply[-1][3] == "-":
        reply.append(lines.line())
    return reply


def _greeting(lines: _Lines, protocol: str) -> str:
    if protocol == "smtp":
        reply = _smtp_reply(lines)
        if not reply[0].startswith("220"):
            raise ConnectionProblem(f"Unerwartete Begrüßung des SMTP-Servers: {reply[0][:120]}")
        return reply[0]
    line = lines.line()
    expected = "* OK" if protocol == "imap" else "+OK"
    if not line.startswith(expected):
        raise ConnectionProblem(f"Unerwartete Begrüßung des {protocol.upper()}-Servers: {line[:120]}")
    return line


def _starttls(lines: _Lines, protocol: str) -> None:
    """Speak the protocol's own STARTTLS dialogue on the plaintext connection."""
    not_offered = ConnectionProblem(
        "Der Server bietet auf diesem Port kein STARTTLS an: Die Verbindung wäre unverschlüsselt. "
        "Nutzen Sie einen Port mit SSL/TLS (465, 993, 995)."
    )
    if protocol == "smtp":
        lines.send("EHLO faqbot.invalid")
        reply = _smtp_reply(lines)
        if not reply[0].startswith("250"):
            raise ConnectionProblem(f"Der SMTP-Server lehnt EHLO ab: {reply[0][:120]}")
        if not any(line[4:].strip().upper().startswith("STARTTLS") for line in reply):
            raise not_offered
        lines.send("STARTTLS")
        reply = _smtp_reply(lines)
        if not reply[0].startswith("220"):
            raise ConnectionProblem(f"Der SMTP-Server lehnt STARTTLS ab: {reply[0][:120]}")
    elif protocol == "imap":
        lines.send("a1 CAPABILITY")
        capabilities = ""
        while True:
            line = lines.line()
            if line.startswith("* CAPABILITY"):
                capabilities = line.upper()
            elif line.startswith("a1 "):
                break
        if "STARTTLS" not in capabilities.split():
            raise not_offered
        lines.send("a2 STARTTLS")
        while not (line := lines.line()).startswith("a2 "):
            pass
        if not line.upper().startswith("A2 OK"):
            raise ConnectionProblem(f"Der IMAP-Server lehnt STARTTLS ab: {line[:120]}")
    else:
        lines.send("CAPA")
        first = lines.line()
        pop_capabilities = []
        if first.startswith("+OK"):
            while (line := lines.line()) != ".":
                pop_capabilities.append(line.strip().upper())
        if "STLS" not in pop_capabilities:
            raise not_offered
        lines.send("STLS")
        line = lines.line()
        if not line.startswith("+OK"):
            raise ConnectionProblem(f"Der POP3-Server lehnt STLS ab: {line[:120]}")
    if lines.buffer:
        raise ConnectionProblem("Der Server hat vor dem TLS-Handshake unerwartete Daten gesendet.")


def _name_matches(host: str, names: list[str]) -> bool:
    """RFC 6125 matching: exact, or one wildcard as the whole leftmost label."""
    host = host.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _certificate_info(der: bytes, host: str, verified: bool) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        san_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san_ext.get_values_for_type(x509.DNSName)
        ip_names = [str(ip) for ip in san_ext.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ip_names = [], []
    try:
        match = str(ipaddress.ip_address(host)) in ip_names
    except ValueError:
        match = _name_matches(host, dns_names)
    not_after = cert.not_valid_after_utc
    days_left = (not_after - datetime.now(UTC)).days
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        san=[*dns_names, *ip_names],
        issuer=cert.issuer.rfc4514_string(),
        not_after=not_after.isoformat(),
        days_left=days_left,
        hostname_match=match,
        verified=verified,
    )


def _handshake(
    host: str, port: int, protocol: str, mode: str, context: ssl.SSLContext, deadline: _Deadline, report: ConnectionReport
) -> ssl.SSLSocket:
    """One connection up to the finished TLS handshake; returns the TLS socket."""
    started = time.monotonic()
    sock = socket.create_connection((host, port), timeout=deadline.left())
    if report.connect_ms is None:
        report.connect_ms = round((time.monotonic() - started) * 1000, 1)
    try:
        if mode == "starttls":
            lines = _Lines(sock, deadline)
            greeting = _greeting(lines, protocol)
            report.greeting = report.greeting or greeting
            _starttls(lines, protocol)
        sock.settimeout(deadline.left())
        tls = context.wrap_socket(sock, server_hostname=host)
        return tls
    except BaseException:
        sock.close()
        raise


def check_connection(
    host: str,
    port: int,
    *,
    protocol: str | None = None,
    mode: str | None = None,
    cafile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ConnectionReport:
    """Connect, greet, secure and inspect. Never raises; ``report.error`` says what went wrong."""
    protocol = protocol or default_protocol(port)
    mode = mode or default_mode(port)
    report = ConnectionReport(host, port, protocol, mode, openssl=openssl_command(host, port, protocol, mode))
    deadline = _Deadline(timeout)
    try:
        _run(report, cafile, deadline)
    except ConnectionProblem as problem:
        report.error = str(problem)
    except TimeoutError:
        report.error = _timeout_message(report)
    except socket.gaierror:
        report.error = (
            f"Der Servername „{host}“ ist unbekannt (DNS). Bitte prüfen Sie die Schreibweise, z. B. mail.s012.wsp.plusnet.de."
        )
    except ConnectionRefusedError:
        report.error = f"Der Server {host} nimmt auf Port {port} keine Verbindungen an (abgelehnt)."
    except ssl.SSLError as error:
        report.error = _tls_message(report, error)
    except OSError as error:
        report.error = f"Keine Verbindung zu {host}:{port}: {error.strerror or error}."
    report.ok = report.error is None
    return report


def _run(report: ConnectionReport, cafile: str | None, deadline: _Deadline) -> None:
    verifying = ssl.create_default_context(cafile=cafile)
    verifying.check_hostname = False  # the name is checked separately, so the report can tell chain and name apart
    verified, verify_problem = True, ""
    try:
        tls = _handshake(report.host, report.port, report.protocol, report.mode, verifying, deadline, report)
    except ssl.SSLCertVerificationError as error:
        verified = False
        verify_problem = error.verify_message or str(error)
        inspecting = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        inspecting.check_hostname = False
        inspecting.verify_mode = ssl.CERT_NONE  # only to read which certificate the server sends
        tls = _handshake(report.host, report.port, report.protocol, report.mode, inspecting, deadline, report)
    with tls:
        report.tls_version = tls.version()
        cipher = tls.cipher()
        report.cipher = cipher[0] if cipher else None
        der = tls.getpeercert(binary_form=True)
        if report.mode == "tls":
            report.greeting = _greeting(_Lines(tls, deadline), report.protocol)
    if der:
        report.cert = _certificate_info(der, report.host, verified)
    if report.tls_version in ("SSLv3", "TLSv1", "TLSv1.1"):
        report.warnings.append(f"Der Server bietet nur {report.tls_version} an; sicher ist erst TLS 1.2 oder neuer.")
        report.error = report.error or f"Veraltete Verschlüsselung: {report.tls_version} (mindestens TLS 1.2 nötig)."
    cert = report.cert
    if cert is None:
        report.error = "Der Server hat kein Zertifikat gesendet."
    elif cert.days_left < 0:
        report.error = f"Das Zertifikat des Servers ist seit {-cert.days_left} Tag(en) abgelaufen ({cert.not_after[:10]})."
    elif not cert.hostname_match:
        names = ", ".join(cert.san) or cert.subject
        report.error = f"Das Zertifikat lautet auf {names}, nicht auf {report.host}. " + CERTIFICATE_WARNING.format(host=names)
    elif not verified:
        report.error = f"Das Zertifikat ist nicht vertrauenswürdig ({verify_problem})."
    elif cert.days_left < 14:
        report.warnings.append(f"Das Zertifikat läuft in {cert.days_left} Tag(en) ab.")


def _timeout_message(report: ConnectionReport) -> str:
    if report.connect_ms is None:
        message = f"Keine Antwort von {report.host}:{report.port} (Zeitüberschreitung beim Verbindungsaufbau)."
        if report.port == 25:
            message += " Viele Internetanbieter sperren Port 25 – nutzen Sie für den Versand 587 (STARTTLS) oder 465 (SSL/TLS)."
        return message
    if report.mode == "starttls" and report.greeting is None:
        return (
            "Der Server hat nach dem Verbindungsaufbau nichts gesendet (Zeitüberschreitung). "
            "Erwartet dieser Port vielleicht sofort TLS? Versuchen Sie den Modus SSL/TLS."
        )
    return f"Der Server {report.host}:{report.port} antwortet nicht rechtzeitig (Zeitüberschreitung)."


def _tls_message(report: ConnectionReport, error: ssl.SSLError) -> str:
    reason = getattr(error, "reason", None) or str(error)
    if report.mode == "tls" and reason in ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "HTTP_REQUEST", "RECORD_LAYER_FAILURE"):
        return (
            f"TLS-Handshake fehlgeschlagen: Port {report.port} spricht zuerst unverschlüsselt. "
            "Für diesen Port ist vermutlich STARTTLS richtig (z. B. 587 oder 143)."
        )
    if reason in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE"):
        # Python's default context offers TLS 1.2 and newer only, so this is how an old server shows.
        return "Der Server bietet keine sichere TLS-Version an (mindestens TLS 1.2 ist nötig)."
    return f"TLS-Handshake fehlgeschlagen ({reason})."
