"""Mail client settings for a Plusnet WebServer: server name, ports, TLS, autoconfig. No network, no UI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

HOST_TEMPLATE = "mail.{server}.wsp.plusnet.de"
PLACEHOLDER_SERVER = "s0xx"
TLS_MIN = "1.2"

_SERVER = re.compile(r"^s?(\d{1,3})$")
_HOSTNAME = re.compile(r"^(?:[a-z]+\.)?(s\d{3})\.wsp\.plusnet\.de\.?$")
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


def autoconfig_xml(server: str, email: str | None = None) -> str:
    """A Thunderbird autoconfig file (config-v1.1.xml) for these settings."""
    current = settings(server, email)
    domain = current.username.rsplit("@", 1)[1] if current.username else None
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain or "wsp.plusnet.de")
    if domain:
        ET.SubElement(provider, "domain").text = domain
    ET.SubElement(provider, "displayName").text = f"Plusnet WebServer ({current.server})"
    ET.SubElement(provider, "displayShortName").text = "Plusnet"
    for entry in current.entries:
        if entry.port == 25:
            continue  # offered last by clients anyway and often blocked; 465 and 587 suffice
        tag = "incomingServer" if entry.direction == "incoming" else "outgoingServer"
        node = ET.SubElement(provider, tag, type=entry.protocol)
        ET.SubElement(node, "hostname").text = current.host
        ET.SubElement(node, "port").text = str(entry.port)
        ET.SubElement(node, "socketType").text = "SSL" if entry.security == "tls" else "STARTTLS"
        ET.SubElement(node, "authentication").text = "password-cleartext"
        ET.SubElement(node, "username").text = current.username or "%EMAILADDRESS%"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
