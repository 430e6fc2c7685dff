"""The standing guard (issue 14): no bad article, input or file stops the bot, crashes a screen or leaks a password.

Every case that once gave a traceback, a hang or a leak is here, plus property tests over
generated article files and generated stdin. Hang-prone cases run in a subprocess or under
an alarm, so a regression fails the test instead of stopping the suite.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_FRONT, wait_until
from faqbot.bot.cli.arg_types import decode_line
from faqbot.bot.cli.main import main
from faqbot.bot.log.store import ConversationLog
from faqbot.kb.files import MAX_FILE_BYTES
from faqbot.kb.loader import load_articles
from faqbot.kb.location import shipped_articles_dir
from faqbot.kb.retriever import Index

LIMIT = 30  # seconds: only there to turn a hang into a failure, far above any normal run
GOOD = "postfach-voll"


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int = LIMIT):
    """Fail instead of hanging (the main thread's blocking calls are interrupted by SIGALRM)."""

    def stop(signum, frame):
        raise Hang(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _limit_memory() -> None:
    # A regression that reads /dev/zero must fail with MemoryError, not fill the machine (a normal run needs ~200 MB).
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def faqbot(*args: str | bytes, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, as bytes in and out, under a time and a memory limit."""
    return subprocess.run(
        [sys.executable, "-m", "faqbot.bot.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=LIMIT,
        env={**os.environ, **(env or {})},
        preexec_fn=_limit_memory,
    )


def article(article_id: str, front_lines: str = "", *, title: str = "Ein Titel") -> str:
    return (
        VALID_FRONT.format(id=article_id)
        .replace("title: Ein Titel", f"title: {title}")
        .replace("related: []", f"related: []\n{front_lines}".rstrip())
    )


def alias_bomb(levels: int = 9) -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded."""
    parts = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    parts += [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return f"[{', '.join(parts)}]"


# --- the knowledge base ------------------------------------------------------------------------------------

# (file name, content, expected line, words of the German message)
BAD_ARTICLES = [
    ("tag-unknown.md", article("tag-unknown", title="!foo bar"), 3, "Unbekannte YAML-Markierung „!foo“"),
    (
        "tag-apply.md",
        article("tag-apply", title='!!python/object/apply:os.system ["echo hallo"]'),
        3,
        "muss ein Text sein, nicht eine Liste",
    ),
    ("tag-name.md", article("tag-name", title="!!python/name:os.system"), 3, "Unbekannte YAML-Markierung"),
    ("tag-float.md", article("tag-float", title="!!float abc"), 3, "„abc“ passt nicht zur YAML-Markierung „!!float“"),
    ("nested.md", article("nested", title="[" * 400), 3, "mehr als 20 Ebenen verschachtelt"),
    ("bomb-helper.md", article("bomb-helper", f"helper: {alias_bomb()}"), 10, "„helper“ muss ein Text sein"),
    (
        "bomb-questions.md",
        article("bomb-questions").replace("  - Erste Frage?", f"  - {alias_bomb()}"),
        6,
        "Ein Eintrag in „questions“ muss ein Text sein",
    ),
    ("too-big.md", article("too-big") + "x" * MAX_FILE_BYTES, 1, "größer als 1 MiB"),
]


@pytest.fixture
def hostile_folder(tmp_path):
    """A good article among every kind of bad file, and a FIFO (a blocked open is interrupted by time_limit)."""
    folder = tmp_path / "artikel"
    folder.mkdir()
    shutil.copy(shipped_articles_dir() / f"{GOOD}.md", folder)
    for name, text, _, _ in BAD_ARTICLES:
        (folder / name).write_text(text, encoding="utf-8")
    os.mkfifo(folder / "fifo.md")
    (folder / "bel\x07\u202erts.md").write_text(article("bel"), encoding="utf-8")
    return folder


@pytest.fixture
def with_dev_zero(hostile_folder):
    """Plus a link to /dev/zero: only for subprocesses, as a regression would eat memory until the time limit."""
    (hostile_folder / "zero.md").symlink_to("/dev/zero")
    return hostile_folder


def test_each_bad_file_is_named_with_its_line_and_the_good_article_still_loads(hostile_folder):
    with time_limit():
        result = load_articles(hostile_folder)
    assert sorted(a.id for a in result.articles) == ["bel", GOOD]  # a wrong file name costs a warning only
    problems = [str(problem) for problem in result.problems]
    for name, _, line, words in BAD_ARTICLES:
        assert any(p.startswith(f"{hostile_folder / name}:{line}: ") and words in p for p in problems), (name, problems)
    assert f"{hostile_folder / 'fifo.md'}:1: Datei kann nicht gelesen werden: Das ist eine benannte Pipe (FIFO)" in "\n".join(
        problems
    )


def test_kb_check_and_ask_neither_hang_nor_crash(with_dev_zero):
    hostile_folder = with_dev_zero
    check = faqbot("kb", "check", "--articles", str(hostile_folder))
    out = check.stdout.decode("utf-8")
    assert check.returncode == 1 and b"Traceback" not in check.stderr
    assert f"{hostile_folder / 'zero.md'}:1: Datei kann nicht gelesen werden: Das ist ein Gerät, keine normale Datei." in out
    assert f"{hostile_folder / 'fifo.md'}:1: Datei kann nicht gelesen werden: Das ist eine benannte Pipe (FIFO)" in out
    # control characters of a file name are shown escaped, never sent to the terminal raw
    assert "bel\\x07\\u202erts.md:2: Die id „bel“ passt nicht zum Dateinamen" in out
    assert "\x07" not in out and "\u202e" not in out
    ask = faqbot("ask", "--json", "--articles", str(hostile_folder), "Mein Postfach ist voll")
    assert ask.returncode == 0, ask.stderr.decode()
    assert json.loads(ask.stdout)["answer"]["id"] == GOOD
    assert "Problem(e) in den Artikeln" in ask.stderr.decode()


async def test_the_app_starts_on_a_hostile_folder(make_app, hostile_folder, notes):
    with time_limit():
        app = make_app("chat", hostile_folder, log=False)
    async with app.run_test(message_hook=notes.hook) as pilot:
        await pilot.pause()
        assert sorted(a.id for a in app.index.articles) == ["bel", GOOD]
        assert any("Problem(e) in den Artikeln" in note.message for note in notes)


def test_a_byte_order_mark_is_accepted(tmp_path):
    (tmp_path / "a.md").write_bytes(b"\xef\xbb\xbf" + VALID_FRONT.format(id="a").encode())
    result = load_articles(tmp_path)
    assert result.ok and result.articles[0].title == "Ein Titel"


# --- property: generated article files ---------------------------------------------------------------------

scalars = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["~", "null", "yes", "0x1F", "1e999", ".nan", "2026-11-29", "'", '"', "|", ">", "-", "? x", "*x", "&x"]),
)
tags = st.sampled_from(["", "!foo ", "!!str ", "!!int ", "!!float ", "!!binary ", "!!timestamp ", "!!set ", "!!omap "])
tags = tags | st.sampled_from(["!!python/object/apply:os.system ", "!!python/name:os.system ", "!<tag:x> ", "!!map ", "!!seq "])


@st.composite
def yaml_values(draw, depth=0):
    kind = draw(st.integers(0, 3 if depth < 30 else 0))
    tag = draw(tags)
    if kind == 0:
        return tag + json.dumps(draw(scalars), ensure_ascii=False) if draw(st.booleans()) else tag + draw(scalars)
    if kind == 1:
        return tag + "[" + ", ".join(draw(st.lists(yaml_values(depth + 1), max_size=3))) + "]"
    if kind == 2:
        return tag + "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(draw(st.lists(yaml_values(depth + 1), max_size=3)))) + "}"
    anchor = draw(st.sampled_from(["a", "b"]))
    return f"&{anchor} " + draw(yaml_values(depth + 1)) if draw(st.booleans()) else f"*{anchor}"


fields = st.sampled_from(["id", "title", "category", "questions", "keywords", "related", "helper", "titel", "", "? [a]"])
front_matter = st.lists(st.tuples(fields, yaml_values()), max_size=8).map(
    lambda items: "\n".join(f"{name}: {value}" for name, value in items)
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"])


@pytest.mark.long
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(front=front_matter, body=st.text(max_size=200), encoding=encodings, junk=st.binary(max_size=64))
def test_generated_article_files_never_break_loading(tmp_path_factory, front, body, encoding, junk):
    folder = tmp_path_factory.mktemp("gen")
    shutil.copy(shipped_articles_dir() / f"{GOOD}.md", folder)
    data = f"---\n{front}\n---\n\n{body}\n".encode(encoding, errors="replace") + junk
    (folder / "x.md").write_bytes(data)
    with time_limit():
        result = load_articles(folder)
        answer = Index(result.articles).ask("Mein Postfach ist voll")
    assert GOOD in [a.id for a in result.articles]
    assert answer.status == "answer" and answer.answer.article.id == GOOD
    for problem in result.problems:
        text = str(problem)
        assert re.match(rf"{re.escape(str(folder))}/[\w.-]+:\d+: \S", text), text  # file and line, always
        assert not re.search(r"[\x00-\x1f\x7f\u202e]", text)


# --- the command line ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "utf-8:strict"},  # what a de_DE.UTF-8 locale gives (strict decoding)
        {"LC_ALL": "de_DE.UTF-8"},
        {"LC_ALL": "C.UTF-8"},  # surrogateescape: raw bytes once went through to the output
        {"LC_ALL": "C"},
        {"PYTHONIOENCODING": "latin-1"},  # the output is UTF-8 JSON Lines all the same
    ],
)
def test_invalid_utf8_on_stdin_costs_one_character_not_the_run(env):
    done = faqbot("ask", "--json", "-", stdin=b"Mein Postfach ist voll\nPostfach \xff\xfe voll\nSPF-Eintrag\n", env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]  # strict: valid UTF-8 JSON
    assert [row["question"] for row in rows] == ["Mein Postfach ist voll", "Postfach \ufffd\ufffd voll", "SPF-Eintrag"]
    assert rows[0]["answer"]["id"] == GOOD and rows[1]["answer"]["id"] == GOOD


