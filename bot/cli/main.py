"""`faqbot` and its subcommands. Thin: parse arguments, call kb/ and bot/, print.

Imports are done inside the commands, so that `faqbot ask` starts quickly and
never loads Textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from faqbot.bot.cli import evaluate as cli_evaluate
from faqbot.bot.cli import ports as cli_ports
from faqbot.bot.cli import spf as cli_spf
from faqbot.bot.cli.arg_types import clean_argument, decode_line, port, positive_int, positive_minutes
from faqbot.bot.cli.common import add_articles_option, load_index
from faqbot.bot.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from faqbot.bot.cli.json_output import json_line

DEFAULT_MAX_SESSIONS = 20  # measured: see the README ("Serving the chat")


def cmd_kb_check(args: argparse.Namespace) -> int:
    from faqbot.kb.calibration import load_calibration
    from faqbot.kb.keyword_check import common_keyword_warnings, unknown_to_classifier_warnings
    from faqbot.kb.loader import load_articles
    from faqbot.kb.location import articles_dir

    folder = articles_dir(args.articles)
    result = load_articles(folder)
    classifier = load_calibration().classifier
    problems = [*result.problems, *common_keyword_warnings(result.articles)]
    if classifier is not None:
        problems += unknown_to_classifier_warnings(result.articles, classifier.knows)
    for problem in problems:
        print(problem)
    errors = [problem for problem in problems if not problem.warning]
    if errors:
        files = len({problem.path for problem in errors})
        print(f"{len(errors)} Problem(e) in {files} Datei(en) gefunden.", file=sys.stderr)
        return EXIT_PROBLEMS
    questions = sum(len(article.questions) for article in result.articles)
    categories = len({article.category for article in result.articles})
    hints = f", {len(problems)} Hinweis(e)" if problems else ""
    print(
        f"OK: {len(result.articles)} Artikel, {questions} Fragen, {categories} Kategorien, "
        f"{len(result.topics)} Themen ohne Artikel{hints} in {folder}"
    )
    return EXIT_OK


def _hit_json(hit) -> dict:
    return {"id": hit.article.id, "title": hit.article.title, "score": hit.score}


def result_json(result) -> dict:
    return {
        "question": result.question,
        "status": result.status,
        "answer": _hit_json(result.answer) if result.answer else None,
        "suggestions": [_hit_json(hit) for hit in result.suggestions],
        "topic": result.topic.id if result.topic else None,
        "section": {"heading": result.section.heading, "anchor": result.section.anchor} if result.section else None,
    }


def _print_reply(reply, *, full: bool = False) -> None:
    """The chat's reply, for the terminal: the same turn (bot.dialog), rendered with Rich."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    if reply.article is not None:
        if reply.section is not None and not full:
            console.print(Markdown(f"# {reply.article.title}\n\n{reply.section.markdown}"))
            headings = "; ".join(section.heading for section in reply.other_sections)
            if headings:
                console.print(f"\nWeitere Abschnitte: {headings}", markup=False, highlight=False)
            console.print("Den ganzen Artikel zeigt: faqbot ask --full …", markup=False, highlight=False)
        else:
            console.print(Markdown(reply.article.titled_markdown))
        if reply.suggestions:
            console.print("\nSiehe auch: " + "; ".join(article.title for article in reply.suggestions), markup=False)
        return
    console.print(Markdown(reply.text))
    if reply.kind == "suggest":
        for article in reply.suggestions:
            console.print(f"  • {article.title}  (faqbot ask „{article.id}“)", markup=False, highlight=False)


def cmd_ask(args: argparse.Namespace) -> int:
    index = load_index(args)
    if args.question == "-":
        # One question per line in, one JSON object per line out, in order. Read as bytes and
        # written as UTF-8 whatever the locale: a bad byte in one line must not stop the others.
        for raw in sys.stdin.buffer:
            result = index.ask(decode_line(raw).rstrip("\r\n"))
            sys.stdout.buffer.write((json_line(result_json(result)) + "\n").encode("utf-8"))
            sys.stdout.buffer.flush()
        return EXIT_OK
    if not args.question.strip():
        from faqbot.bot import wording

        print(wording.EMPTY_QUESTION, file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json_line(result_json(index.ask(args.question))))
    else:
        from faqbot.bot.dialog import Dialog

        _print_reply(Dialog(index).reply(args.question), full=args.full)
    return EXIT_OK


def _add_log_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        metavar="PFAD|URL",
        default=default,
        help="Gesprächsprotokoll: SQLite-Datei oder postgresql://-Adresse (Standard: $FAQBOT_DB, sonst im Benutzerordner)",
    )
    parser.add_argument(
        "--no-log",
        dest="no_log",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="nichts protokollieren",
    )


