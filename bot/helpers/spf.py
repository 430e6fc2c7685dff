"""SPF records (RFC 7208): parse, validate, explain and build. No DNS, no UI.

The live lookup is in ``bot.helpers.spf_lookup``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

PROVIDER_INCLUDE = "_spf.broadspeed.de"
MAX_DNS_LOOKUPS = 10  # RFC 7208 4.6.4
MAX_STRING_LENGTH = 255  # one character-string of a TXT record
MAX_UDP_SAFE_BYTES = 450  # beyond this a DNS answer may not fit a UDP packet
MAX_RECORD_BYTES = 65_535  # all the data one DNS record can hold; anything longer was not read from DNS

MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
DNS_QUERYING = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
QUALIFIER_DE = {
    "+": "dürfen senden",
    "-": "dürfen nicht senden (fail: Empfänger sollen die Mail ablehnen)",
    "~": "sind verdächtig (softfail: Mail wird angenommen, aber markiert)",
    "?": "sind weder erlaubt noch verboten (neutral)",
}

# Used with fullmatch: "$" would also match before a final newline, and a newline is no term.
_MODIFIER = re.compile(r"([a-z][a-z0-9\-_.]*)=(.*)", re.IGNORECASE | re.DOTALL)
_MECHANISM = re.compile(r"([+\-~?]?)([a-z][a-z0-9\-_.]*)(.*)", re.IGNORECASE | re.DOTALL)
_MACRO_LETTERS = "slodiphcrtv"
_EXP_ONLY_MACRO_LETTERS = "crt"
# [0-9], not \d: only ASCII digits are digits in SPF (\d also matches "²" and "١").
_MACRO_EXPAND = re.compile(r"%\{([a-z])([0-9]*)(r?)([.\-+,/_=]*)\}", re.IGNORECASE)
_TOPLABEL = re.compile(r"(?=.*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.IGNORECASE | re.DOTALL)
_IP4_CIDR = re.compile(r"/(0|[1-9][0-9]?)")
_DUAL_CIDR = re.compile(r"(?:/(0|[1-9][0-9]?))?(?://(0|[1-9][0-9]{0,2}))?")
_IP4_OCTET = re.compile(r"0|[1-9][0-9]{0,2}")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str  # German, says what is wrong and what to do
    term: str | None = None


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    qualifier: str | None  # "+", "-", "~", "?" for mechanisms; None for modifiers
    name: str  # lower-case mechanism or modifier name
    value: str | None
    explanation: str
    kind: str = "mechanism"  # or "modifier", "version"


@dataclass(slots=True)
class CheckResult:
    record: str
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    dns_lookups: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        def finding(f: Finding) -> dict[str, str | None]:
            return {"code": f.code, "message": f.message, "term": f.term}

        return {
            "valid": self.valid,
            "errors": [finding(f) for f in self.errors],
            "warnings": [finding(f) for f in self.warnings],
            "terms": [
                {"text": t.text, "qualifier": t.qualifier, "name": t.name, "value": t.value, "explanation": t.explanation}
                for t in self.terms
                if t.kind != "version"
            ],
            "dns_lookups": self.dns_lookups,
        }


# --- input forms -----------------------------------------------------------------

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def unquote(text: str) -> str:
    """The record from what a user pastes: bare, quoted, split into quoted strings, or a zone line."""
    text = text.strip()
    if '"' in text:
        strings = _QUOTED.findall(text)
        if strings:
            # A TXT record's strings are joined without anything between them (RFC 7208 3.3);
            # one pass over each string, so the work grows linearly with the text.
            return "".join(_ESCAPED.sub(r"\1", s) for s in strings)
    match = re.search(r"\bTXT\s+(v=spf1.*)$", text, re.IGNORECASE)
    return match.group(1).strip() if match else text


def is_spf_record(text: str) -> bool:
    """Whether a TXT string is an SPF record: "v=spf1" alone or followed by a space."""
    return re.match(r"v=spf1( |\Z)", text, re.IGNORECASE) is not None


# --- domain-specs and macros ----------------------------------------------------


def _check_macro_string(value: str, *, in_exp: bool) -> str | None:
    """An error message for a bad macro-string, or None."""
    position = 0
    while position < len(value):
        char = value[position]
        if char == "%":
            rest = value[position:]
            if rest[:2] in ("%%", "%_", "%-"):
                position += 2
                continue
            match = _MACRO_EXPAND.match(rest)
            if match is None:
                return "Ein „%“ muss ein Makro einleiten (%{…}, %%, %_ oder %-); für ein Prozentzeichen schreiben Sie %%."
            letter = match.group(1).lower()
            if letter not in _MACRO_LETTERS:
                return f"Unbekannter Makro-Buchstabe „{match.group(1)}“ in {match.group(0)}. Erlaubt: s l o d i p h v (c r t nur im Erklärungstext)."
            if letter in _EXP_ONLY_MACRO_LETTERS and not in_exp:
                return f"Das Makro {match.group(0)} ist nur im Erklärungstext erlaubt (dem TXT-Eintrag, auf den exp= zeigt), nicht in einer Domain."
            position += len(match.group(0))
            continue
        if not ("\x21" <= char <= "\x7e"):
            return f"Unerlaubtes Zeichen „{char}“ (erlaubt sind sichtbare ASCII-Zeichen)."
        position += 1
    return None


def _check_domain_spec(value: str) -> str | None:
    """An error message for a bad domain-spec (RFC 7208 7.1), or None.

    c, r and t are never allowed here, not even in exp=: they belong to the explanation
    text that exp= points to (RFC 7208 7.3), not to the domain.
    """
    if not value:
        return "Hier fehlt die Domain."
    problem = _check_macro_string(value, in_exp=False)
    if problem:
        return problem
    if re.search(r"(%\{[a-z][0-9]*r?[.\-+,/_=]*\}|%%|%_|%-)\Z", value, re.IGNORECASE):
        return None  # ends in a macro-expand (RFC 7208 7.1): the domain is only known when the record is evaluated
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    # The syntax asks only for "." toplabel at the end (RFC 7208 7.1); empty or overlong labels
    # before it are valid syntax for a name that cannot exist (see _impossible_name).
    if len(labels) < 2 or not labels[-1]:
        return f"„{value}“ ist keine vollständige Domain (z. B. example.de)."
    if not _TOPLABEL.fullmatch(labels[-1]):
        return f"„{value}“ endet nicht auf eine gültige Top-Level-Domain."
    return None


def _impossible_name(value: str) -> bool:
    """A domain-spec without macros that no DNS name can match (RFC 7208 4.3: treated as nonexistent)."""
    if "%" in value:
        return False
    labels = (value[:-1] if value.endswith(".") else value).split(".")
    return not all(0 < len(label) <= 63 for label in labels)


def _check_ip4(value: str) -> str | None:
    address, slash, cidr = value.partition("/")
    parts = address.split(".")
    if len(parts) != 4 or not all(_IP4_OCTET.fullmatch(p) and int(p) <= 255 for p in parts):
        return f"„{address}“ ist keine gültige IPv4-Adresse (vier Zahlen von 0 bis 255, ohne führende Nullen)."
    if slash and (not _IP4_CIDR.fullmatch("/" + cidr) or int(cidr) > 32):
        return f"„/{cidr}“ ist kein gültiges IPv4-Präfix (0 bis 32)."
    return None


def _check_ip6(value: str) -> str | None:
    address, slash, cidr = value.partition("/")
    try:
        if "%" in address:  # a scope such as %eth0 means something only on one machine
            raise ValueError(address)
        ipaddress.IPv6Address(address)
    except ValueError:
        return f"„{address}“ ist keine gültige IPv6-Adresse."
    if slash and (not re.fullmatch(r"0|[1-9][0-9]{0,2}", cidr) or int(cidr) > 128):
        return f"„/{cidr}“ ist kein gültiges IPv6-Präfix (0 bis 128)."
    return None


def _split_dual_cidr(rest: str) -> tuple[str, str]:
    """(domain-spec, dual-cidr) of what follows a or mx, e.g. ":example.de/24//64"."""
    match = re.search(r"(/(0|[1-9][0-9]?))?(//(0|[1-9][0-9]{0,2}))?\Z", rest)
    cidr = match.group(0) if match else ""
    return rest[: len(rest) - len(cidr)], cidr


def _check_dual_cidr(cidr: str) -> str | None:
    match = _DUAL_CIDR.fullmatch(cidr)
    if not match:
        return f"„{cidr}“ ist keine gültige Präfixlänge (z. B. /24 oder /24//64)."
    if match.group(1) and int(match.group(1)) > 32:
        return f"IPv4-Präfix /{match.group(1)} ist größer als 32."
    if match.group(2) and int(match.group(2)) > 128:
        return f"IPv6-Präfix //{match.group(2)} ist größer als 128."
    return None


# --- explanations ---------------------------------------------------------------


def _explain_mechanism(qualifier: str, name: str, value: str | None, cidr: str) -> str:
    who = {
        "all": "alle übrigen Server",
        "include": f"die Server, die der SPF-Eintrag von {value} erlaubt,",
        "a": f"die Server, auf die der A-Record {'von ' + value if value else 'der Domain'} zeigt,",
        "mx": f"die Mailserver (MX) {'von ' + value if value else 'der Domain'}",
        "ptr": f"Server, deren Rückwärtsauflösung auf {value or 'die Domain'} endet,",
        "ip4": f"die IPv4-Adresse(n) {value}",
        "ip6": f"die IPv6-Adresse(n) {value}",
        "exists": f"alle Server, sobald {value} einen A-Record hat,",
    }[name]
    text = f"{name} — {who} {QUALIFIER_DE[qualifier]}"
    if cidr:
        text += f" (mit Präfix {cidr}, also ganze Netze)"
    if name == "include" and value and value.lower().rstrip(".") == PROVIDER_INCLUDE:
        text += ". Das sind die Mailsysteme von Plusnet."
    elif name == "ptr":
        text += ". Veraltet: langsam und unzuverlässig, bitte nicht verwenden."
    elif name == "all":
        text += ". Steht am Ende und gilt für alle Server, die vorher nicht genannt wurden."
    return text


def _explain_modifier(name: str, value: str) -> str:
    if name == "redirect":
        return f"redirect — gilt kein Mechanismus, wird stattdessen der SPF-Eintrag von {value} verwendet."
    if name == "exp":
        return f"exp — bei „fail“ erhalten Absender die Erklärung aus dem TXT-Record von {value}."
    return f"{name} — unbekannter Modifikator: Empfänger ignorieren ihn."


# --- validation -----------------------------------------------------------------


def check(text: str) -> CheckResult:
    """Validate and explain a record. Never raises, whatever the input."""
    if len(text) > 2 * MAX_RECORD_BYTES:  # quotes and escapes at most double a record's length
        return _too_long(text[:40] + "…", len(text))
    record = unquote(text)
    if len(record.encode("utf-8")) > MAX_RECORD_BYTES:
        return _too_long(record[:40] + "…", len(record.encode("utf-8")))
    result = CheckResult(record)
    error, warn = result.errors.append, result.warnings.append

    if not is_spf_record(record):
        head = record.split(" ", 1)[0]
        error(
            Finding(
                "version",
                "Ein SPF-Eintrag muss mit „v=spf1“ beginnen, gefolgt von einem Leerzeichen"
                + (f" – „{head}“ ist kein SPF-Eintrag." if head else "."),
                head or None,
            )
        )
        return result
    result.terms.append(
        Term(record[:6], None, "v=spf1", None, "v=spf1 — kennzeichnet den TXT-Eintrag als SPF-Eintrag.", "version")
    )

    modifiers_seen: dict[str, str] = {}
    all_term: str | None = None
    for raw in record[6:].split(" "):
        if not raw:
            continue  # several spaces between terms are allowed
        term = _parse_term(raw, result)
        if term is None:
            continue
        result.terms.append(term)
        if term.kind == "modifier":
            # RFC 7208 6 names redirect and exp; pyspf, whose verdict the lookup reports, holds
            # every modifier to once (a second "v=spf1" is two records glued together).
            if term.name in modifiers_seen:
                error(Finding("duplicate-modifier", f"„{term.name}=“ darf nur einmal vorkommen.", raw))
            modifiers_seen[term.name] = raw
        elif all_term is not None:
            warn(Finding("after-all", f"„{raw}“ steht nach „{all_term}“ und wird nie ausgewertet.", raw))
        elif term.name == "all":
            all_term = raw
        elif term.name in DNS_QUERYING and term.kind == "mechanism":
            result.dns_lookups += 1  # only terms before "all" are ever evaluated
    if "redirect" in modifiers_seen and all_term is None:
        result.dns_lookups += 1  # with "all" present, redirect= is never used

    if result.dns_lookups > MAX_DNS_LOOKUPS:
        # A worst case: evaluation stops at the first matching term, so a sender may well
        # get its verdict before the eleventh lookup. Hence a warning, not an error.
        warn(
            Finding(
                "too-many-lookups",
                f"Bis zu {result.dns_lookups} DNS-Abfragen, wenn keine frühere Regel passt; erlaubt sind höchstens "
                f"{MAX_DNS_LOOKUPS} (include, a, mx, ptr, exists, redirect). Wird die Grenze bei einer Prüfung "
                "überschritten, werten Empfänger das als Fehler (permerror).",
            )
        )
    _policy_warnings(result, all_term, "redirect" in modifiers_seen)
    return result


def _too_long(shown: str, length: int) -> CheckResult:
    result = CheckResult(shown)
    result.errors.append(
        Finding(
            "too-long",
            f"Der Text ist {length} Zeichen lang; ein DNS-Eintrag fasst höchstens {MAX_RECORD_BYTES} Bytes. "
            "Bitte fügen Sie nur den SPF-Eintrag ein.",
        )
    )
    return result


def _parse_term(raw: str, result: CheckResult) -> Term | None:
    error = result.errors.append
    value: str | None
    problem: str | None
    modifier = _MODIFIER.fullmatch(raw)
    if modifier:
        name, value = modifier.group(1).lower(), modifier.group(2)
        problem = _check_domain_spec(value) if name in ("redirect", "exp") else _check_macro_string(value, in_exp=False)
        if problem:
            error(Finding("syntax", f"{raw}: {problem}", raw))
            return None
        return Term(raw, None, name, value, _explain_modifier(name, value), "modifier")

    mechanism = _MECHANISM.fullmatch(raw)
    if mechanism is None:
        error(Finding("syntax", f"„{raw}“ ist kein gültiger Mechanismus oder Modifikator.", raw))
        return None
    qualifier, name, rest = mechanism.group(1) or "+", mechanism.group(2).lower(), mechanism.group(3)
    if name not in MECHANISMS:
        error(
            Finding(
                "unknown-mechanism", f"Unbekannter Mechanismus „{mechanism.group(2)}“. Erlaubt: {', '.join(MECHANISMS)}.", raw
            )
        )
        return None

    value = None
    cidr = ""
    problem = None
    if name == "all":
        if rest:
            problem = "„all“ nimmt keinen Wert an."
    elif name in ("include", "exists"):
        if not rest.startswith(":"):
            problem = f"„{name}“ braucht eine Domain: {name}:example.de"
        else:
            value = rest[1:]
            problem = _check_domain_spec(value)
            if not problem and name == "include" and value.lower().rstrip(".") == "%{d}":
                problem = "include:%{d} bindet den eigenen Eintrag ein – eine Schleife, die immer zu permerror führt."
    elif name in ("a", "mx"):
        spec, cidr = _split_dual_cidr(rest)
        if spec and not spec.startswith(":"):
            problem = f"Nach „{name}“ folgt „:Domain“ und/oder ein Präfix wie /24."
        else:
            value = spec[1:] if spec else None
            problem = (_check_domain_spec(spec[1:]) if spec else None) or (_check_dual_cidr(cidr) if cidr else None)
    elif name == "ptr":
        if rest and not rest.startswith(":"):
            problem = "Nach „ptr“ folgt höchstens „:Domain“."
        elif rest:
            value = rest[1:]
            problem = _check_domain_spec(value)
    elif name in ("ip4", "ip6"):
        if not rest.startswith(":") or len(rest) < 2:
            problem = f"„{name}“ braucht eine Adresse: {name}:{'192.0.2.1' if name == 'ip4' else '2001:db8::1'}"
        else:
            value = rest[1:]
            problem = _check_ip4(value) if name == "ip4" else _check_ip6(value)
            if value and "/" in value:
                value, cidr = value.split("/", 1)[0], "/" + value.split("/", 1)[1]
    if problem:
        error(Finding("syntax", f"{raw}: {problem}", raw))
        return None
    if value and name not in ("ip4", "ip6") and _impossible_name(value):
        result.warnings.append(
            Finding(
                "impossible-name",
                f"„{value}“ kann es im DNS nicht geben (leerer Namensteil oder mehr als 63 Zeichen): „{raw}“ trifft nie zu.",
                raw,
            )
        )
    shown = f"{value}{cidr}" if name in ("ip4", "ip6") else value
    return Term(raw, qualifier, name, shown, _explain_mechanism(qualifier, name, shown, "" if name in ("ip4", "ip6") else cidr))


def _policy_warnings(result: CheckResult, all_term: str | None, has_redirect: bool) -> None:
    warn = result.warnings.append
    qualifier = None
    if all_term is not None:
        qualifier = all_term[0] if all_term[0] in QUALIFIERS else "+"
    if qualifier == "+":
        warn(
            Finding(
                "plus-all",
                "„+all“ erlaubt jedem Server der Welt, Mails für Ihre Domain zu senden – der Eintrag schützt nicht.",
                all_term,
            )
        )
    elif qualifier == "?":
        warn(
            Finding(
                "neutral-all",
                "„?all“ sagt über fremde Server nichts aus – der Eintrag schützt nicht. Besser: -all oder ~all.",
                all_term,
            )
        )
    elif all_term is None and not has_redirect:
        warn(Finding("no-all", "Es fehlt ein abschließendes „-all“ (oder „~all“): fremde Server werden nicht abgewiesen.", None))
    if all_term is not None and has_redirect:
        warn(Finding("redirect-with-all", "„redirect=“ wird ignoriert, weil der Eintrag ein „all“ enthält.", "redirect"))
    if any(term.name == "ptr" for term in result.terms):
        warn(
            Finding(
                "ptr",
                "„ptr“ ist veraltet (RFC 7208): langsam, unzuverlässig und belastet fremde DNS-Server. Nutzen Sie ip4/ip6, a oder mx.",
                "ptr",
            )
        )
    length = len(result.record.encode("utf-8"))
    if length > MAX_UDP_SAFE_BYTES:
        warn(
            Finding(
                "too-long-udp",
                f"Der Eintrag ist {length} Bytes lang; über etwa {MAX_UDP_SAFE_BYTES} Bytes passt die DNS-Antwort eventuell nicht in ein UDP-Paket.",
                None,
            )
        )
    if length > MAX_STRING_LENGTH:
        warn(
            Finding(
                "too-long-string",
                f"Der Eintrag ist {length} Zeichen lang; ein TXT-String fasst höchstens {MAX_STRING_LENGTH}. "
                'Teilen Sie ihn in mehrere Strings eines einzigen TXT-Records auf ("…" "…") – nicht in mehrere Records.',
                None,
            )
        )
    has_provider = any(t.name == "include" and (t.value or "").lower().rstrip(".") == PROVIDER_INCLUDE for t in result.terms)
    if not has_provider and not has_redirect:
        warn(
            Finding(
                "missing-provider",
                f"„include:{PROVIDER_INCLUDE}“ fehlt: Die Mailserver von Plusnet dürften dann nicht für Ihre Domain senden.",
                None,
            )
        )


# --- builder --------------------------------------------------------------------


class SpfInputError(ValueError):
    """Bad builder input; the message is German and names the field."""


@dataclass(frozen=True, slots=True)
class BuiltRecord:
    domain: str
    record: str
    zone_line: str
    check: CheckResult


_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")  # "_" as in _spf.example.com


def normalise_domain(domain: str) -> str:
    """A domain as DNS needs it (IDN as punycode, lower case, no trailing dot), or SpfInputError."""
    text = domain.strip().rstrip(".").lower()
    if not text:
        raise SpfInputError("Bitte geben Sie eine Domain an, z. B. example.de.")
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise SpfInputError(f"„{domain}“ ist keine gültige Domain.") from None
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise SpfInputError(f"„{domain}“ ist keine gültige Domain (z. B. example.de).")
    if not _TOPLABEL.fullmatch(labels[-1]):
        raise SpfInputError(f"„{domain}“ endet nicht auf eine gültige Top-Level-Domain.")
    return ascii_name


def _txt_strings(record: str) -> str:
    """The record as quoted TXT strings of at most 255 characters each."""
    parts = [record[i : i + MAX_STRING_LENGTH] for i in range(0, len(record), MAX_STRING_LENGTH)] or [""]
    return " ".join(f'"{part}"' for part in parts)


def build(
    domain: str,
    *,
    a: bool = True,
    mx: bool = False,
    provider: bool = True,
    ip4: list[str] | tuple[str, ...] = (),
    ip6: list[str] | tuple[str, ...] = (),
    include: list[str] | tuple[str, ...] = (),
    policy: str = "-all",
) -> BuiltRecord:
    """The provider's record, with the customer's additions; valid by construction."""
    name = normalise_domain(domain)
    if policy not in ("-all", "~all"):
        raise SpfInputError("Als Richtlinie sind „-all“ (ablehnen) oder „~all“ (markieren) möglich.")
    terms = ["v=spf1"]
    if a:
        terms.append("a")
    if mx:
        terms.append("mx")
    for address in ip4:
        problem = _check_ip4(address.strip())
        if problem:
            raise SpfInputError(f"IPv4: {problem}")
        terms.append(f"ip4:{address.strip()}")
    for address in ip6:
        problem = _check_ip6(address.strip())
        if problem:
            raise SpfInputError(f"IPv6: {problem}")
        terms.append(f"ip6:{address.strip().lower()}")
    if provider:
        terms.append(f"include:{PROVIDER_INCLUDE}")
    for other in include:
        other_name = normalise_domain(other)
        if other_name != PROVIDER_INCLUDE or not provider:
            terms.append(f"include:{other_name}")
    terms.append(policy)
    record = " ".join(dict.fromkeys(terms))  # the same term twice says nothing more
    result = check(record)
    if not result.valid:
        raise SpfInputError(" ".join(finding.message for finding in result.errors))
    return BuiltRecord(name, record, f"{name}.  IN  TXT  {_txt_strings(record)}", result)