def test_undecodable_bytes_in_the_question_argument():
    done = faqbot("ask", "--json", b"Postfach \xff voll")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    row = json.loads(done.stdout.decode("utf-8"))
    assert row["question"] == "Postfach \ufffd voll" and row["answer"]["id"] == GOOD


@pytest.mark.parametrize("question", ["", "   ", "\t"])
def test_an_empty_question_is_a_usage_error(capsys, question):
    assert main(["ask", question]) == 2
    captured = capsys.readouterr()
    assert "Bitte stellen Sie eine Frage" in captured.err and captured.out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "70000"], "Port 70000 gibt es nicht: erlaubt sind 1 bis 65535"),
        (["serve", "--port", "0"], "Port 0 gibt es nicht"),
        (["serve", "--port", "acht"], "„acht“ ist keine gültige Angabe: erwartet wird eine ganze Zahl"),
        (["serve", "--max-sessions", "-3"], "erwartet wird eine ganze Zahl ab 1, nicht -3"),
        (["serve", "--max-sessions", "0"], "erwartet wird eine ganze Zahl ab 1"),
        (["ports", "test", "127.0.0.1", "--port", "70000"], "Port 70000 gibt es nicht"),
        (["ports", "test", "127.0.0.1", "--timeout", "nan"], "erwartet wird eine Zeit in Sekunden über 0"),
        (["ports", "test", "127.0.0.1", "--timeout", "inf"], "erwartet wird eine Zeit in Sekunden über 0"),
        (["ports", "test", "127.0.0.1", "--timeout", "-1"], "erwartet wird eine Zeit in Sekunden über 0"),
        (["ports", "test", "127.0.0.1", "--timeout", "1e400"], "erwartet wird eine Zeit in Sekunden über 0"),
        (["spf", "lookup", "example.de", "--timeout", "0"], "erwartet wird eine Zeit in Sekunden über 0"),
        (["eval", "fragen.tsv", "--min-accuracy", "viel"], "erwartet wird ein Anteil zwischen 0 und 1"),
        (["eval", "fragen.tsv", "--min-rejection", "nan"], "erwartet wird ein Anteil zwischen 0 und 1"),
    ],
)
def test_numeric_options_are_checked_before_any_work(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


lines = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b""))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(questions=st.lists(lines, min_size=1, max_size=6), newline=st.sampled_from([b"\n", b"\r\n"]))
def test_any_bytes_on_stdin_give_one_valid_json_line_each(monkeypatch, questions, newline):
    data = newline.join(questions) + newline
    stdin, stdout = io.TextIOWrapper(io.BytesIO(data)), io.TextIOWrapper(io.BytesIO())
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    with time_limit():
        assert main(["ask", "--json", "-"]) == 0
    rows = [json.loads(line) for line in stdout.buffer.getvalue().decode("utf-8").splitlines()]
    assert [row["question"] for row in rows] == [decode_line(q).rstrip("\r") for q in questions]


