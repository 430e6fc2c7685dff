"""`faqbot eval`: answer quality on labelled questions, cross-validated where anything is fitted."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from faqbot.bot.cli.common import add_articles_option, load_index
from faqbot.bot.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


def _share(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("erwartet wird ein Anteil zwischen 0 und 1 (oder 0% bis 100%)")
    return value


def _folds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError("erwartet wird eine ganze Zahl ab 2")
    return value


def add_commands(commands) -> None:
    evaluation = commands.add_parser("eval", help="Trefferquote auf Fragensammlungen (TSV) messen")
    evaluation.add_argument("files", nargs="+", metavar="DATEI")
    evaluation.add_argument(
        "--folds", type=_folds, metavar="K", help="Kreuzvalidierung: Kalibrierung auf K−1 Teilen anpassen, am K-ten messen"
    )
    evaluation.add_argument(
        "--fit",
        nargs="?",
        const="",
        metavar="JSON",
        help="Kalibrierung auf allen Fragen anpassen und speichern (Standard: kb/data/calibration.json)",
    )
    evaluation.add_argument("--misses", action="store_true", help="jede falsche Entscheidung auflisten")
    evaluation.add_argument("--min-accuracy", type=_share, metavar="ANTEIL", help="Exit 1, wenn die Trefferquote darunter liegt")
    evaluation.add_argument(
        "--min-rejection", type=_share, metavar="ANTEIL", help="Exit 1, wenn die Ablehnungsquote darunter liegt"
    )
    add_articles_option(evaluation)
    evaluation.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    from faqbot.kb.evaluation import CaseFileError, cross_validate, evaluate, read_cases

    cases = []
    try:
        for name in args.files:
            cases += read_cases(Path(name))
    except CaseFileError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    index = load_index(args)
    known = {article.id for article in index.articles}
    for case in cases:
        unknown = sorted(case.expected - known)
        if unknown:
            print(f"{case.source}:{case.line}: unbekannte Artikel-id {', '.join(unknown)}", file=sys.stderr)
    try:
        if args.fit is not None:
            return _fit(index, cases, args)
        if args.folds:
            from faqbot.kb.fitting import fitter_for

            report = cross_validate(index, cases, args.folds, fitter_for(index))
        else:
            report = evaluate(index, cases)
    except ImportError as error:  # the fit extra is missing
        print(error, file=sys.stderr)
        return EXIT_USAGE
    _print_report(report, show_misses=args.misses or not args.folds)
    failed = (args.min_accuracy is not None and report.accuracy < args.min_accuracy) or (
        args.min_rejection is not None and report.rejection < args.min_rejection
    )
    return EXIT_PROBLEMS if failed else EXIT_OK


def _fit(index, cases, args: argparse.Namespace) -> int:
    from importlib import resources

    from faqbot.kb.calibration import CALIBRATION_FILE, UNFITTED
    from faqbot.kb.evaluation import evaluate
    from faqbot.kb.fitting import examples_of, fit

    target = Path(args.fit) if args.fit else Path(str(resources.files("faqbot.kb").joinpath("data", CALIBRATION_FILE))).resolve()
    names = ", ".join(Path(name).name for name in args.files)
    outcomes = evaluate(index, cases, UNFITTED).outcomes
    calibration = fit(outcomes, examples_of(index), fitted_on=f"{len(cases)} Fragen aus {names}")
    calibration.save(target)
    print(
        f"Kalibrierung gespeichert: {target} (Antwort ab p ≥ {calibration.answer_threshold:.3f}, "
        f"Vorschläge ab p ≥ {calibration.suggest_threshold:.3f})"
    )
    return EXIT_OK


def _print_report(report, *, show_misses: bool) -> None:
    inside = sum(1 for o in report.outcomes if o.in_scope)
    how = f"kreuzvalidiert, {report.cross_validated} Teile" if report.cross_validated else "mitgelieferte Kalibrierung"
    print(f"Fragen: {len(report.outcomes)} ({inside} mit Artikel, {len(report.outcomes) - inside} ohne) – {how}")
    print(f"In-scope top-1 accuracy: {report.accuracy:.1%}")
    print(f"In-scope ranked first:   {report.top1_ranked:.1%}")
    print(f"In-scope top-3 recall:   {report.top3_recall:.1%}  (what the reply shows)")
    print(f"In-scope MRR:            {report.mrr:.3f}")
    print(f"Out-of-scope rejection:  {report.rejection:.1%}")
    print(f"Wrong confident answers: {report.wrong_in_scope:.1%} of in-scope, {report.wrong_out_of_scope:.1%} of out-of-scope")
    right, judged = report.section_accuracy
    if judged:
        print(f"Section top-1:           {right / judged:.1%}  ({right}/{judged} where the article was ranked first)")
    kinds = report.by_kind()
    if len(kinds) > 1:
        print("Per kind (answered right / rejected):")
        for kind, (right, total) in kinds.items():
            print(f"  {kind:<12} {right / total:6.1%}  ({right}/{total})")
    misses = [o for o in report.outcomes if not o.correct or o.section_correct is False]
    if show_misses and misses:
        print("\nFehler:")
        for outcome in misses:
            expected = "|".join(sorted(outcome.case.expected)) or "-"
            got = outcome.result.answer.article.id if outcome.result.answer else "-"
            shown = ", ".join(f"{h.article.id} {h.score:.2f}" for h in outcome.result.suggestions) or "keine"
            topic = f", Thema {outcome.result.topic.id}" if outcome.result.topic else ""
            if outcome.correct and outcome.section_correct is False:
                found = outcome.ranking.section.anchor if outcome.ranking.section else "(ganzer Artikel)"
                topic += f", Abschnitt {found} statt {outcome.case.section or '(ganzer Artikel)'}"
            question = outcome.case.question.replace("\n", " ⏎ ")
            print(
                f"  {Path(outcome.case.source).name}:{outcome.case.line}: erwartet {expected}, Status {outcome.result.status}"
                f"{topic}, Antwort {got}, p={outcome.result.probability:.2f}; Rang {outcome.rank or '-'}; "
                f"Vorschläge: {shown} — {question}"
            )
