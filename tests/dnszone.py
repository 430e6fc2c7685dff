"""A real DNS server on 127.0.0.1 for the SPF tests (dnslib), and one that never answers."""

from __future__ import annotations

import socket

from dnslib import AAAA, CNAME, MX, PTR, QTYPE, RCODE, RD, RR, TXT, A, DNSError
from dnslib.server import BaseResolver, DNSLogger, DNSServer

ZONE = """
example.test.        60 IN TXT "v=spf1 a include:inc.example.test -all"
example.test.        60 IN TXT "unrelated text record"
example.test.        60 IN A   192.0.2.10
inc.example.test.    60 IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"
redir.test.          60 IN TXT "v=spf1 redirect=example.test"
loop.test.           60 IN TXT "v=spf1 include:loop2.test -all"
loop2.test.          60 IN TXT "v=spf1 include:loop.test -all"
two.test.            60 IN TXT "v=spf1 -all"
two.test.            60 IN TXT "v=spf1 a -all"
void.test.           60 IN TXT "v=spf1 a:nx1.void.test a:nx2.void.test a:nx3.void.test -all"
nospf.test.          60 IN TXT "google-site-verification=abc"
neutral.test.        60 IN TXT "v=spf1 ?all"
split.test.          60 IN TXT "v=spf1 ip4:192.0.2.1 " "include:inc.example.test -all"
many.test.           60 IN TXT "v=spf1 include:m1.test include:m2.test include:m3.test include:m4.test include:m5.test include:m6.test -all"
"""
# m1..m6 each cost two more lookups: 6 + 6*1 + … = more than 10 in all
ZONE += "".join(f'm{i}.test. 60 IN TXT "v=spf1 a:example.test -all"\nm{i}.test. 60 IN A 192.0.2.{i}\n' for i in range(1, 7))
ZONE += """
atlimit.test.        60 IN TXT "v=spf1 a include:m1.test ip4:192.0.2.99 mx include:many.test -all"
atlimit.test.        60 IN A   192.0.2.20
redirall.test.       60 IN TXT "v=spf1 ip4:192.0.2.1 ~all redirect=redirall.test"
macro.test.          60 IN TXT "v=spf1 exists:%{l}.%{h}.allow.test -all"
bob.mail.example.allow.test. 60 IN A 127.0.0.2
brokeninc.test.      60 IN TXT "v=spf1 ip4:192.0.2.1 include:broken.test -all"
broken.test.         60 IN TXT "v=spf1 ip4:1.2.3 -all"
mxnx.test.           60 IN TXT "v=spf1 mx -all"
mxnx.test.           60 IN MX  10 nohost1.mxnx.test.
mxnx.test.           60 IN MX  20 nohost2.mxnx.test.
mxnx.test.           60 IN MX  30 nohost3.mxnx.test.
mxmany.test.         60 IN TXT "v=spf1 mx -all"
"""
ZONE += "".join(f"mxmany.test. 60 IN MX {i} mx{i}.mxmany.test.\nmx{i}.mxmany.test. 60 IN A 192.0.2.{i}\n" for i in range(11))
# Ten MX names with an address each, five times over: a check of mxheavy.test for a foreign IP
# asks 5 + 5 * 10 names, all within the RFC's limits, but beyond faqbot's cap of queries.
ZONE += 'mxheavy.test. 60 IN TXT "v=spf1 ' + " ".join(f"mx:mxten{k}.test" for k in range(5)) + ' -all"\n'
ZONE += "".join(
    f"mxten{k}.test. 60 IN MX {i} mx{i}.mxten{k}.test.\nmx{i}.mxten{k}.test. 60 IN A 198.51.100.{k * 10 + i}\n"
    for k in range(5)
    for i in range(10)
)
# A chain of includes a hundred deep: chain1 includes chain2, which includes chain3, …
ZONE += "".join(
    f'chain{i}.test. 60 IN TXT "v=spf1 ip4:192.0.2.{i % 250} include:chain{i + 1}.test -all"\n' for i in range(1, 101)
)


