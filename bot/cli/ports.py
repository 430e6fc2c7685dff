"""`faqbot ports [autoconfig|test]`: mail client settings and a real connection test."""

from __future__ import annotations

import argparse
import sys

from faqbot.bot.cli.arg_types import port, seconds
from faqbot.bot.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from faqbot.bot.cli.json_output import json_line


def add_commands(commands) -> None:
    ports = commands.add_parser("ports", help="Servername, Ports und TLS für das Mailprogramm; Verbindung testen")
    ports.add_argument("--server", metavar="sNNN", help="Ihre Servernummer aus den Zugangsdaten, z. B. s012")
    ports.add_argument("--email", metavar="ADRESSE", help="Ihre E-Mail-Adresse (= Benutzername)")
    ports.add_argument("--json", action="store_true")
    ports.add_argument("--text", action="store_true", help="als Text für ein Ticket, wie ihn die Konsole kopiert")
    ports.set_defaults(func=cmd_settings)
    ports_commands = ports.add_subparsers(dest="ports_command", metavar="BEFEHL")

    autoconfig = ports_commands.add_parser(
        "autoconfig", help="Thunderbird-Autoconfig (config-v1.1.xml) oder Outlook-Autodiscover (autodiscover.xml) ausgeben"
    )
    autoconfig.add_argument("--server", required=True, metavar="sNNN")
    whom = autoconfig.add_mutually_exclusive_group(required=True)
    whom.add_argument("--domain", metavar="DOMAIN", help="für alle Postfächer der Domain (Benutzername %%EMAILADDRESS%%)")
    whom.add_argument("--email", metavar="ADRESSE", help="nur für dieses eine Postfach")
    autoconfig.add_argument(
        "--format",
        choices=["thunderbird", "outlook"],
        default="thunderbird",
        help="thunderbird: config-v1.1.xml (Standard); outlook: autodiscover.xml (POX)",
    )
    autoconfig.set_defaults(func=cmd_autoconfig)

    test = ports_commands.add_parser("test", help="Verbindung zu einem Mailserver testen: TLS und Zertifikat")
    test.add_argument("host", metavar="HOST")
    test.add_argument("--port", type=port, default=993)
    test.add_argument("--protocol", choices=["smtp", "imap", "pop3"], help="Standard: nach Port")
    mode = test.add_mutually_exclusive_group()
    mode.add_argument("--tls", dest="mode", action="store_const", const="tls", help="sofort TLS (465, 993, 995)")
    mode.add_argument("--starttls", dest="mode", action="store_const", const="starttls", help="erst Klartext, dann STARTTLS")
    test.add_argument("--cafile", metavar="DATEI", help="eigene CA-Zertifikate statt der des Systems")
    test.add_argument("--timeout", type=seconds, default=10.0, metavar="SEKUNDEN")
    test.add_argument("--json", action="store_true")
    test.set_defaults(func=cmd_test)


def cmd_settings(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.ports import PLACEHOLDER_SERVER, TLS_MIN, SettingsInputError, settings, ticket_text

    try:
        current = settings(args.server, args.email)
    except SettingsInputError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json_line(current.to_json()))
        return EXIT_OK
    if args.text:
        print(ticket_text(current), end="")
        return EXIT_OK
    print(f"Server (Posteingang und Postausgang): {current.host}")
    if current.server == PLACEHOLDER_SERVER:
        print("  „xx“ steht für Ihren Server: Die Nummer finden Sie in Ihren Zugangsdaten (--server s012).")
    print(f"Benutzername: {current.username or 'Ihre vollständige E-Mail-Adresse'}")
    print("Anmeldung: Passwort (normal)")
    print(f"Verschlüsselung: TLS ab Version {TLS_MIN}\n")
    print(f"  {'Protokoll':<10} {'Richtung':<12} {'Port':>5}  Sicherheit")
    for entry in current.entries:
        direction = "Posteingang" if entry.direction == "incoming" else "Postausgang"
        print(f"  {entry.protocol.upper():<10} {direction:<12} {entry.port:>5}  {entry.security_de}")
    print()
    for warning in current.warnings:
        print(f"Hinweis: {warning}")
    return EXIT_OK


def cmd_autoconfig(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.ports import SettingsInputError, autoconfig_xml, autodiscover_xml, normalise_domain

    try:
        if args.format == "outlook":
            if args.domain is not None:
                normalise_domain(args.domain)  # Outlook's file names no domain, but a typo should still be caught
            sys.stdout.write(autodiscover_xml(args.server, args.email))
        else:
            sys.stdout.write(autoconfig_xml(args.server, args.email, args.domain))
    except SettingsInputError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_test(args: argparse.Namespace) -> int:
    from faqbot.bot.helpers.mailconn import check_connection

    report = check_connection(
        args.host, args.port, protocol=args.protocol, mode=args.mode, cafile=args.cafile, timeout=args.timeout
    )
    if args.json:
        print(json_line(report.to_json()))
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    print(f"Verbindung zu {report.heading}")
    for line in report.facts:
        print(f"  {line}")
    for warning in report.warnings:
        print(f"  Hinweis: {warning}")
    print(report.verdict)
    print(f"Zum Nachprüfen: {report.openssl}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS
