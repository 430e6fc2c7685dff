"""The live side of SPF: a domain's published record, its real DNS cost, and
whether an IP address may send for it (decided by pyspf, the reference
implementation, not by code of our own).

Every DNS problem becomes a German message and an RFC 7208 result
(none / temperror / permerror); nothing here raises for bad input or a bad
network, and every query is bounded by the timeout.
"""

from __future__ import annotations

import contextvars
import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver
import spf as pyspf

from faqbot.bot.helpers.spf import MAX_DNS_LOOKUPS, CheckResult, Finding, SpfInputError, check, is_spf_record, normalise_domain

MAX_VOID_LOOKUPS = 2  # RFC 7208 4.6.4
DEFAULT_TIMEOUT = 5.0


class DnsFailure(Exception):
    """A DNS failure, already put into words for the user."""

    def __init__(self, result: str, message: str):
        super().__init__(message)
        self.result = result  # "none" or "temperror"
        self.message = message


@dataclass(slots=True)
class LookupReport:
    domain: str
    records: list[str] = field(default_factory=list)
    record: str | None = None
    result: str | None = None  # pass, fail, softfail, neutral, none, permerror, temperror (with an IP)
    result_explanation: str | None = None
    dns_lookups: int = 0
    void_lookups: int = 0
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    check: CheckResult | None = None

    def to_json(self) -> dict[str, Any]:
        def finding(f: Finding) -> dict[str, str | None]:
            return {"code": f.code, "message": f.message, "term": f.term}

        return {
            "domain": self.domain,
            "records": self.records,
            "record": self.record,
            "result": self.result,
            "dns_lookups": self.dns_lookups,
            "void_lookups": self.void_lookups,
            "errors": [finding(f) for f in self.errors],
            "warnings": [finding(f) for f in self.warnings],
        }


def parse_nameserver(text: str) -> tuple[str, int]:
    """HOST[:PORT] or [IPv6]:PORT → (address, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise SpfInputError(f"„{host}“ ist keine IP-Adresse eines Nameservers.") from None
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        raise SpfInputError(f"„{port}“ ist kein gültiger Port.")
    return host, int(port) if port else 53


NAMESERVER_ENV_VAR = "FAQBOT_NAMESERVER"  # a nameserver for every lookup, e.g. the company's resolver


def make_resolver(nameserver: str | None, timeout: float) -> dns.resolver.Resolver:
    nameserver = nameserver or os.environ.get(NAMESERVER_ENV_VAR, "").strip() or None
    if nameserver:
        host, port = parse_nameserver(nameserver)
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    else:
        try:
            resolver = dns.resolver.Resolver()
        except (dns.resolver.NoResolverConfiguration, OSError):
            raise DnsFailure("temperror", "Kein Nameserver konfiguriert: Bitte geben Sie einen mit --nameserver an.") from None
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


class _Dns:
    """DNS queries with their failures put into words, and the void lookups counted."""

    def __init__(self, resolver: dns.resolver.Resolver):
        self.resolver = resolver
        self.void_lookups = 0

    def query(self, name: str, rdtype: str) -> list[Any]:
        try:
            return list(self.resolver.resolve(name, rdtype, search=False))
        except dns.resolver.NXDOMAIN:
            self.void_lookups += 1
            return []
        except dns.resolver.NoAnswer:
            self.void_lookups += 1
            return []
        except dns.resolver.NoNameservers:
            raise DnsFailure(
                "temperror", f"Der Nameserver konnte {name} nicht auflösen (SERVFAIL). Bitte später erneut versuchen."
            ) from None
        except dns.exception.Timeout:
            raise DnsFailure("temperror", f"Keine Antwort vom Nameserver zu {name} (Zeitüberschreitung).") from None
        except dns.name.EmptyLabel:
            raise DnsFailure("none", f"„{name}“ ist kein gültiger Name.") from None
        except (dns.exception.DNSException, OSError) as error:
            raise DnsFailure("temperror", f"DNS-Fehler bei {name}: {error}") from None

    def spf_records(self, name: str) -> list[str]:
        records = []
        for answer in self.query(name, "TXT"):
            text = b"".join(answer.strings).decode("utf-8", "replace")
            if is_spf_record(text):
                records.append(text)
        return records


def lookup(
    domain: str, *, ip: str | None = None, nameserver: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> LookupReport:
    """The domain's SPF record with its findings, its real DNS cost and, with ``ip``, the verdict."""
    try:
        name = normalise_domain(domain)
    except SpfInputError as error:
        report = LookupReport(domain.strip())
        report.errors.append(Finding("domain", str(error)))
        return report
    report = LookupReport(name)
    if ip is not None:
        try:
            ipaddress.ip_address(ip.strip())
        except ValueError:
            report.errors.append(Finding("ip", f"„{ip}“ ist keine gültige IP-Adresse."))
            return report
    try:
        resolver = make_resolver(nameserver, timeout)
        queries = _Dns(resolver)
        report.records = queries.spf_records(name)
    except SpfInputError as error:
        report.errors.append(Finding("nameserver", str(error)))
        return report
    except DnsFailure as error:
        report.errors.append(Finding("dns", error.message))
        if ip:
            report.result, report.result_explanation = error.result, RESULT_DE[error.result]
        return report

    if not report.records:
        report.errors.append(Finding("no-record", f"Für {name} ist kein SPF-Eintrag veröffentlicht (Ergebnis: none)."))
        if ip:
            report.result, report.result_explanation = "none", RESULT_DE["none"]
        return report
    if len(report.records) > 1:
        report.errors.append(
            Finding(
                "several-records",
                f"{name} hat {len(report.records)} SPF-Einträge; erlaubt ist genau einer (permerror). Fassen Sie sie zu einem zusammen.",
            )
        )
    report.record = report.records[0]
    report.check = check(report.record)
    report.errors += report.check.errors
    report.warnings += report.check.warnings

    try:
        report.dns_lookups = _count_lookups(queries, name, report.record, [name], report)
    except DnsFailure as error:
        report.errors.append(Finding("dns", error.message))
    report.void_lookups = queries.void_lookups
    if report.dns_lookups > MAX_DNS_LOOKUPS:
        report.errors.append(
            Finding(
                "too-many-lookups",
                f"Mit allen includes braucht die Prüfung {report.dns_lookups} DNS-Abfragen; erlaubt sind {MAX_DNS_LOOKUPS} (permerror).",
            )
        )
    if report.void_lookups > MAX_VOID_LOOKUPS:
        report.errors.append(
            Finding(
                "void-lookups",
                f"{report.void_lookups} Abfragen liefern kein Ergebnis (erlaubt: {MAX_VOID_LOOKUPS}); Empfänger werten das als permerror.",
            )
        )
    if ip is not None:
        report.result, report.result_explanation = evaluate(ip.strip(), name, resolver, timeout)
    return report