def test_unicode_line_separators_stay_inside_their_json_line(monkeypatch):
    """NEL, LINE and PARAGRAPH SEPARATOR end a line for str.splitlines and many JSON-lines readers (found by the test above)."""
    questions = ["a\u0085b", "Postfach\u2028voll", "\u2029"]
    data = "\n".join(questions).encode("utf-8") + b"\n"
    stdin, stdout = io.TextIOWrapper(io.BytesIO(data)), io.TextIOWrapper(io.BytesIO())
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["ask", "--json", "-"]) == 0
    rows = [json.loads(line) for line in stdout.buffer.getvalue().decode("utf-8").splitlines()]
    assert [row["question"] for row in rows] == questions


# --- the conversation log and the report --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a" * 100_000, "a.b" * 30_000, "Passwort " + '"x ' * 30_000])
def test_redacting_a_huge_question_finishes(text):
    from faqbot.bot.log.redact import redact

    with time_limit():  # quadratic patterns once took minutes here
        assert len(redact(text)) > 0


def test_a_log_path_linked_to_dev_null_is_explained(tmp_path, capsys):
    link = tmp_path / "gespraeche.sqlite3"
    link.symlink_to("/dev/null")
    log = ConversationLog(link)
    assert not log.enabled
    assert "ist ein Gerät, keine Datei" in log.disabled_reason and "rollback" not in log.disabled_reason
    assert main(["report", "--db", str(link)]) == 1
    assert "ist ein Gerät, keine Datei" in capsys.readouterr().err


