"""The customer of the ticket an agent works on: entered once, recognised in a pasted ticket where possible.

It fills the articles' placeholders (``s0xx``, ``IhreDomain.tld``,
``Ihre-Domain.tld``) and the reply template, and pre-fills the helpers. It
lives only in the console's memory: never written to the conversation log.
No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

SALUTATIONS = ("Frau", "Herr")
# The FAQ's placeholders, longest first so "Ihre-Domain.tld" is not half-replaced by a shorter one.
_DOMAIN_PLACEHOLDERS = ("IhreDomain.tld", "Ihre-Domain.tld", "ihredomain.tld", "ihre-domain.tld")
_SERVER_PLACEHOLDER = re.compile(r"\bs0xx\b", re.IGNORECASE)

_EMAIL = re.compile(r"\b[\w.+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_SERVER = re.compile(r"\b[sS]\s?-?(\d{3})\b")
_DOMAIN = re.compile(r"\b(?:www\.)?((?:[a-z0-9-]+\.)+(?:de|at|ch|com|net|org|eu|info|biz|shop))\b", re.IGNORECASE)
_NAME_AFTER_SALUTATION = re.compile(r"\b(Frau|Herr|Herrn)[ \t]+((?:Dr\.[ \t]+)?[A-ZÄÖÜ][\w'-]+(?:[ \t]+[A-ZÄÖÜ][\w'-]+)?)")
_SIGN_OFF = re.compile(
    r"(?:Mit freundlichen Grüßen|Freundliche Grüße|Viele Grüße|Beste Grüße|Liebe Grüße|MfG|LG|VG|Gruß|Grüße)[,.!]?\s*\n+\s*"
    r"([A-ZÄÖÜ][\w'-]+(?:[ \t]+[A-ZÄÖÜ][\w'-]+){0,2})",
    re.IGNORECASE,
)
# A ticket's header: "Von: Erika Huber <info@…>" or "From: \"Huber, Erika\" <…>".
_HEADER_NAME = re.compile(r"^(?:Von|From|Absender)\s*:\s*\"?([^<\"\n@]+?)\"?\s*<", re.IGNORECASE | re.MULTILINE)
_PROVIDER_DOMAINS = ("plusnet.de", "wsp.plusnet.de", "broadspeed.de")


@dataclass(frozen=True, slots=True)
class CustomerContext:
    name: str = ""  # "Huber" or "Erika Huber"
    salutation: str = ""  # "Frau", "Herr" or "" (then the greeting is neutral)
    email: str = ""
    domain: str = ""
    server: str = ""  # "s047"

    @property
    def empty(self) -> bool:
        return not any((self.name, self.salutation, self.email, self.domain, self.server))

    @property
    def greeting(self) -> str:
        """The letter's first line, German and formal."""
        surname = self.name.split()[-1] if self.name else ""
        if self.salutation == "Frau" and surname:
            return f"Sehr geehrte Frau {surname},"
        if self.salutation == "Herr" and surname:
            return f"Sehr geehrter Herr {surname},"
        if self.name:
            return f"Guten Tag {self.name},"
        return "Sehr geehrte Damen und Herren,"

    def fill(self, text: str) -> str:
        """The article text with this customer's server and domain in place of the FAQ's placeholders."""
        if self.server:
            text = _SERVER_PLACEHOLDER.sub(self.server, text)
        if self.domain:
            for placeholder in _DOMAIN_PLACEHOLDERS:
                text = text.replace(placeholder, self.domain)
        return text

    def merged(self, other: CustomerContext) -> CustomerContext:
        """This context with the fields ``other`` knows and this one does not."""
        return replace(
            self,
            **{field: getattr(other, field) for field in self.__slots__ if not getattr(self, field) and getattr(other, field)},
        )


def normalise_server(text: str) -> str:
    """ "47", "s47", "S 047" → "s047"; anything else → ""."""
    match = re.fullmatch(r"\s*[sS]?\s?-?(\d{1,3})\s*", text)
    return f"s{int(match.group(1)):03d}" if match else ""


def recognise(text: str) -> CustomerContext:
    """What a pasted ticket header, message or signature says about the customer (fields it cannot see stay empty)."""
    email_match = _EMAIL.search(text)
    email = email_match.group(0) if email_match else ""
    server_match = _SERVER.search(text)
    server = f"s{server_match.group(1)}" if server_match else ""
    domain = email_match.group(1).lower() if email_match else ""
    if not domain or domain.endswith(_PROVIDER_DOMAINS):
        domain = next(
            (m.group(1).lower() for m in _DOMAIN.finditer(text) if not m.group(1).lower().endswith(_PROVIDER_DOMAINS)), ""
        )
    salutation, name = "", ""
    named = _NAME_AFTER_SALUTATION.search(text)
    if named:
        salutation = "Herr" if named.group(1).startswith("Herr") else "Frau"
        name = named.group(2)
    signed = _SIGN_OFF.search(text)
    if signed:
        name = signed.group(1) if not name or name.split()[-1] in signed.group(1) else name
    header = _HEADER_NAME.search(text)
    if header and not name:
        written = header.group(1).strip()
        # "Huber, Erika" → "Erika Huber"
        name = " ".join(reversed([part.strip() for part in written.split(",", 1)])) if "," in written else written
    return CustomerContext(name=name, salutation=salutation, email=email, domain=domain, server=server)
