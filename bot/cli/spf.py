"""`faqbot spf check|build|lookup`: the SPF helper on the command line."""

from __future__ import annotations

import argparse
import sys

from faqbot.bot.cli.arg_types import seconds
from faqbot.bot.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from faqbot.bot.cli.json_output import json_line


def add_commands(commands) -> None:
    spf = commands.add_parser("spf", help="SPF-Einträge erstellen, prüfen und erklären; live nachschlagen")
    spf_commands = spf.add_subparsers(dest="spf_command", metavar="BEFEHL", required=True)

    check = spf_commands.add_parser("check", help="einen SPF-Eintrag prüfen und jeden Teil erklären")
    check.add_argument("record", metavar="EINTRAG", help='z. B. "v=spf1 a include:_spf.broadspeed.de -all"')
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)

    build = spf_commands.add_parser("build", help="den SPF-Eintrag für Plusnet erstellen (mit eigenen Ergänzungen)")
    build.add_argument("--domain", required=True, metavar="DOMAIN")
    build.add_argument("--no-a", dest="a", action="store_false", help="ohne den A-Record der Domain")
    build.add_argument("--mx", action="store_true", help="die MX-Server der Domain erlauben")
    build.add_argument("--no-provider", dest="provider", action="store_false", help="ohne include:_spf.broadspeed.de")
    build.add_argument("--ip4", action="append", default=[], metavar="ADRESSE[/PRÄFIX]")
    build.add_argument("--ip6", action="append", default=[], metavar="ADRESSE[/PRÄFIX]")
    build.add_argument("--include", action="append", default=[], metavar="DOMAIN")
    build.add_argument("--policy", choices=["-all", "~all"], default="-all")
    build.add_argument("--json", action="store_true")
    build.set_defaults(func=cmd_build)

    lookup = spf_commands.add_parser(
        "lookup",
        help="den veröffentlichten SPF-Eintrag einer Domain prüfen",
        description="Ohne --sender wird postmaster@DOMAIN geprüft; DOMAIN darf dann fehlen, wenn --sender oder --helo "
        'sie nennt. Ein leerer Absender (--sender "") prüft wie ein Mailserver postmaster@HELO.',
    )
    lookup.add_argument("domain", metavar="DOMAIN", nargs="?")
    lookup.add_argument("--ip", help="prüfen, ob diese IP-Adresse für die Domain senden darf")
    lookup.add_argument("--sender", metavar="ADRESSE", help="der Absender (MAIL FROM), z. B. info@example.de")
    lookup.add_argument("--helo", metavar="NAME", help="der HELO-/EHLO-Name des sendenden Servers")
    lookup.add_argument("--nameserver", metavar="HOST[:PORT]", help="diesen Nameserver fragen (Standard: der des Systems)")
    lookup.add_argument("--timeout", type=seconds, default=5.0, metavar="SEKUNDEN")
    lookup.add_argument("--json", action="store_true")
    lookup.set_defaults(func=cmd_lookup)


def _print_findings(errors, warnings) -> None:
    for finding in errors:
        print(f"  ✗ Fehler: {finding.message}")
    for finding in warnings:
        print(f"  ! Warnung: {finding.message}")


def cmd_check(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.spf import check

    result = check(args.record)
    if args.json:
        print(json_line(result.to_json()))
        return EXIT_OK if result.valid else EXIT_PROBLEMS
    print(f"Eintrag: {result.record}")
    print("Gültig." if result.valid else "Ungültig.")
    _print_findings(result.errors, result.warnings)
    if result.terms:
        print("\nBedeutung:")
        for term in result.terms:
            print(f"  {term.text:<32} {term.explanation}")
    print(f"\nDNS-Abfragen dieses Eintrags: bis zu {result.dns_lookups} von höchstens 10")
    return EXIT_OK if result.valid else EXIT_PROBLEMS


def cmd_build(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.spf import SpfInputError, build

    try:
        built = build(
            args.domain,
            a=args.a,
            mx=args.mx,
            provider=args.provider,
            ip4=args.ip4,
            ip6=args.ip6,
            include=args.include,
            policy=args.policy,
        )
    except SpfInputError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json_line({"domain": built.domain, "record": built.record, "zone_line": built.zone_line}))
    else:
        print(built.zone_line)
        for finding in built.check.warnings:
            print(f"Hinweis: {finding.message}", file=sys.stderr)
    return EXIT_OK


def cmd_lookup(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.spf_lookup import lookup

    if args.domain is None and args.sender is None and args.helo is None:
        print("Fehler: Bitte geben Sie eine Domain an (oder --sender bzw. --helo).", file=sys.stderr)
        return EXIT_USAGE
    report = lookup(args.domain, ip=args.ip, sender=args.sender, helo=args.helo, nameserver=args.nameserver, timeout=args.timeout)
    if args.json:
        print(json_line(report.to_json()))
    else:
        print(f"Domain: {report.domain}")
        if len(report.records) > 1:
            for record in report.records:
                print(f"SPF-Eintrag: {record}")
        elif report.record:
            print(f"SPF-Eintrag: {report.record}")
        if report.record:
            print(
                f"DNS-Abfragen mit allen includes: bis zu {report.dns_lookups} von höchstens 10; "
                f"ohne Ergebnis: bis zu {report.void_lookups} von höchstens 2"
            )
        if report.result_explanation:
            who = f" (Absender {report.sender or 'postmaster@' + report.domain}, HELO {report.helo or report.domain})"
            print(f"Ergebnis für {args.ip}{who if args.sender is not None or args.helo else ''}: {report.result_explanation}")
            if report.evaluation_lookups is not None:
                print(
                    f"Diese Prüfung brauchte {report.evaluation_lookups} DNS-Abfragen, "
                    f"davon {report.evaluation_void_lookups} ohne Ergebnis"
                )
        _print_findings(report.errors, report.warnings)
    return EXIT_OK if not report.errors else EXIT_PROBLEMS