class ZoneWithNoData(BaseResolver):
    """NXDOMAIN only for names without any record; NOERROR/empty for a missing type; SERVFAIL on request."""

    def __init__(self, zone: str):
        self.records = list(RR.fromZone(zone))
        self.queries = 0  # every query received, so a test can count what one lookup sends

    def resolve(self, request, handler):
        self.queries += 1
        reply = request.reply()
        name, qtype = request.q.qname, QTYPE[request.q.qtype]
        if str(name).startswith("servfail."):
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        known = [rr for rr in self.records if rr.rname == name]
        for rr in known:
            if QTYPE[rr.rtype] == qtype:
                reply.add_answer(rr)
        if not known:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def start_dns_server() -> tuple[DNSServer, str]:
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    server = DNSServer(ZoneWithNoData(ZONE), address="127.0.0.1", port=0, logger=quiet)
    server.start_thread()
    port = server.server.server_address[1]
    return server, f"127.0.0.1:{port}"


def silent_nameserver() -> tuple[socket.socket, str]:
    """A UDP port that receives queries and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"127.0.0.1:{sock.getsockname()[1]}"


# --- the RFC 7208 / RFC 4408 test suites' zones ------------------------------------------


class SuiteZone(BaseResolver):
    """Serves one scenario of the SPF test suites at a time (``zone`` is swapped per case), read
    as pyspf's testspf.py reads it: an SPF record also answers TXT where the name has no TXT
    (``TXT: NONE`` says "no TXT, and none generated"); ``TIMEOUT`` means no answer at all for
    the types not listed before it; an unknown name is NXDOMAIN, one under ``error.`` no answer."""

    def __init__(self):
        self.zone: dict[str, list] = {}

    def load(self, zonedata: dict) -> None:
        zone: dict[str, list] = {}
        for name, entries in zonedata.items():
            rows: list = []
            has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
            for entry in entries:
                if not isinstance(entry, dict):
                    rows.append(entry)  # "TIMEOUT"
                    continue
                for rtype, value in entry.items():
                    if rtype in ("TXT", "SPF") and isinstance(value, str):
                        value = [value]
                    if value != ["NONE"]:
                        rows.append((rtype, value))
                    if rtype == "SPF" and not has_txt:
                        rows.append(("TXT", value))
            zone[name.lower().rstrip(".")] = rows
        self.zone = zone

    def _rrs(self, name: str, qtype: str, depth: int = 0) -> list[RR] | None:
        """The answer's records, or None for "no answer"."""
        rows = self.zone.get(name.lower().rstrip("."))
        if rows is None:
            return None if name.lower().startswith("error.") else []
        answer: list[RR] = []
        for row in rows:
            if row == "TIMEOUT":
                return answer or None
            rtype, value = row
            if value == "TIMEOUT" or value == ["TIMEOUT"]:
                if rtype == qtype:
                    return None
                continue
            if rtype == qtype or (rtype == "CNAME" and qtype != "CNAME"):
                answer.append(_rr(name, rtype, value))
                if rtype == "CNAME" and depth == 0:  # like a real server: the target's records too, one level
                    answer += self._rrs(str(value), qtype, depth + 1) or []
        return answer

    def resolve(self, request, handler):
        # The raw labels: str() would escape the spaces of a name such as "macro%percent  space".
        name, qtype = b".".join(request.q.qname.label).decode("utf-8", "replace"), QTYPE[request.q.qtype]
        answer = self._rrs(name, qtype)
        if answer is None:
            raise DNSError("TIMEOUT: no answer")  # dnslib then sends nothing
        reply = request.reply()
        if name.lower() not in self.zone:
            reply.header.rcode = RCODE.NXDOMAIN
        for rr in answer:
            reply.add_answer(rr)
        return reply


def _rr(name: str, rtype: str, value) -> RR:
    if rtype == "A":
        rdata = A(value)
    elif rtype == "AAAA":
        rdata = AAAA(value)
    elif rtype == "MX":
        rdata = MX(value[1], value[0])
    elif rtype == "PTR":
        rdata = PTR(value)
    elif rtype == "CNAME":
        rdata = CNAME(value)
    elif not value:  # a TXT record without any string: illegal, but the suite serves one (null-text)
        rdata = RD(b"")
    else:  # TXT, SPF: strings of at most 255 bytes each; the record is their concatenation
        chunks = [s.encode("utf-8") for s in value]
        rdata = TXT([c[i : i + 255] for c in chunks for i in range(0, max(len(c), 1), 255)])
    return RR(name, getattr(QTYPE, rtype), rdata=rdata, ttl=60)


def start_suite_server() -> tuple[DNSServer, SuiteZone, str]:
    zone = SuiteZone()
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    server = DNSServer(zone, address="127.0.0.1", port=0, logger=quiet)
    server.start_thread()
    return server, zone, f"127.0.0.1:{server.server.server_address[1]}"