def cmd_app(args: argparse.Namespace) -> int:
    from faqbot.bot.tui import create_app
    from faqbot.bot.tui.collector import settle_for_interaction

    mode: Literal["chat", "agent"] = "agent" if args.command == "agent" else "chat"
    served = getattr(args, "served", False)
    # the log's place stays a string: a postgresql:// URL is not a path
    templates = Path(args.templates) if getattr(args, "templates", None) else None
    app = create_app(mode, args.articles, db=args.db or None, log=not args.no_log, served=served, templates=templates)
    settle_for_interaction()
    app.run()
    if app.return_code:  # Textual has printed the error; a crash must not look like a normal end
        print("Der FAQ-Bot wurde wegen eines unerwarteten Fehlers beendet (siehe oben).", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from faqbot.bot.serve import serve

    return serve(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        articles=args.articles,
        db=args.db,
        no_log=args.no_log,
        max_sessions=args.max_sessions,
        idle_minutes=args.idle_timeout,
        max_per_address=args.max_sessions_per_address,
        trusted_proxies=tuple(args.trusted_proxy),
    )


def cmd_report(args: argparse.Namespace) -> int:
    from faqbot.bot.log.report import build_report, export_tsv
    from faqbot.bot.log.store import ConversationLog, default_db_path, is_database_url

    place = (args.db if is_database_url(args.db) else Path(args.db)) if args.db else default_db_path()
    if isinstance(place, Path) and not place.exists():
        print(f"Es gibt noch kein Gesprächsprotokoll unter {place}.", file=sys.stderr)
        return EXIT_PROBLEMS
    log = ConversationLog(place)
    if not log.enabled:
        print(log.disabled_reason, file=sys.stderr)
        return EXIT_PROBLEMS
    turns = log.turns(args.since)
    if args.export_tsv:
        try:
            Path(args.export_tsv).write_text(export_tsv(turns), encoding="utf-8")
        except OSError as error:
            print(f"Fehler: {args.export_tsv} kann nicht geschrieben werden ({error.strerror or error}).", file=sys.stderr)
            return EXIT_PROBLEMS
        print(f"Unbeantwortete Fragen gespeichert: {args.export_tsv}")
        return EXIT_OK
    report = build_report(turns)
    if args.json:
        print(json_line(report.to_json()))
    else:
        from faqbot.bot.log.report_text import report_text

        print(report_text(report))
    return EXIT_OK


def _date(text: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError("erwartet wird ein Datum wie 2026-11-01") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="FAQ-Bot für den E-Mail-Dienst von Plusnet WebServer.",
    )
    add_articles_option(parser, top_level=True)
    _add_log_options(parser, top_level=True)
    parser.set_defaults(func=cmd_app)
    commands = parser.add_subparsers(dest="command", metavar="BEFEHL")

    chat = commands.add_parser("chat", help="den Chat für Kunden starten (Standard ohne Befehl)")
    agent = commands.add_parser("agent", help="die Konsole für den Support starten: suchen, Vorschau, in ein Ticket kopieren")
    agent.add_argument(
        "--templates",
        metavar="DIR",
        help="Ordner mit eigenen Antwortvorlagen (*.md mit $anrede, $antwort, $titel, $link, $hotline, $signatur)",
    )
    for app_command in (chat, agent):
        add_articles_option(app_command)
        _add_log_options(app_command)
        app_command.set_defaults(func=cmd_app)

    # textual-serve starts one chat per browser tab with this flag (not for people: no help text)
    chat.add_argument("--served", action="store_true", help=argparse.SUPPRESS)

    serve = commands.add_parser("serve", help="den Kunden-Chat im Browser anbieten (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: nur dieser Rechner)")
    serve.add_argument("--port", type=port, default=8000)
    serve.add_argument("--public-url", metavar="URL", help="die Adresse, unter der Kunden die Seite öffnen (hinter einem Proxy)")
    serve.add_argument(
        "--max-sessions",
        type=positive_int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"höchstens N gleichzeitige Chats (Standard: {DEFAULT_MAX_SESSIONS})",
    )
    serve.add_argument(
        "--max-sessions-per-address",
        type=positive_int,
        default=3,
        metavar="N",
        help="höchstens N gleichzeitige Chats je Besucher-Adresse (Standard: 3)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=positive_minutes,
        default=15.0,
        metavar="MINUTEN",
        help="untätige Chats nach so vielen Minuten beenden, mit Hinweis vorher (Standard: 15)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADRESSE",
        help="Adresse eines vorgeschalteten Proxys (z. B. nginx); nur ihm wird X-Forwarded-For geglaubt",
    )
    add_articles_option(serve)
    _add_log_options(serve)
    serve.set_defaults(func=cmd_serve)

    report = commands.add_parser("report", help="unbeantwortete Fragen und Rückmeldungen aus dem Gesprächsprotokoll")
    report.add_argument("--since", type=_date, metavar="DATUM", help="nur ab diesem Tag (JJJJ-MM-TT)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--export-tsv", metavar="DATEI", help="unbeantwortete Fragen im Format der Eval-Dateien speichern")
    _add_log_options(report)
    report.set_defaults(func=cmd_report)

    kb = commands.add_parser("kb", help="Wissensbasis prüfen")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="BEFEHL", required=True)
    check = kb_commands.add_parser("check", help="alle Artikel prüfen und jedes Problem nennen")
    add_articles_option(check)
    check.set_defaults(func=cmd_kb_check)

    ask = commands.add_parser("ask", help="eine Frage beantworten („-“: eine Frage je Zeile von stdin, JSON Lines)")
    ask.add_argument("question", metavar="FRAGE")
    ask.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    ask.add_argument("--full", action="store_true", help="den ganzen Artikel zeigen statt des passenden Abschnitts")
    add_articles_option(ask)
    ask.set_defaults(func=cmd_ask)

    cli_spf.add_commands(commands)
    cli_ports.add_commands(commands)

    cli_evaluate.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args([clean_argument(argument) for argument in (sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
