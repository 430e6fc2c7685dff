"""The command line as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import VALID_FRONT
from faqbot.bot.cli.main import main


def run(*args: str, stdin: str | None = None, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "faqbot.bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for command in ("kb", "ask", "eval"):
        assert command in out


def test_kb_check_on_shipped_articles(capsys):
    assert main(["kb", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 10 Artikel, ")
    assert "6 Kategorien" in out


def test_kb_check_hints_at_articles_the_calibration_does_not_know(tmp_path, capsys):
    (tmp_path / "neu.md").write_text(VALID_FRONT.format(id="neu"), encoding="utf-8")
    assert main(["kb", "check", "--articles", str(tmp_path)]) == 0  # a hint, not an error
    out = capsys.readouterr().out
    assert f"{tmp_path / 'neu.md'}: Hinweis: Der Artikel „neu“ ist der Kalibrierung noch unbekannt" in out
    assert main(["kb", "check"]) == 0
    assert "unbekannt" not in capsys.readouterr().out  # the shipped articles are all known


def test_kb_check_names_the_broken_file_and_exits_1(tmp_path, capsys):
    (tmp_path / "gut.md").write_text(VALID_FRONT.format(id="gut"), encoding="utf-8")
    (tmp_path / "kaputt.md").write_text("---\nid: kaputt\n", encoding="utf-8")
    (tmp_path / "falsch.md").write_text(VALID_FRONT.format(id="falsch").replace("title: Ein Titel\n", ""), encoding="utf-8")
    assert main(["kb", "check", "--articles", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{tmp_path / 'kaputt.md'}:1: Front Matter ist nicht abgeschlossen: Die schließende Zeile „---“ fehlt." in lines
    assert f"{tmp_path / 'falsch.md'}:2: Pflichtfeld „title“ fehlt." in lines
    assert "2 Problem(e) in 2 Datei(en) gefunden." in captured.err


def test_articles_from_environment(tmp_path):
    (tmp_path / "eigen.md").write_text(VALID_FRONT.format(id="eigen"), encoding="utf-8")
    env = {**__import__("os").environ, "FAQBOT_ARTICLES": str(tmp_path)}
    done = run("kb", "check", env=env)
    assert done.returncode == 0, done.stderr
    assert "OK: 1 Artikel, 1 Fragen, 1 Kategorien" in done.stdout


def test_ask_json(capsys):
    assert main(["ask", "--json", "Mein Postfach ist voll"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == "Mein Postfach ist voll"
    assert data["status"] == "answer"
    assert data["answer"]["id"] == "postfach-voll"
    assert set(data["answer"]) == {"id", "title", "score"}
    assert len(data["suggestions"]) <= 3


def test_ask_prints_the_article_readably(capsys):
    assert main(["ask", "Mein Postfach ist voll"]) == 0
    out = capsys.readouterr().out
    assert "Server-Einstellungen" in out
    assert "unwiederbringlich" in out
    assert "**" not in out  # rendered, not raw Markdown


def test_ask_empty_and_unknown(capsys):
    assert main(["ask", "   "]) == 2  # a usage error, like a missing argument
    assert "Bitte stellen Sie eine Frage" in capsys.readouterr().err
    main(["ask", "Wie wird das Wetter morgen?"])
    assert "0800 1003329" in capsys.readouterr().out


def test_ask_from_stdin_writes_json_lines_in_order():
    questions = ["Postfach voll", "", "DKIM einrichten", "smtp port", "[bold]x[/]"]
    done = run("ask", "-", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["question"] for row in rows] == questions
    assert [row["status"] for row in rows[:4]] == ["answer", "none", "none", "answer"]
    assert rows[0]["answer"]["id"] == "postfach-voll"
    assert rows[2]["answer"] is None


def test_ask_does_not_import_textual():
    code = "import sys; from faqbot.bot.cli.main import main; main(['ask', '--json', 'spf']); print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_eval_reports_figures_and_misses(tmp_path, capsys):
    cases = tmp_path / "cases.tsv"
    cases.write_text(
        "# comment\npostfach-voll\tPostfach voll\nspf-eintrag\tWinmail.dat öffnen\n-\tWie wird das Wetter morgen?\n",
        encoding="utf-8",
    )
    assert main(["eval", str(cases)]) == 0
    out = capsys.readouterr().out
    assert "In-scope top-1 accuracy: 50.0%" in out
    assert "Out-of-scope rejection:  100.0%" in out
    assert ".tsv:3: erwartet spf-eintrag" in out
    assert main(["eval", str(cases), "--min-accuracy", "0.9"]) == 1
    assert main(["eval", str(cases), "--min-accuracy", "50%", "--min-rejection", "1"]) == 0


def test_eval_bad_file(tmp_path, capsys):
    cases = tmp_path / "cases.tsv"
    cases.write_text("nur eine spalte\n", encoding="utf-8")
    assert main(["eval", str(cases)]) == 2
    assert "Erwartet wird „id<TAB>Frage“" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "fehlt.tsv")]) == 2


def test_shipped_articles_found_from_another_folder(tmp_path):
    done = run("kb", "check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: 10 Artikel")


def test_kb_check_warns_about_everyday_keywords_but_passes(write_article, capsys):

    # An id the shipped calibration knows, so the keyword is the only hint.
    folder = write_article(
        "postfach-voll.md", VALID_FRONT.format(id="postfach-voll").replace("  - eins", "  - viele\n  - Winmail")
    )
    assert main(["kb", "check", "--articles", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "postfach-voll.md:8: Hinweis: Das Stichwort „viele“ ist ein sehr häufiges Wort" in out
    assert "Winmail" not in out
    assert "1 Hinweis(e)" in out
