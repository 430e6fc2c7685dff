"""A real connection test to a mail server: TCP, the protocol's greeting, STARTTLS or
implicit TLS, and the certificate — each failure put into German words.

Standard library sockets and ssl only; TLS runs over memory BIOs so the report can
quote what a server sent instead of a handshake. The certificate is parsed with
cryptography so the report can say which name it carries even when verification
fails. Every step is bounded by one overall deadline.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import socket
import ssl
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

IMPLICIT_TLS_PORTS = {465: "smtp", 993: "imap", 995: "pop3"}
STARTTLS_PORTS = {25: "smtp", 587: "smtp", 143: "imap", 110: "pop3"}
MAIL_PORTS = frozenset(IMPLICIT_TLS_PORTS) | frozenset(STARTTLS_PORTS)
DEFAULT_TIMEOUT = 10.0
# ASCII digits only: \d would also accept "٠١٢" and the like.
PROVIDER_HOST_PATTERN = r"mail\.s[0-9]+\.wsp\.plusnet\.de"
_OPENSSL_STARTTLS = {"smtp": "smtp", "imap": "imap", "pop3": "pop3"}
_GREETINGS = (("* OK", "imap"), ("+OK", "pop3"), ("220", "smtp"))
_OLD_TLS = ("SSLv3", "TLSv1", "TLSv1.1")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.ASCII)
# OpenSSL reasons that mean "the other side speaks no TLS here" or "no common TLS version".
_PLAINTEXT_REASONS = (
    "WRONG_VERSION_NUMBER",
    "UNKNOWN_PROTOCOL",
    "HTTP_REQUEST",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
)
_VERSION_REASONS = ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE")


@dataclass(slots=True)
class CertificateInfo:
    subject: str
    san: list[str]
    issuer: str
    not_after: str  # ISO 8601, UTC
    days_left: int  # calendar days (UTC) from today to the last valid day; negative once expired
    expired: bool
    hostname_match: bool
    verified: bool

    @property
    def validity(self) -> str:
        """The expiry date in words, the same count of calendar days as every other message."""
        date = self.not_after[:10]
        if self.expired:
            return f"{date} (abgelaufen, {_days_ago(self.days_left)})"
        if self.days_left == 0:
            return f"{date} (läuft heute ab)"
        return f"{date} (noch {self.days_left} {'Tag' if self.days_left == 1 else 'Tage'})"


def _days_ago(days_left: int) -> str:
    days = -days_left
    if days <= 0:
        return "heute"
    return f"seit {days} {'Tag' if days == 1 else 'Tagen'}"


@dataclass(slots=True)
class ConnectionReport:
    host: str
    port: int
    protocol: str | None  # None: not given, and the server's greeting was never read
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
    cafile: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("openssl")
        data.pop("cafile")
        return data

    @property
    def heading(self) -> str:
        mode = "SSL/TLS" if self.mode == "tls" else "STARTTLS"
        protocol = self.protocol.upper() if self.protocol else "Protokoll unbekannt"
        return f"{self.host}:{self.port} ({protocol}, {mode})"

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
            lines.append(f"Gültig bis: {cert.validity}")
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


class HostNameError(ValueError):
    """A host name that cannot be looked up; the message is German."""


def validate_host(text: str) -> str:
    """The host as it goes to DNS (ASCII, IDNA), or HostNameError saying what is wrong.

    Checked before any lookup: the socket layer would raise UnicodeError for an empty
    or over-long label, and that must never reach the user as a traceback.
    """
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    bad = f"„{text.strip()}“ ist kein gültiger Servername"
    name = host[:-1] if host.endswith(".") else host
    if not name:
        raise HostNameError("Bitte geben Sie einen Servernamen ein, z. B. mail.s012.wsp.plusnet.de.")
    labels = []
    for label in name.split("."):
        if not label:
            raise HostNameError(f"{bad}: Er enthält einen leeren Namensteil („..“ oder einen Punkt am Anfang).")
        try:
            ascii_label = label.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise HostNameError(f"{bad}: Der Namensteil „{label[:70]}“ ist zu lang oder enthält unzulässige Zeichen.") from None
        if len(ascii_label) > 63:
            raise HostNameError(f"{bad}: Ein Namensteil darf höchstens 63 Zeichen lang sein.")
        if not _LABEL.fullmatch(ascii_label) and not ascii_label.startswith("xn--"):
            raise HostNameError(f"{bad}: Erlaubt sind Buchstaben, Ziffern, Bindestriche und Punkte.")
        labels.append(ascii_label)
    ascii_host = ".".join(labels)
    if len(ascii_host) > 253:
        raise HostNameError(f"{bad}: Ein Servername darf höchstens 253 Zeichen lang sein.")
    return ascii_host


def check_allowed(host: str, port: int, pattern: str = PROVIDER_HOST_PATTERN) -> None:
    """Raise HostNotAllowed unless host matches the provider pattern and port is a mail port."""
    refused = HostNotAllowed(
        f"Getestet werden können hier nur die Mailserver von Plusnet (mail.s0xx.wsp.plusnet.de), nicht „{host}“."
    )
    try:
        name = validate_host(host).rstrip(".")
    except HostNameError:
        raise refused from None
    if not re.fullmatch(pattern, name, re.ASCII) or not name.isascii():
        raise refused
    if port not in MAIL_PORTS:
        raise HostNotAllowed(f"Getestet werden können hier nur die Mail-Ports ({', '.join(map(str, sorted(MAIL_PORTS)))}).")


def default_protocol(port: int) -> str:
    return IMPLICIT_TLS_PORTS.get(port) or STARTTLS_PORTS.get(port) or "smtp"


def default_mode(port: int) -> str:
    return "starttls" if port in STARTTLS_PORTS else "tls"


def openssl_command(host: str, port: int, protocol: str, mode: str, cafile: str | None = None) -> str:
    """The `openssl s_client` call that checks what faqbot checked: chain against the same CAs, and the name."""
    try:
        ip = str(ipaddress.ip_address(host))
    except ValueError:
        ip = None
    target = f"[{ip}]" if ip and ":" in ip else host
    command = f"openssl s_client -connect {shlex.quote(f'{target}:{port}')}"
    if ip:
        command += f" -verify_ip {ip}"
    else:
        command += f" -servername {shlex.quote(host)} -verify_hostname {shlex.quote(host)}"
    if cafile:
        command += f" -CAfile {shlex.quote(cafile)}"
    if mode == "starttls":
        command += f" -starttls {_OPENSSL_STARTTLS[protocol]}"
    return command + " -brief"


def protocol_from_greeting(line: str) -> str | None:
    """ "* OK" IMAP, "+OK" POP3, "220" SMTP; None for anything else."""
    for prefix, protocol in _GREETINGS:
        if line.startswith(prefix):
            return protocol
    return None


def cafile_problem(cafile: str) -> str | None:
    """Why the local CA file cannot be used (German), or None; checked before any connection."""
    shown = f"Die CA-Datei „{cafile}“"
    if not os.path.exists(cafile):
        return f"{shown} gibt es nicht. Bitte prüfen Sie den Pfad bei --cafile."
    if not os.path.isfile(cafile):
        return f"{shown} ist keine Datei."
    try:
        ssl.create_default_context(cafile=cafile)
    except PermissionError:
        return f"{shown} kann nicht gelesen werden (keine Berechtigung)."
    except (ssl.SSLError, ValueError, OSError):
        return f"{shown} enthält keine lesbaren CA-Zertifikate (erwartet: PEM, „-----BEGIN CERTIFICATE-----“)."
    return None


class _Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return remaining


class _TLSChannel:
    """TLS over memory BIOs on a connected socket: we see every byte the server sends,
    so a plaintext answer in place of a handshake can be quoted, not guessed at."""

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, host: str, deadline: _Deadline):
        self.sock, self.deadline = sock, deadline
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        server_hostname = None if _is_ip(host) else host
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_hostname=server_hostname)

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.sock.settimeout(self.deadline.left())
            self.sock.sendall(data)

    def _fill(self, first: bool) -> None:
        self.sock.settimeout(self.deadline.left())
        data = self.sock.recv(16384)
        if not data:
            raise ConnectionResetError("closed")
        if first and data[0] not in (0x15, 0x16):  # neither a TLS alert nor a handshake record
            raise _PlaintextReply(data)
        self.incoming.write(data)

    def handshake(self) -> None:
        first = True
        while True:
            try:
                self.tls.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                self._fill(first)
                first = False
            except ssl.SSLError:
                self._flush()  # let the server see our alert
                raise

    def recv(self, size: int) -> bytes:
        while True:
            try:
                return self.tls.read(size)
            except ssl.SSLWantReadError:
                self._flush()
                try:
                    self._fill(False)
                except ConnectionResetError:
                    return b""
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    def sendall(self, data: bytes) -> None:
        self.tls.write(data)
        self._flush()

    def settimeout(self, _seconds: float) -> None:
        pass  # every socket operation sets its own timeout from the deadline


class _PlaintextReply(Exception):
    """The server answered with text where a TLS handshake should have started."""

    def __init__(self, data: bytes):
        super().__init__()
        self.text = data.decode("utf-8", "replace").strip().splitlines()[0][:160] if data.strip() else ""


class _Lines:
    """Line-wise reading from a socket or TLS channel, each read bounded by the deadline."""

    def __init__(self, sock: socket.socket | _TLSChannel, deadline: _Deadline):
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


def _greeting(lines: _Lines, protocol: str | None) -> tuple[str, str]:
    """The greeting line and the protocol it belongs to (recognised when protocol is None)."""
    line = lines.line()
    found = protocol_from_greeting(line)
    if protocol is None and found is None:
        raise ConnectionProblem(
            f"Unbekannte Begrüßung: {line[:120]} – erwartet wird „* OK“ (IMAP), „+OK“ (POP3) oder „220“ (SMTP)."
        )
    protocol = protocol or found
    assert protocol is not None  # one of them is set, checked just above
    if found != protocol:
        raise ConnectionProblem(f"Unerwartete Begrüßung des {protocol.upper()}-Servers: {line[:120]}")
    if protocol == "smtp":
        last = line
        while len(last) > 3 and last[3] == "-":  # a multi-line 220 reply: read it all, report its first line
            last = lines.line()
    return line, protocol


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


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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


def _certificate_info(der: bytes, host: str, verified: bool, now: datetime | None = None) -> CertificateInfo:
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
    now = now or datetime.now(UTC)
    not_after = cert.not_valid_after_utc
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        san=[*dns_names, *ip_names],
        issuer=cert.issuer.rfc4514_string(),
        not_after=not_after.isoformat(),
        # Calendar days both ways, so "noch 5 Tage" and "seit 5 Tagen" count the same way.
        days_left=(not_after.date() - now.date()).days,
        expired=not_after < now,
        hostname_match=match,
        verified=verified,
    )


def _connect(report: ConnectionReport, deadline: _Deadline) -> socket.socket:
    started = time.monotonic()
    sock = socket.create_connection((report.host, report.port), timeout=deadline.left())
    if report.connect_ms is None:
        report.connect_ms = round((time.monotonic() - started) * 1000, 1)
    return sock


def _handshake(
    report: ConnectionReport, context: ssl.SSLContext, deadline: _Deadline, protocol: str | None
) -> tuple[socket.socket, _TLSChannel, str | None]:
    """One connection up to the finished TLS handshake; returns (socket, TLS channel, protocol)."""
    sock = _connect(report, deadline)
    try:
        if report.mode == "starttls":
            lines = _Lines(sock, deadline)
            greeting, protocol = _greeting(lines, protocol)
            report.greeting = report.greeting or greeting
            report.protocol = protocol
            _starttls(lines, protocol)
            if lines.buffer:  # the server spoke after agreeing to STARTTLS: that is its answer, not TLS
                raise _HandshakeFailed(_PlaintextReply(lines.buffer))
        channel = _TLSChannel(sock, context, report.host, deadline)
        try:
            channel.handshake()
        except ssl.SSLCertVerificationError:
            raise
        except (ssl.SSLError, OSError, _PlaintextReply) as error:
            if isinstance(error, TimeoutError):
                raise
            raise _HandshakeFailed(error) from error
        return sock, channel, protocol
    except BaseException:
        sock.close()
        raise


class _HandshakeFailed(Exception):
    """The TCP connection (and STARTTLS, if any) stood; the TLS handshake did not."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def check_connection(
    host: str,
    port: int,
    *,
    protocol: str | None = None,
    mode: str | None = None,
    cafile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ConnectionReport:
    """Connect, greet, secure and inspect. Never raises; ``report.error`` says what went wrong.

    Without ``protocol`` the server's greeting decides (IMAP, POP3 or SMTP)."""
    mode = mode or default_mode(port)
    # Until the greeting is read, the port's usual protocol stands in; an unknown port gets none.
    usual = IMPLICIT_TLS_PORTS.get(port) or STARTTLS_PORTS.get(port)
    report = ConnectionReport(host.strip(), port, protocol or usual, mode, cafile=cafile)
    deadline = _Deadline(timeout)
    try:
        report.host = validate_host(host)
        if cafile and (problem := cafile_problem(cafile)):
            raise ConnectionProblem(problem)
        _run(report, protocol, cafile, deadline)
    except (ConnectionProblem, HostNameError) as problem:
        report.error = str(problem)
    except _HandshakeFailed as failed:
        report.error = _handshake_message(report, failed.error, deadline)
    except TimeoutError:
        report.error = _timeout_message(report)
    except socket.gaierror:
        report.error = f"Der Servername „{report.host}“ ist unbekannt (DNS). Bitte prüfen Sie die Schreibweise, z. B. mail.s012.wsp.plusnet.de."
    except ConnectionRefusedError:
        report.error = f"Der Server {report.host} nimmt auf Port {port} keine Verbindungen an (abgelehnt)."
    except ssl.SSLError as error:
        report.error = f"TLS-Fehler ({getattr(error, 'reason', None) or error})."
    except OSError as error:
        where = "Die Verbindung stand, brach dann aber ab" if report.connect_ms is not None else "Keine Verbindung"
        report.error = f"{where} ({report.host}:{port}): {error.strerror or error}."
    report.ok = report.error is None
    report.openssl = openssl_command(report.host, port, report.protocol or default_protocol(port), mode, cafile)
    return report


