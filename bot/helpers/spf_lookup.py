"""The live side of SPF: a domain's published record, what checking it can cost, and
whether an IP address may send for a sender (decided by pyspf, the reference
implementation, not by code of our own).

Every DNS problem becomes a German message and an RFC 7208 result
(none / temperror / permerror); nothing here raises for bad input or a bad
network. One check sends at most ``MAX_QUERIES`` DNS queries and takes at most
``MAX_CHECK_SECONDS``: a visitor of the served chat may type any domain, and a
chain of includes must not turn that into a flood of queries.
"""

from __future__ import annotations

import contextvars
import ipaddress
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.resolver
import spf as pyspf

from faqbot.bot.helpers.spf import MAX_DNS_LOOKUPS, CheckResult, Finding, SpfInputError, check, is_spf_record

MAX_VOID_LOOKUPS = 2  # RFC 7208 4.6.4
MAX_MX_NAMES = 10  # RFC 7208 4.6.4: more MX names than this is a permerror
MAX_QUERIES = 30  # per check, evaluation and include walk together
MAX_CHECK_SECONDS = 20.0  # RFC 7208 4.6.4 suggests 20 s for a whole check
DEFAULT_TIMEOUT = 5.0


class DnsFailure(Exception):
    """A DNS failure, already put into words for the user."""

    def __init__(self, result: str, message: str, code: str = "unreachable"):
        super().__init__(message)
        self.result = result  # "none" or "temperror"
        self.message = message
        self.code = code


class QueryCapReached(DnsFailure):
    def __init__(self, message: str):
        super().__init__("temperror", message, "query-cap")


