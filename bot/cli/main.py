"""`faqbot` and its subcommands. Thin: parse arguments, call kb/ and bot/, print.

Imports are done inside the commands, so that `faqbot ask` starts quickly and
never loads Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from faqbot.bot.cli import ports as cli_ports
from faqbot.bot.cli import spf as cli_spf
from faqbot.bot.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

DEFAULT_MAX_SESSIONS = 20  # measured: see the README ("Serving the chat")


def _add_articles_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    parser.add_argument(
        "--articles",
        metavar="DIR",
        # Subcommands must not reset a folder given before them (faqbot --articles X ask …).
        default=None if top_level else argparse.SUPPRESS,
        help="Ordner mit eigenen Artikeln (Standard: $FAQBOT_ARTICLES, sonst die mitgelieferten)",
    )


def _load_index(args: argparse.Namespace):
    """The index over the good articles; problems go to stderr in one line."""
    from faqbot.kb.cache import load_index
    from faqbot.kb.location import articles_dir

    folder = articles_dir(args.articles)
    loaded = load_index(folder)
    if loaded.problem_count:
        print(
            f"Hinweis: {loaded.problem_count} Problem(e) in den Artikeln unter {folder} – "
            f"Details zeigt „faqbot kb check --articles {folder}“.",
            file=sys.stderr,
        )
    return loaded.index


def cmd_kb_check(args: argparse.Namespace) -> int:
    from faqbot.kb.loader import load_articles
    from faqbot.kb.location import articles_dir

    folder = articles_dir(args.articles)
    result = load_articles(folder)
    for problem in result.problems:
        print(problem)
    if result.problems:
        files = len({problem.path for problem in result.problems})
        print(f"{len(result.problems)} Problem(e) in {files} Datei(en) gefunden.", file=sys.stderr)
        return EXIT_PROBLEMS
    questions = sum(len(article.questions) for article in result.articles)
    categories = len({article.category for article in result.articles})
    print(f"OK: {len(result.articles)} Artikel, {questions} Fragen, {categories} Kategorien in {folder}")
    return EXIT_OK


def _hit_json(hit) -> dict:
    return {"id": hit.article.id, "title": hit.article.title, "score": hit.score}


def result_json(result) -> dict:
    return {
        "question": result.question,
        "status": result.status,
        "answer": _hit_json(result.answer) if result.answer else None,
        "suggestions": [_hit_json(hit) for hit in result.suggestions],
    }


def _print_result(result) -> None:
    from faqbot.bot import wording

    if result.empty:
        print(wording.EMPTY_QUESTION)
        return
    if result.status == "answer":
        from rich.console import Console
        from rich.markdown import Markdown

        article = result.answer.article
        console = Console()
        console.print(Markdown(article.body))
        if result.suggestions:
            console.print("\nSiehe auch: " + "; ".join(hit.article.title for hit in result.suggestions), markup=False)
        return
    if result.status == "suggest":
        print(wording.DID_YOU_MEAN)
        for hit in result.suggestions:
            print(f"  • {hit.article.title}  (faqbot ask „{hit.article.id}“)")
        return
    print(wording.NO_ARTICLE)


def cmd_ask(args: argparse.Namespace) -> int:
    index = _load_index(args)
    if args.question == "-":
        # One question per line in, one JSON object per line out, in order.
        for line in sys.stdin:
            result = index.ask(line.rstrip("\r\n"))
            sys.stdout.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return EXIT_OK
    result = index.ask(args.question)
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_result(result)
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from faqbot.kb.evaluation import CaseFileError, evaluate, read_cases

    try:
        cases = read_cases(Path(args.file))
    except CaseFileError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    index = _load_index(args)
    known = {article.id for article in index.articles}
    for case in cases:
        unknown = sorted(case.expected - known)
        if unknown:
            print(f"{args.file}:{case.line}: unbekannte Artikel-id {', '.join(unknown)}", file=sys.stderr)
    report = evaluate(index, cases)
    inside = sum(1 for o in report.outcomes if o.in_scope)
    print(f"Fragen: {len(report.outcomes)} ({inside} mit Artikel, {len(report.outcomes) - inside} ohne)")
    print(f"In-scope top-1 accuracy: {report.accuracy:.1%}")
    print(f"In-scope top-3 recall:   {report.top3_recall:.1%}")
    print(f"In-scope MRR:            {report.mrr:.3f}")
    print(f"Out-of-scope rejection:  {report.rejection:.1%}")
    if report.misses:
        print("\nFehler:")
    for outcome in report.misses:
        expected = "|".join(sorted(outcome.case.expected)) or "-"
        got = outcome.result.answer.article.id if outcome.result.answer else "-"
        top = ", ".join(f"{h.article.id} {h.score:.2f}" for h in outcome.result.suggestions) or "keine"
        print(
            f"  Zeile {outcome.case.line}: erwartet {expected}, Status {outcome.result.status}, "
            f"Antwort {got}; Rang {outcome.rank or '-'}; Vorschläge: {top} — {outcome.case.question}"
        )
    failed = (args.min_accuracy is not None and report.accuracy < args.min_accuracy) or (
        args.min_rejection is not None and report.rejection < args.min_rejection
    )
    return EXIT_PROBLEMS if failed else EXIT_OK


def _add_log_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--db", metavar="PFAD", default=default, help="Gesprächsprotokoll (SQLite; Standard: $FAQBOT_DB, sonst im Benutzerordner)"
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

    mode: Literal["chat", "agent"] = "agent" if args.command == "agent" else "chat"
    served = getattr(args, "served", False)
    create_app(mode, args.articles, db=Path(args.db) if args.db else None, log=not args.no_log, served=served).run()
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
    )


def cmd_report(args: argparse.Namespace) -> int:
    from faqbot.bot.log.report import build_report, export_tsv
    from faqbot.bot.log.store import ConversationLog, default_db_path

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        print(f"Es gibt noch kein Gesprächsprotokoll unter {path}.", file=sys.stderr)
        return EXIT_PROBLEMS
    log = ConversationLog(path)
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
        print(json.dumps(report.to_json(), ensure_ascii=False))
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


def _share(text: str) -> float:
    value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("erwartet wird ein Anteil zwischen 0 und 1 (oder 0% bis 100%)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="FAQ-Bot für den E-Mail-Dienst von Plusnet WebServer.",
    )
    _add_articles_option(parser, top_level=True)
    _add_log_options(parser, top_level=True)
    parser.set_defaults(func=cmd_app)
    commands = parser.add_subparsers(dest="command", metavar="BEFEHL")

    chat = commands.add_parser("chat", help="den Chat für Kunden starten (Standard ohne Befehl)")
    agent = commands.add_parser("agent", help="die Konsole für den Support starten: suchen, Vorschau, in ein Ticket kopieren")
    for app_command in (chat, agent):
        _add_articles_option(app_command)
        _add_log_options(app_command)
        app_command.set_defaults(func=cmd_app)

    # textual-serve starts one chat per browser tab with this flag (not for people: no help text)
    chat.add_argument("--served", action="store_true", help=argparse.SUPPRESS)

    serve = commands.add_parser("serve", help="den Kunden-Chat im Browser anbieten (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: nur dieser Rechner)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--public-url", metavar="URL", help="die Adresse, unter der Kunden die Seite öffnen (hinter einem Proxy)")
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"höchstens N gleichzeitige Chats (Standard: {DEFAULT_MAX_SESSIONS})",
    )
    _add_articles_option(serve)
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
    _add_articles_option(check)
    check.set_defaults(func=cmd_kb_check)

    ask = commands.add_parser("ask", help="eine Frage beantworten („-“: eine Frage je Zeile von stdin, JSON Lines)")
    ask.add_argument("question", metavar="FRAGE")
    ask.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    _add_articles_option(ask)
    ask.set_defaults(func=cmd_ask)

    cli_spf.add_commands(commands)
    cli_ports.add_commands(commands)

    evaluation = commands.add_parser("eval", help="Trefferquote auf einer Fragensammlung (TSV) messen")
    evaluation.add_argument("file", metavar="DATEI")
    evaluation.add_argument("--min-accuracy", type=_share, metavar="ANTEIL", help="Exit 1, wenn die Trefferquote darunter liegt")
    evaluation.add_argument(
        "--min-rejection", type=_share, metavar="ANTEIL", help="Exit 1, wenn die Ablehnungsquote darunter liegt"
    )
    _add_articles_option(evaluation)
    evaluation.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