def _run(report: ConnectionReport, protocol: str | None, cafile: str | None, deadline: _Deadline) -> None:
    verifying = ssl.create_default_context(cafile=cafile)
    verifying.check_hostname = False  # the name is checked separately, so the report can tell chain and name apart
    verified, verify_problem = True, ""
    try:
        sock, tls, protocol = _handshake(report, verifying, deadline, protocol)
    except ssl.SSLCertVerificationError as error:
        verified = False
        verify_problem = error.verify_message or str(error)
        sock, tls, protocol = _handshake(report, _inspecting_context(), deadline, protocol)
    with sock:
        report.tls_version = tls.tls.version()
        cipher = tls.tls.cipher()
        report.cipher = cipher[0] if cipher else None
        der = tls.tls.getpeercert(binary_form=True)
        if der:
            # Read before the greeting: once TLS stood, the certificate is always reported.
            report.cert = _certificate_info(der, report.host, verified)
        if report.mode == "tls":
            report.greeting, report.protocol = _greeting(_Lines(tls, deadline), protocol)
    if report.tls_version in _OLD_TLS:
        report.warnings.append(f"Der Server bietet nur {report.tls_version} an; sicher ist erst TLS 1.2 oder neuer.")
        report.error = report.error or f"Veraltete Verschlüsselung: {report.tls_version} (mindestens TLS 1.2 nötig)."
    cert = report.cert
    if cert is None:
        report.error = "Der Server hat kein Zertifikat gesendet."
    elif cert.expired:
        report.error = f"Das Zertifikat des Servers ist abgelaufen ({_days_ago(cert.days_left)}, am {cert.not_after[:10]})."
    elif not cert.hostname_match:
        report.error = name_mismatch_message(report.host, cert)
    elif not verified:
        report.error = f"Das Zertifikat ist nicht vertrauenswürdig ({verify_problem})."
    elif cert.days_left < 14:
        report.warnings.append(f"Das Zertifikat läuft bald ab: {cert.validity}.")


