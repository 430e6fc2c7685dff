"""Mail client settings for a Plusnet WebServer: server name, ports, TLS, autoconfig. No network, no UI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

HOST_TEMPLATE = "mail.{server}.wsp.plusnet.de"
PLACEHOLDER_SERVER = "s0xx"
TLS_MIN = "1.2"

# [0-9], not \d: int() would turn "٠١٢" into 12, and such a name is no host anyone can reach.
_SERVER = re.compile(r"^s?([0-9]{1,3})$")
_HOSTNAME = re.compile(r"^(?:[a-z]+\.)?(s[0-9]{3})\.wsp\.plusnet\.de\.?$")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$", re.IGNORECASE
)

CERTIFICATE_WARNING = (
    "Verwenden Sie als Server nicht mail.IhreDomain.tld: Das Zertifikat des Servers lautet auf "
    "{host}, Ihr Mailprogramm meldet sonst einen Zertifikatsfehler. Eine Ausnahme dafür "
    "muss bei jeder Zertifikatserneuerung (alle 12 Monate) neu bestätigt werden."
)
PORT_25_WARNING = "Port 25 wird von vielen Internetanbietern gesperrt: Nutzen Sie für den Versand besser 465 oder 587."


class SettingsInputError(ValueError):
    """Bad input for the settings; the message is German and says what is expected."""


@dataclass(frozen=True, slots=True)
class Entry:
    protocol: str  # "imap" | "pop3" | "smtp"
    port: int
    security: str  # "tls" (implicit, SSL/TLS) | "starttls"
    direction: str  # "incoming" | "outgoing"

    @property
    def security_de(self) -> str:
        return "SSL/TLS" if self.security == "tls" else "STARTTLS"


ENTRIES = (
    Entry("imap", 993, "tls", "incoming"),
    Entry("pop3", 995, "tls", "incoming"),
    Entry("smtp", 465, "tls", "outgoing"),
    Entry("smtp", 587, "starttls", "outgoing"),
    Entry("smtp", 25, "starttls", "outgoing"),
)


@dataclass(frozen=True, slots=True)
class Settings:
    server: str  # "s012", or the placeholder "s0xx"
    host: str
    username: str | None
    entries: tuple[Entry, ...] = ENTRIES
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.host,
            "tls_min": TLS_MIN,
            "username": self.username,
            "entries": [{"protocol": e.protocol, "port": e.port, "security": e.security} for e in self.entries],
            "warnings": list(self.warnings),
        }


def normalise_server(text: str) -> str:
    """ "s012", "S012", "012", "s12", "12" or a host name of the server → "s012"."""
    value = text.strip().lower()
    host = _HOSTNAME.match(value)
    if host:
        return host.group(1)
    match = _SERVER.match(value)
    if not match and "xx" in value:
        raise SettingsInputError("Ersetzen Sie „xx“ durch die Nummer Ihres Servers aus Ihren Zugangsdaten, z. B. s012.")
    if not match:
        raise SettingsInputError(
            f"„{text.strip()}“ ist keine Servernummer. Erwartet wird die Nummer aus Ihren Zugangsdaten, z. B. s012."
        )
    return f"s{int(match.group(1)):03d}"


def normalise_domain(text: str) -> str:
    """ "example.de", "@example.de" or "Example.DE." → "example.de"; IDNA names stay as typed (Unicode)."""
    value = text.strip().lstrip("@").rstrip(".").lower()
    try:
        ascii_value = value.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_value = ""
    if not _EMAIL.match(f"x@{ascii_value}"):
        raise SettingsInputError(f"„{text.strip()}“ ist keine Domain (z. B. example.de).")
    return value


def normalise_email(text: str) -> str:
    value = text.strip()
    if not _EMAIL.match(value):
        raise SettingsInputError(f"„{value}“ ist keine vollständige E-Mail-Adresse (z. B. info@example.de).")
    return value


def settings(server: str | None = None, email: str | None = None) -> Settings:
    """The client settings; without a server number, with the placeholder s0xx."""
    number = normalise_server(server) if server and server.strip() else PLACEHOLDER_SERVER
    username = normalise_email(email) if email and email.strip() else None
    host = HOST_TEMPLATE.format(server=number)
    return Settings(number, host, username, warnings=(CERTIFICATE_WARNING.format(host=host), PORT_25_WARNING))


def autoconfig_xml(server: str, email: str | None = None, domain: str | None = None) -> str:
    """A Thunderbird autoconfig file (config-v1.1.xml) for these settings.

    For a whole domain (the normal case) the user name is %EMAILADDRESS%, as in Thunderbird's
    ISPDB, so one file serves every mailbox; with ``email`` it names that one mailbox.
    """
    current = settings(server, email)
    if domain is not None:
        domain = normalise_domain(domain)
    elif current.username:
        domain = current.username.rsplit("@", 1)[1].lower()
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain or "wsp.plusnet.de")
    if domain:
        ET.SubElement(provider, "domain").text = domain
    ET.SubElement(provider, "displayName").text = f"Plusnet WebServer ({current.server})"
    ET.SubElement(provider, "displayShortName").text = "Plusnet"
    for entry in _offered(current):
        tag = "incomingServer" if entry.direction == "incoming" else "outgoingServer"
        node = ET.SubElement(provider, tag, type=entry.protocol)
        ET.SubElement(node, "hostname").text = current.host
        ET.SubElement(node, "port").text = str(entry.port)
        ET.SubElement(node, "socketType").text = "SSL" if entry.security == "tls" else "STARTTLS"
        ET.SubElement(node, "authentication").text = "password-cleartext"
        ET.SubElement(node, "username").text = current.username or "%EMAILADDRESS%"
    return _xml(root)


def ticket_text(current: Settings) -> str:
    """The settings as German text for a ticket or an e-mail to the customer, ready to paste.

    Port 25 is left out, as in the autoconfig files: 465 and 587 suffice and 25 is often blocked.
    """
    lines = ["Ihre Einstellungen für das Mailprogramm:", ""]
    for entry in _offered(current):
        direction = "Posteingang" if entry.direction == "incoming" else "Postausgang"
        lines.append(
            f"{direction} ({entry.protocol.upper()}): {current.host}, Port {entry.port}, Verschlüsselung {entry.security_de}"
        )
    lines += [
        "",
        f"Benutzername: {current.username or 'Ihre vollständige E-Mail-Adresse'}",
        "Passwort: das Passwort Ihres Postfachs",
        "Anmeldung: Passwort, normal (auch für den Postausgang)",
        f"TLS-Version: {TLS_MIN} oder neuer",
    ]
    if current.server == PLACEHOLDER_SERVER:
        lines.append("Ersetzen Sie „xx“ durch die Nummer Ihres Servers aus Ihren Zugangsdaten.")
    lines += ["", f"Hinweis: {CERTIFICATE_WARNING.format(host=current.host)}"]
    return "\n".join(lines) + "\n"


AUTODISCOVER_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
AUTODISCOVER_RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


def autodiscover_xml(server: str, email: str | None = None) -> str:
    """Microsoft's POX Autodiscover answer (autodiscover.xml) for Outlook.

    Served as https://autodiscover.<domain>/autodiscover/autodiscover.xml. Without ``email`` it
    names no login, and Outlook uses the address the user typed: one file for the whole domain.
    """
    current = settings(server, email)
    root = ET.Element("Autodiscover", xmlns=AUTODISCOVER_NS)
    response = ET.SubElement(root, "Response", xmlns=AUTODISCOVER_RESPONSE_NS)
    account = ET.SubElement(response, "Account")
    ET.SubElement(account, "AccountType").text = "email"
    ET.SubElement(account, "Action").text = "settings"
    for entry in _offered(current):
        protocol = ET.SubElement(account, "Protocol")
        ET.SubElement(protocol, "Type").text = entry.protocol.upper()
        ET.SubElement(protocol, "Server").text = current.host
        ET.SubElement(protocol, "Port").text = str(entry.port)
        ET.SubElement(protocol, "DomainRequired").text = "off"
        if current.username:
            ET.SubElement(protocol, "LoginName").text = current.username
        ET.SubElement(protocol, "SPA").text = "off"
        if entry.security == "tls":
            ET.SubElement(protocol, "SSL").text = "on"
        else:
            ET.SubElement(protocol, "Encryption").text = "TLS"  # STARTTLS in Outlook's words
        ET.SubElement(protocol, "AuthRequired").text = "on"
    return _xml(root)


def _offered(current: Settings) -> list[Entry]:
    # Port 25 is offered last by clients anyway and often blocked; 465 and 587 suffice.
    return [entry for entry in current.entries if entry.port != 25]


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