@dataclass(slots=True)
class LookupReport:
    domain: str
    sender: str | None = None
    helo: str | None = None
    records: list[str] = field(default_factory=list)
    record: str | None = None
    result: str | None = None  # pass, fail, softfail, neutral, none, permerror, temperror (with an IP)
    result_explanation: str | None = None
    result_detail_de: str | None = None  # why, for permerror and temperror
    dns_lookups: int = 0  # worst case over the record and everything it includes
    void_lookups: int = 0  # of the include walk
    evaluation_lookups: int | None = None  # what the check for this IP really cost
    evaluation_void_lookups: int | None = None
    queries: int = 0  # DNS queries sent in all
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    check: CheckResult | None = None

    def to_json(self) -> dict[str, Any]:
        def finding(f: Finding) -> dict[str, str | None]:
            return {"code": f.code, "message": f.message, "term": f.term}

        return {
            "domain": self.domain,
            "sender": self.sender,
            "helo": self.helo,
            "records": self.records,
            "record": self.record,
            "result": self.result,
            "dns_lookups": self.dns_lookups,
            "void_lookups": self.void_lookups,
            "evaluation_lookups": self.evaluation_lookups,
            "evaluation_void_lookups": self.evaluation_void_lookups,
            "queries": self.queries,
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
    if port and (not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536):
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


def domain_problem(name: str) -> str | None:
    """Why ``name`` is no domain SPF can look up (RFC 7208 4.3: the result is then none), or None."""
    if name.startswith("["):
        return f"„{name}“ ist eine IP-Adresse in eckigen Klammern, keine Domain."
    if any(char.isspace() or not char.isprintable() for char in name):
        return f"„{name}“ enthält Leer- oder Steuerzeichen und ist keine Domain."
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    if len(labels) < 2:
        return f"„{name}“ ist keine vollständige Domain (z. B. example.de)."
    if not all(labels):
        return f"„{name}“ enthält einen leeren Namensteil (zwei Punkte hintereinander)."
    if any(len(label) > 63 for label in labels):
        return f"„{name}“ enthält einen Namensteil mit mehr als 63 Zeichen."
    if len(name) > 253:
        return f"„{name}“ ist länger als 253 Zeichen."
    return None


def to_ascii(name: str) -> str:
    """An internationalised domain as DNS needs it; ASCII names unchanged (case kept)."""
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name  # domain_problem or DNS will say what is wrong with it


class _Dns:
    """One check's DNS: answers cached (the walk reuses what the evaluation asked), queries
    counted and capped, a deadline for all of them, failures put into words."""

    def __init__(self, resolver: dns.resolver.Resolver, timeout: float, max_queries: int, seconds: float):
        self.resolver = resolver
        self.timeout = timeout
        self.max_queries = max_queries
        self.deadline = time.monotonic() + seconds
        self.queries = 0
        self.cache: dict[tuple[str, str], tuple[list[Any], bool] | DnsFailure] = {}

    def answers(self, name: str, rdtype: str) -> tuple[list[Any], bool]:
        """(records, nxdomain); an empty list without NXDOMAIN means the name has no such record."""
        key = (name.lower().rstrip("."), rdtype)
        cached = self.cache.get(key)
        if isinstance(cached, DnsFailure):
            raise cached
        if cached is not None:
            return cached
        try:
            result = self._ask(name, rdtype)
        except DnsFailure as failure:
            if not isinstance(failure, QueryCapReached):
                self.cache[key] = failure
            raise
        self.cache[key] = result
        return result

    def _ask(self, name: str, rdtype: str) -> tuple[list[Any], bool]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise QueryCapReached(f"Die Prüfung wurde nach {MAX_CHECK_SECONDS:.0f} Sekunden abgebrochen.")
        if self.queries >= self.max_queries:
            raise QueryCapReached(f"Die Prüfung wurde nach {self.max_queries} DNS-Abfragen abgebrochen.")
        self.queries += 1
        try:
            return list(self.resolver.resolve(name, rdtype, search=False, lifetime=min(self.timeout, left))), False
        except dns.resolver.NXDOMAIN:
            return [], True
        except dns.resolver.NoAnswer:
            return [], False
        except dns.resolver.NoNameservers:
            raise DnsFailure("temperror", f"Der Nameserver konnte {name} nicht auflösen (SERVFAIL).") from None
        except dns.exception.Timeout:
            raise DnsFailure("temperror", f"Keine Antwort vom Nameserver zu {name} (Zeitüberschreitung).") from None
        except (dns.name.EmptyLabel, dns.name.LabelTooLong, dns.name.NameTooLong):
            raise DnsFailure("none", f"„{name}“ ist kein gültiger DNS-Name.", "domain") from None
        except (dns.exception.DNSException, OSError) as error:
            raise DnsFailure("temperror", f"DNS-Fehler bei {name}: {error}") from None

    def spf_records(self, name: str) -> tuple[list[str], bool]:
        answers, nxdomain = self.answers(name, "TXT")
        records = []
        for answer in answers:
            text = b"".join(answer.strings).decode("utf-8", "replace")
            if is_spf_record(text):
                records.append(text)
        return records, nxdomain


# --- the identity to check -----------------------------------------------------------


def _identity(domain: str | None, sender: str | None, helo: str | None) -> tuple[str, str, str]:
    """(domain, sender, helo) as RFC 7208 2.3/2.4 read them: an empty sender is postmaster@HELO."""
    domain = (domain or "").strip() or None
    helo = (helo or "").strip() or None
    if sender is not None:
        sender = sender.strip()
        if sender:
            local, sender_domain = pyspf.split_email(sender, helo or "")
            if domain and sender_domain.lower().rstrip(".") != domain.lower().rstrip("."):
                raise SpfInputError(
                    f"Die Absenderadresse {sender} gehört zu {sender_domain}, nicht zu {domain}: Geprüft wird immer die Domain des Absenders."
                )
            return sender_domain, f"{local}@{to_ascii(sender_domain)}", helo or sender_domain
        helo = helo or domain
        if not helo:
            raise SpfInputError("Ohne Absenderadresse braucht die Prüfung einen HELO-Namen (--helo).")
        if domain and domain.lower().rstrip(".") != helo.lower().rstrip("."):
            raise SpfInputError(f"Ohne Absender wird der HELO-Name {helo} geprüft, nicht {domain}.")
        return helo, "", helo
    if not domain:
        if helo:
            return helo, "", helo
        raise SpfInputError("Bitte geben Sie eine Domain an, z. B. example.de.")
    return domain, f"postmaster@{to_ascii(domain)}", helo or domain


# --- lookup ---------------------------------------------------------------------------


def lookup(
    domain: str | None = None,
    *,
    ip: str | None = None,
    sender: str | None = None,
    helo: str | None = None,
    nameserver: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> LookupReport:
    """The domain's SPF record with its findings and its DNS cost; with ``ip``, the verdict.

    ``sender`` (MAIL FROM) and ``helo`` are what the receiving server saw; without them the
    check uses postmaster@DOMAIN and DOMAIN, which is enough unless the record uses macros.
    """
    try:
        name, sender_text, helo_text = _identity(domain, sender, helo)
    except SpfInputError as error:
        report = LookupReport((domain or sender or helo or "").strip())
        report.errors.append(Finding("identity", str(error)))
        return report
    report = LookupReport(to_ascii(name).rstrip(".").lower(), sender, helo)
    if ip is not None:
        try:
            ipaddress.ip_address(ip.strip())
        except ValueError:
            report.errors.append(Finding("ip", f"„{ip}“ ist keine gültige IP-Adresse (nur Ziffern 0–9, z. B. 192.0.2.1)."))
            return report
    problem = domain_problem(name)
    if problem:
        report.errors.append(Finding("domain", f"{problem} Für sie gibt es keinen SPF-Eintrag (Ergebnis: none)."))
        if ip is not None:
            report.result, report.result_explanation = "none", RESULT_DE["none"]
        return report
    try:
        queries = _Dns(make_resolver(nameserver, timeout), timeout, MAX_QUERIES, MAX_CHECK_SECONDS)
    except SpfInputError as error:
        report.errors.append(Finding("nameserver", str(error)))
        return report
    except DnsFailure as error:
        report.errors.append(Finding("nameserver", error.message))
        return report
    try:
        _read_top_record(queries, report)
    except DnsFailure as error:
        report.queries = queries.queries
        report.errors.append(Finding(error.code, _unreachable(report.domain, error)))
        if ip is not None:
            report.result, report.result_explanation = error.result, RESULT_DE[error.result]
        return report

    if ip is not None:
        _evaluate(queries, report, ip.strip(), sender_text, helo_text, timeout)
    if report.record is not None:
        _walk(queries, report)
    report.queries = queries.queries
    if report.result in ("permerror", "temperror") and not report.errors:
        report.errors.append(Finding("result", f"Die Prüfung für {ip} ergibt {report.result}: {report.result_detail_de}"))
    return report


def _unreachable(domain: str, error: DnsFailure) -> str:
    if error.result == "none":
        return f"{error.message} Ergebnis: none."
    return (
        f"{domain} oder ihr DNS ist nicht erreichbar: {error.message} Ob ein SPF-Eintrag veröffentlicht ist, "
        "lässt sich so nicht sagen – bitte später erneut prüfen (Ergebnis: temperror)."
    )


def _read_top_record(queries: _Dns, report: LookupReport) -> None:
    name = report.domain
    report.records, nxdomain = queries.spf_records(name)
    if not report.records:
        if nxdomain:
            message = f"Die Domain {name} gibt es im DNS nicht (NXDOMAIN) – also auch keinen SPF-Eintrag (Ergebnis: none)."
            report.errors.append(Finding("nxdomain", message))
        else:
            report.errors.append(Finding("no-record", f"Für {name} ist kein SPF-Eintrag veröffentlicht (Ergebnis: none)."))
        return
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
    # The walk below says the same with all includes counted.
    report.warnings += [f for f in report.check.warnings if f.code != "too-many-lookups"]


# --- the include walk: what checking the record can cost at most ---------------------------


def _walk(queries: _Dns, report: LookupReport) -> None:
    """Follow include and redirect iteratively (never by recursion), counting DNS-querying terms
    and void lookups, and stop at the RFC's limits: past them every receiver gives up too."""
    warn = report.warnings.append
    seen_warnings: set[tuple[str, str | None]] = set()

    def note(code: str, message: str, term: str | None = None) -> None:
        if (code, message) not in seen_warnings:
            seen_warnings.add((code, message))
            warn(Finding(code, message, term))

    stack: list[tuple[str, str, tuple[str, ...]]] = [(report.domain, report.record or "", (report.domain,))]
    lookups = voids = 0
    following = True  # until a limit is reached; past it no receiver looks further either
    truncated = False
    try:
        while stack and following:
            domain, record, chain = stack.pop()
            followed: list[tuple[str, str, tuple[str, ...]]] = []
            result = check(record)
            if domain != report.domain and not result.valid:
                problems = " ".join(f.message for f in result.errors)
                note(
                    "included-record",
                    f"Der SPF-Eintrag von {domain} ({' → '.join(chain)}) ist fehlerhaft: {problems} Wird er ausgewertet, ergibt das permerror.",
                )
            has_all = any(t.name == "all" for t in result.terms)
            for term in result.terms:
                if term.name == "all":
                    break  # nothing after "all" is ever evaluated
                if term.name not in ("include", "a", "mx", "ptr", "exists") and not (term.name == "redirect" and not has_all):
                    continue
                lookups += 1
                if lookups > MAX_DNS_LOOKUPS:
                    following = False
                if not following:
                    truncated = truncated or term.name in ("include", "redirect")
                    continue  # still counted, no longer asked
                target = (term.value or domain).rstrip(".").lower()
                if "%" in target or domain_problem(target):
                    continue  # a macro: only known for a real sender
                if term.name in ("include", "redirect"):
                    if target in chain:
                        note(
                            "loop",
                            f"Schleife: {' → '.join([*chain, target])}. Wird sie erreicht, ergibt das permerror.",
                            term.text,
                        )
                        continue
                    records, _ = queries.spf_records(target)
                    if len(records) != 1:
                        problem = "keinen SPF-Eintrag" if not records else f"{len(records)} SPF-Einträge"
                        note(
                            "include-target",
                            f"{target} ({term.text}) hat {problem}; wird das erreicht, ergibt es permerror.",
                            term.text,
                        )
                        voids += not records
                        continue
                    followed.append((target, records[0], (*chain, target)))
                elif term.name in ("a", "exists"):
                    voids += not queries.answers(target, "A")[0]
                elif term.name == "mx":
                    names, _ = queries.answers(target, "MX")
                    if not names:
                        voids += 1
                    elif len(names) > MAX_MX_NAMES:
                        note(
                            "mx-limit",
                            f"{target} hat {len(names)} MX-Einträge; mehr als {MAX_MX_NAMES} ergeben bei „{term.text}“ permerror.",
                            term.text,
                        )
                    else:
                        for mx in sorted(names, key=lambda r: r.preference):
                            voids += not queries.answers(mx.exchange.to_text(), "A")[0]
                if voids > MAX_VOID_LOOKUPS:
                    following = False
            # Depth first, in the record's own order: includes before a redirect.
            stack.extend(reversed(followed))
        truncated = truncated or bool(stack)
    except QueryCapReached as capped:
        note("query-cap", f"{capped.message} Die Zählung der Abfragen ist deshalb unvollständig.")
    except DnsFailure as failure:
        note("walk-dns", f"Nicht alle includes ließen sich abfragen: {failure.message}")
    report.dns_lookups, report.void_lookups = lookups, voids
    if lookups > MAX_DNS_LOOKUPS:
        note(
            "too-many-lookups",
            f"Bis zu {lookups}{' oder mehr' if truncated else ''} DNS-Abfragen (mit allen includes), wenn keine frühere Regel passt; "
            f"erlaubt sind {MAX_DNS_LOOKUPS}. Wo die Grenze überschritten wird, werten Empfänger das als permerror.",
        )
    if voids > MAX_VOID_LOOKUPS:
        note(
            "void-lookups",
            f"Bis zu {voids} Abfragen ohne Ergebnis (erlaubt: {MAX_VOID_LOOKUPS}), wenn keine frühere Regel passt; "
            "darüber werten Empfänger das als permerror.",
        )


# --- evaluation by pyspf ----------------------------------------------------------------

# pyspf asks DNS through its module-level DNSLookup; route it through the _Dns of the
# check that is running (a context variable, so parallel checks do not mix).
_current: contextvars.ContextVar[_Dns | None] = contextvars.ContextVar("spf_dns", default=None)
_original_lookup = pyspf.DNSLookup


def _lookup_via_check(name: str, qtype: str, tcpfallback: bool = True, timeout: float = 30) -> Any:
    queries = _current.get()
    if queries is None:
        return _original_lookup(name, qtype, tcpfallback, timeout)
    try:
        answers, _ = queries.answers(name, qtype)
    except DnsFailure as failure:
        raise pyspf.TempError(failure.message) from None
    result = []
    for rdata in answers:
        if qtype in ("A", "AAAA"):
            result.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            result.append(((name, qtype), (rdata.preference, rdata.exchange.to_text(True))))
        elif qtype == "PTR":
            result.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            result.append(((name, qtype), rdata.strings))
    return result


pyspf.DNSLookup = _lookup_via_check

RESULT_DE = {
    "pass": "pass — diese IP-Adresse darf für die Domain senden.",
    "fail": "fail — diese IP-Adresse darf nicht für die Domain senden; Empfänger sollen die Mail ablehnen.",
    "softfail": "softfail — diese IP-Adresse ist nicht vorgesehen; Mails werden angenommen, aber als verdächtig markiert.",
    "neutral": "neutral — der Eintrag sagt über diese IP-Adresse nichts aus.",
    "none": "none — für die Domain ist kein SPF-Eintrag veröffentlicht.",
    "permerror": "permerror — der SPF-Eintrag ist fehlerhaft; Empfänger können ihn nicht auswerten.",
    "temperror": "temperror — ein vorübergehender DNS-Fehler; bitte später erneut prüfen.",
}

# pyspf's reasons (PermError/TempError messages, matched by their start), in German
_REASONS_DE = [
    ("Too many DNS lookups", "mehr als 10 DNS-Abfragen bei dieser Prüfung"),
    ("More than 40 DNS lookups", "mehr als 10 DNS-Abfragen bei dieser Prüfung"),
    ("Void lookup limit", "mehr als 2 Abfragen ohne Ergebnis bei dieser Prüfung"),
    ("More than 10 MX records", "mehr als 10 MX-Einträge bei einem mx-Mechanismus"),
    ("No valid SPF record for included domain", "eine eingebundene Domain hat keinen SPF-Eintrag"),
    ("redirect domain has no SPF record", "die Domain von redirect= hat keinen SPF-Eintrag"),
    ("Two or more type TXT spf records", "mehrere SPF-Einträge bei einer Domain"),
    ("Non-ascii", "Nicht-ASCII-Zeichen im SPF-Eintrag"),
    ("Invalid IP4 address", "ungültige IPv4-Adresse"),
    ("Invalid IP6 address", "ungültige IPv6-Adresse"),
    ("Invalid IP4 CIDR", "ungültiges IPv4-Präfix"),
    ("Invalid IP6 CIDR", "ungültiges IPv6-Präfix"),
    ("Dual CIDR not allowed", "doppeltes Präfix (//) nur bei a und mx erlaubt"),
    ("CIDR not allowed", "Präfix an einem Mechanismus, der keines erlaubt"),
    ("Invalid domain found", "ungültige Domain"),
    ("Unknown mechanism", "unbekannter Mechanismus"),
    ("Unknown qualifier", "unbekanntes Qualifier-Zeichen"),
    ("Missing IP4", "IPv4-Adresse ohne „ip4:“"),
    ("Use the ip4 mechanism", "IPv4-Adresse nach „a:“ statt „ip4:“"),
    ("Invalid all mechanism", "„all“ mit einem Wert"),
    ("implicit exists", "„exists“ ohne Domain"),
    ("include has trivial recursion", "include bindet den eigenen Eintrag ein"),
    ("include mechanism missing domain", "include ohne Domain"),
    ("empty domain", "leere Domain"),
    ("redirect has empty domain", "redirect= ohne Domain"),
    ("exp has empty domain", "exp= ohne Domain"),
    ("redirect= MUST appear at most once", "redirect= mehr als einmal"),
    ("MUST appear at most once", "ein Modifikator mehr als einmal"),
    ("invalid-macro-char", "ungültiges Makro"),
    ("Unknown Macro", "unbekanntes Makro"),
    ("c,r,t macros", "Makro c, r oder t außerhalb des Erklärungstexts"),
    ("Do not separate mechnisms with commas", "Komma zwischen Mechanismen"),
    ("Length of CNAME chain", "zu lange CNAME-Kette"),
    ("syntax error", "Syntaxfehler"),
    ("DNS Error: exceeded max query lookup time", f"Zeitlimit von {MAX_CHECK_SECONDS:.0f} Sekunden überschritten"),
]


def _reason_de(message: str, term: str | None) -> str:
    where = f" in „{term}“" if term else ""
    for english, german in _REASONS_DE:
        if message.lower().startswith(english.lower()):
            return german + where
    return f"{message}{where}"  # our own (German) DNS messages, or one pyspf did not say before


def _evaluate(queries: _Dns, report: LookupReport, ip: str, sender: str, helo: str, timeout: float) -> None:
    """pyspf's verdict for mail from ``ip`` with this sender and HELO, and what it cost."""
    token = _current.set(queries)
    problem, term = "", None
    try:
        query = pyspf.query(i=ip, s=sender, h=helo, strict=True, timeout=timeout, querytime=MAX_CHECK_SECONDS)
        result, _code, _explanation = query.check()
        report.evaluation_lookups, report.evaluation_void_lookups = query.lookups, query.void_lookups
        problem, term = getattr(query, "prob", ""), (query.mech[-1] if query.mech else None)
    except Exception as error:  # noqa: BLE001 - pyspf may raise on odd DNS data; that is a temperror for the user
        result, problem = "temperror", str(error)
    finally:
        _current.reset(token)
    result = result.lower()
    report.result, report.result_explanation = result, RESULT_DE.get(result, result)
    if result in ("permerror", "temperror"):
        reason = _reason_de(str(problem), str(term) if term else None)
        report.result_detail_de = reason
        report.result_explanation = f"{report.result_explanation} Grund: {reason}."
