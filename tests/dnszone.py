"""A real DNS server on 127.0.0.1 for the SPF tests (dnslib), and one that never answers."""

from __future__ import annotations

import socket

from dnslib import QTYPE, RCODE, RR
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


class ZoneWithNoData(BaseResolver):
    """NXDOMAIN only for names without any record; NOERROR/empty for a missing type; SERVFAIL on request."""

    def __init__(self, zone: str):
        self.records = list(RR.fromZone(zone))

    def resolve(self, request, handler):
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