def _count_lookups(queries: _Dns, domain: str, record: str, chain: list[str], report: LookupReport) -> int:
    """DNS-querying terms, followed through include and redirect; loops are reported, not followed."""
    result = check(record)
    total = 0
    for term in result.terms:
        if term.name not in ("include", "redirect", "a", "mx", "ptr", "exists"):
            continue
        total += 1
        target = (term.value or domain).rstrip(".").lower()
        if "%" in target:
            continue  # a macro: only known for a real sender
        if term.name in ("include", "redirect"):
            if target in chain:
                report.errors.append(
                    Finding("loop", f"Schleife: {' → '.join([*chain, target])}. Empfänger werten das als permerror.", term.text)
                )
                continue
            records = queries.spf_records(target)
            if len(records) != 1:
                problem = "keinen SPF-Eintrag" if not records else f"{len(records)} SPF-Einträge"
                report.errors.append(Finding("include-target", f"{target} ({term.text}) hat {problem} (permerror).", term.text))
                continue
            total += _count_lookups(queries, target, records[0], [*chain, target], report)
            if total > 3 * MAX_DNS_LOOKUPS:
                break  # far past the limit: no need to walk further
        elif term.name in ("a", "exists"):
            queries.query(target, "A")
        elif term.name == "mx":
            queries.query(target, "MX")
    return total


# pyspf asks DNS through its module-level DNSLookup; route it through the resolver of
# the check that is running (a context variable, so parallel checks do not mix).
_current_resolver: contextvars.ContextVar[dns.resolver.Resolver | None] = contextvars.ContextVar("spf_resolver", default=None)
_original_lookup = pyspf.DNSLookup


def _lookup_via_resolver(name: str, qtype: str, tcpfallback: bool = True, timeout: float = 30) -> Any:
    resolver = _current_resolver.get()
    if resolver is None:
        return _original_lookup(name, qtype, tcpfallback, timeout)
    answers = []
    try:
        for rdata in resolver.resolve(name, qtype, lifetime=timeout, search=False):
            if qtype in ("A", "AAAA"):
                answers.append(((name, qtype), rdata.address))
            elif qtype == "MX":
                answers.append(((name, qtype), (rdata.preference, rdata.exchange)))
            elif qtype == "PTR":
                answers.append(((name, qtype), rdata.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                answers.append(((name, qtype), rdata.strings))
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        pass
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as error:
        raise pyspf.TempError(f"DNS {error}") from None
    return answers


pyspf.DNSLookup = _lookup_via_resolver

RESULT_DE = {
    "pass": "pass — diese IP-Adresse darf für die Domain senden.",
    "fail": "fail — diese IP-Adresse darf nicht für die Domain senden; Empfänger sollen die Mail ablehnen.",
    "softfail": "softfail — diese IP-Adresse ist nicht vorgesehen; Mails werden angenommen, aber als verdächtig markiert.",
    "neutral": "neutral — der Eintrag sagt über diese IP-Adresse nichts aus.",
    "none": "none — für die Domain ist kein SPF-Eintrag veröffentlicht.",
    "permerror": "permerror — der SPF-Eintrag ist fehlerhaft; Empfänger können ihn nicht auswerten.",
    "temperror": "temperror — ein vorübergehender DNS-Fehler; bitte später erneut prüfen.",
}


def evaluate(ip: str, domain: str, resolver: dns.resolver.Resolver, timeout: float) -> tuple[str, str]:
    """pyspf's verdict for mail from ``ip`` with a sender at ``domain``."""
    token = _current_resolver.set(resolver)
    try:
        result, detail = pyspf.check2(i=ip, s=f"postmaster@{domain}", h=domain, timeout=timeout, querytime=timeout)
    except Exception as error:  # noqa: BLE001 - pyspf may raise on odd DNS data; that is a temperror for the user
        result, detail = "temperror", str(error)
    finally:
        _current_resolver.reset(token)
    del detail  # pyspf's own wording is English; the German one below says the same
    result = result.lower()
    return result, RESULT_DE.get(result, result)