def _inspecting_context(old_versions: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read which certificate (or TLS version) the server offers
    if old_versions:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def name_mismatch_message(host: str, cert: CertificateInfo) -> str:
    names = ", ".join(cert.san) or cert.subject
    message = f"Das Zertifikat lautet auf {names}, nicht auf {host}."
    provider_names = [name for name in cert.san if re.fullmatch(PROVIDER_HOST_PATTERN, name.lower(), re.ASCII)]
    looks_like_customer = host.lower().startswith("mail.") and not re.fullmatch(PROVIDER_HOST_PATTERN, host.lower(), re.ASCII)
    if provider_names and looks_like_customer:
        # The FAQ's case: the customer's own mail.<domain> points at the provider's server.
        message += (
            f" Tragen Sie im Mailprogramm {provider_names[0]} als Server ein, nicht {host}: Eine Ausnahme für den "
            "Zertifikatsfehler müssten Sie sonst bei jeder Zertifikatserneuerung (alle 12 Monate) neu bestätigen."
        )
    return message


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


def _handshake_message(report: ConnectionReport, error: BaseException, deadline: _Deadline) -> str:
    """One wording for a failed handshake, whichever server software failed it and however."""
    stood = (
        f"Die Verbindung zu {report.host}:{report.port} stand"
        + (" und der Server hat STARTTLS angenommen" if report.mode == "starttls" else "")
        + ", aber TLS kam nicht zustande: "
    )
    if isinstance(error, _PlaintextReply):
        if report.mode == "tls" and protocol_from_greeting(error.text):
            return stood + (
                f"Der Server spricht auf Port {report.port} zuerst unverschlüsselt ({error.text}). "
                "Für diesen Port ist vermutlich STARTTLS richtig (z. B. 587 oder 143)."
            )
        return stood + f"Der Server antwortete statt mit TLS: {error.text or '(Leerzeile)'}"
    reason = getattr(error, "reason", None) or ""
    if report.mode == "tls" and reason in _PLAINTEXT_REASONS:
        return stood + (
            f"Port {report.port} spricht zuerst unverschlüsselt. Für diesen Port ist vermutlich STARTTLS richtig (z. B. 587 oder 143)."
        )
    # A refused version shows as an alert from one server and as a closed connection from another:
    # ask once more with old versions allowed, so both get the same sentence.
    old = _old_version_offered(report, deadline)
    if old:
        return stood + f"Der Server bietet nur {old} an; sicher ist erst TLS 1.2 oder neuer."
    if reason in _VERSION_REASONS:
        return stood + "Server und Prüfprogramm haben keine gemeinsame TLS-Version (mindestens TLS 1.2 ist nötig)."
    if reason in ("SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE"):
        return stood + "Server und Prüfprogramm haben kein gemeinsames Verschlüsselungsverfahren."
    if (
        isinstance(error, ssl.SSLError)
        and reason not in ("UNEXPECTED_EOF_WHILE_READING", "")
        and not isinstance(error, ssl.SSLEOFError)
    ):
        return stood + f"Der TLS-Handshake ist fehlgeschlagen ({reason})."
    return (
        stood
        + "Der Server hat die Verbindung während des TLS-Handshakes beendet (Fehler auf dem Server, z. B. ein unbrauchbares Zertifikat)."
    )


def _old_version_offered(report: ConnectionReport, deadline: _Deadline) -> str | None:
    """The TLS version below 1.2 the server completes a handshake with, if any."""
    probe = ConnectionReport(report.host, report.port, report.protocol, report.mode, connect_ms=report.connect_ms)
    try:
        sock, channel, _ = _handshake(probe, _inspecting_context(old_versions=True), deadline, report.protocol)
    except Exception:  # noqa: BLE001 - a failed probe just means "no old version either"
        return None
    with sock:
        version = channel.tls.version()
    return version if version in _OLD_TLS else None