def test_a_log_that_is_no_database_is_explained(tmp_path):
    path = tmp_path / "gespraeche.sqlite3"
    path.write_text("Notizen, keine Datenbank\n" * 100)
    log = ConversationLog(path)
    assert "ist keine SQLite-Datenbank" in log.disabled_reason


def _log_with(tmp_path, question: str) -> Path:
    path = tmp_path / "log.sqlite3"
    with sqlite3.connect(path) as connection:  # stored by an older version, or written by hand
        ConversationLog(path)
        connection.execute(
            "INSERT INTO turns (time, question, normalised, status) VALUES ('2026-11-29T10:00:00+00:00', ?, ?, 'none')",
            (question, question.lower()),
        )
    return path


def test_report_shows_control_and_bidi_characters_escaped(tmp_path, capsys):
    path = _log_with(tmp_path, "Hilfe\u202eKLINGEL\x07\x1b[31m")
    assert main(["report", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Hilfe\\u202eKLINGEL\\x07\\x1b[31m" in out
    assert not re.search(r"[\x07\x1b\u202e]", out)


async def test_report_screen_shows_them_escaped_too(make_app, tmp_path):
    from faqbot.bot.tui.screens.report import ReportScreen

    app = make_app("agent", db=_log_with(tmp_path, "Frage\u202eRTL\x07"))

    def shown() -> str:
        found = app.screen.query("#report") if isinstance(app.screen, ReportScreen) else []
        if not found:
            return ""
        report = found.first()
        return "\n".join(str(report.get_option_at_index(i).prompt) for i in range(report.option_count))

    async with app.run_test() as pilot:
        app.action_open_report()
        await wait_until(pilot, lambda: "Frage" in shown())
        assert "Frage\\u202eRTL\\x07" in shown() and "\u202e" not in shown()
        # Chosen, it is searched for without the invisible characters (and without their escapes).
        assert "Frage RTL" in app.screen.questions


# --- the app ------------------------------------------------------------------------------------------------


async def test_a_failing_worker_gives_a_german_notice_and_the_chat_goes_on(make_app, monkeypatch, notes):
    from textual.worker import WorkerFailed

    from faqbot.bot.tui.screens.chat import ChatScreen
    from faqbot.bot.tui.widgets.chat_messages import BotMessage

    app = make_app(log=False)
    reply = app.dialog.reply

    def broken(text):
        if "kaputt" in text:
            raise RuntimeError("a bug")
        return reply(text)

    monkeypatch.setattr(app.dialog, "reply", broken)
    # the app goes on; run_test still raises the error at the end, so real bugs fail tests
    with pytest.raises(WorkerFailed):
        async with app.run_test(message_hook=notes.hook) as pilot:
            await pilot.click("#question")
            await pilot.press(*"kaputt", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any("unerwarteter Fehler" in note.message and note.severity == "error" for note in notes)
            assert isinstance(app.screen, ChatScreen) and app.is_running
            await pilot.press(*"Mein Postfach ist voll", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.query(BotMessage).last().reply.article.id == GOOD


def test_a_crash_ends_with_a_nonzero_status_and_a_german_line(monkeypatch, capsys):
    from textual.app import App

    from faqbot.bot.tui.app import FaqApp

    def crash(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(FaqApp, "on_mount", crash)
    monkeypatch.setattr(FaqApp, "run", lambda self: App.run(self, headless=True))
    assert main(["chat", "--no-log"]) == 1
    assert "wegen eines unerwarteten Fehlers beendet" in capsys.readouterr().err


async def test_textual_s_own_texts_are_german(make_app, notes):
    from textual.command import CommandPalette
    from textual.widgets import Input

    app = make_app(log=False)
    async with app.run_test(message_hook=notes.hook) as pilot:
        app.screen.set_focus(None)  # in an input, Ctrl+C copies
        await pilot.press("ctrl+c")  # the reflex to quit: say how, in German
        await pilot.pause()
        assert any("Zum Beenden drücken Sie Strg+Q." in note.message for note in notes)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == "Befehl oder Artikel suchen …"
        await pilot.press(*"qqxqqzz")
        await wait_until(pilot, lambda: "Nichts gefunden" in _palette_options(app))
        assert "No matches found" not in _palette_options(app)


def _palette_options(app) -> str:
    from textual.command import CommandList

    command_list = app.screen.query_one(CommandList)
    prompts = [command_list.get_option_at_index(i).prompt for i in range(command_list.option_count)]
    prompts = [getattr(prompt, "renderable", prompt) for prompt in prompts]  # "No matches" is centred
    return " ".join(str(getattr(prompt, "plain", prompt)) for prompt in prompts)
