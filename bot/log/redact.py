"""Remove personal data from a question before anything is stored.

E-mail addresses, phone numbers, IP addresses, IBANs and whatever follows a
word like "Passwort" become placeholders. Domain names stay: they matter for
SPF and server questions and name no person.
"""

from __future__ import annotations

import ipaddress
import re

EMAIL = "<E-MAIL>"
PHONE = "<TELEFON>"
IP = "<IP>"
IBAN = "<IBAN>"
PASSWORD = "<PASSWORT>"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
# Country, check digits, then groups of four (spaces allowed between groups), the last one shorter.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*(?:%[\w.]+)?(?![\w:])", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?!\d|\.\d)")
# A phone number: optional +/00, then digits with spaces, slashes, dashes or brackets; 6+ digits in all.
_PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\(?\d[\d ()/\-]{4,}\d(?!\w|\.\d)")
_SECRET_WORD = re.compile(
    r"\b(passwor[td]|kennwort|passwd|pw|pin|password|zugangscode)\b(\s*(?:[:=]|ist|lautet|is|war|heißt|heisst)\s*)?\s*(\S+)?(.*)",
    re.IGNORECASE | re.DOTALL,
)


def _looks_secret(token: str) -> bool:
    """A word after "Passwort" that is probably the password itself, not a verb like "ändern"."""
    letters = re.sub(r"[^\w]", "", token)
    return bool(re.search(r"\d|[^\w\s.,!?;:()-]", token)) or (letters != letters.lower() and letters != letters.capitalize())


def _redact_secrets(text: str) -> str:
    match = _SECRET_WORD.search(text)
    if not match:
        return text
    keyword, introducer, token, rest = match.group(1), match.group(2), match.group(3), match.group(4)
    start = text[: match.start()]
    if introducer and introducer.strip():
        return f"{start}{keyword}{introducer}{PASSWORD}"  # "Passwort: …", "Passwort ist …": drop all that follows
    if token and _looks_secret(token):
        return f"{start}{keyword} {PASSWORD}{_redact_secrets(rest)}"
    return f"{start}{keyword} {token}{_redact_secrets(rest)}" if token else text


def _replace_ipv6(match: re.Match) -> str:
    text = match.group(0)
    core = text.rstrip(".")  # a full stop after the address ends the sentence
    try:
        ipaddress.IPv6Address(core.split("%")[0])
    except ValueError:
        return text
    return IP + text[len(core) :]


def _replace_ipv4(match: re.Match) -> str:
    address = match.group(0).split("/")[0]
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return match.group(0)
    return IP


def _replace_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PHONE if len(digits) >= 6 else match.group(0)


def redact(text: str) -> str:
    text = _redact_secrets(text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(IBAN, text)
    text = _IPV6_CANDIDATE.sub(_replace_ipv6, text)
    text = _IPV4.sub(_replace_ipv4, text)
    return _PHONE.sub(_replace_phone, text)
