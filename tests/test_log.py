"""The conversation log: redacted before storage, migrations, and it survives everything."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from pg_cluster import postgres_cluster_fixture  # noqa: F401  (a fixture)

from faqbot.bot.log.store import SCHEMA_VERSION, ConversationLog


@pytest.fixture(params=["sqlite", "postgresql"])
def log_place(request, tmp_path) -> str:
    """The same test against an SQLite file and against a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "log.sqlite3")
    return request.getfixturevalue("postgres_cluster").new_database()


def test_turns_feedback_and_picks(tmp_path):
    log = ConversationLog(tmp_path / "log.sqlite3")
    first = log.record("Mein Postfach ist voll", "answer", article_id="postfach-voll", score=0.9)
    second = log.record("Passwort", "suggest", article_id="passwort-sicherheit")
    log.record_feedback(first, False)
    log.record_pick(second, "email-passwort-aendern")
    turns = log.turns()
    assert [(t.question, t.status, t.article_id, t.feedback, t.picked) for t in turns] == [
        ("Mein Postfach ist voll", "answer", "postfach-voll", 0, None),
        ("Passwort", "suggest", "passwort-sicherheit", None, "email-passwort-aendern"),
    ]
    assert turns[0].score == 0.9 and turns[0].time.endswith("+00:00")


def test_personal_data_is_redacted_before_it_is_written(tmp_path):
    path = tmp_path / "log.sqlite3"
    log = ConversationLog(path, normalise=lambda text: text.lower())
    log.record("Ich bin max@example.de, Tel. 0171 1234567, Passwort: Geheim123", "none")
    (turn,) = log.turns()
    assert turn.question == "Ich bin <E-MAIL>, Tel. <TELEFON>, Passwort: <PASSWORT>"
    assert turn.normalised == turn.question.lower()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (b"max@example.de", b"1234567", b"Geheim123"):
        assert secret not in raw


def test_since_filters_by_day(tmp_path):
    log = ConversationLog(tmp_path / "log.sqlite3")
    log.record("frage", "none")
    assert len(log.turns("2000-01-01")) == 1
    assert log.turns("2999-01-01") == []


def test_migrates_an_old_database_forward(tmp_path):
    path = tmp_path / "log.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(
            "CREATE TABLE turns (id INTEGER PRIMARY KEY, time TEXT NOT NULL, question TEXT NOT NULL, normalised TEXT NOT NULL,"
            " status TEXT NOT NULL, article_id TEXT, score REAL); PRAGMA user_version = 1;"
            "INSERT INTO turns (time, question, normalised, status) VALUES ('2026-01-01T10:00:00+00:00', 'alt', 'alt', 'none');"
        )
    log = ConversationLog(path)
    assert log.enabled
    (turn,) = log.turns()
    assert turn.question == "alt" and turn.feedback is None
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def collect_reasons():
    reasons: list[str] = []
    return reasons, reasons.append


@contextmanager
def read_only(*paths: Path):
    """Make files and folders unwritable, for root too (the immutable flag) and otherwise by mode."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"chattr is not available here: {done.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
    else:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


def test_read_only_database_switches_logging_off_once(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "log.sqlite3"
    ConversationLog(path).record("frage", "none")
    for leftover in folder.glob("log.sqlite3-*"):
        leftover.unlink()
    with read_only(path, folder):
        reasons, on_disabled = collect_reasons()
        log = ConversationLog(path, on_disabled=on_disabled)
        assert [log.record("noch eine", "none") for _ in range(3)] == [None, None, None]
        assert not log.enabled and len(reasons) == 1
        assert "Gesprächsprotokoll ist aus" in reasons[0]


def test_corrupt_database_switches_logging_off(tmp_path):
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    reasons, on_disabled = collect_reasons()
    log = ConversationLog(path, on_disabled=on_disabled)
    assert log.record("frage", "none") is None
    assert log.turns() == []
    assert not log.enabled and len(reasons) == 1


def test_a_folder_where_the_file_should_be(tmp_path):
    reasons, on_disabled = collect_reasons()
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    log = ConversationLog(blocker / "log.sqlite3", on_disabled=on_disabled)
    assert not log.enabled and len(reasons) == 1


def test_locked_database_does_not_hang_forever(tmp_path, monkeypatch):
    monkeypatch.setattr("faqbot.bot.log.store.BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "log.sqlite3"
    ConversationLog(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        reasons, on_disabled = collect_reasons()
        log = ConversationLog(path, on_disabled=on_disabled)
        started = time.monotonic()
        assert log.record("frage", "none") is None
        assert time.monotonic() - started < 5
        assert len(reasons) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_busy_file_mid_session_queues_turns_and_writes_them_later(tmp_path, monkeypatch):
    monkeypatch.setattr("faqbot.bot.log.store.BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "log.sqlite3"
    log = ConversationLog(path)
    first = log.record("vorher", "none")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a backup, or another writer stuck on a loaded machine
    try:
        second = log.record("während", "answer", article_id="postfach-voll")
        log.record_feedback(second, True)
        log.record_feedback(first, False)
        assert log.enabled and log.pending == 3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert log.flush(timeout=60)
    assert [(t.question, t.feedback) for t in log.turns()] == [("vorher", 0), ("während", 1)]


def _write_turns(path: str, worker: int, count: int) -> None:
    # The product waits 5 s for a busy database, then switches the log off. SQLite's busy handler
    # is not fair: on a loaded machine (the suite in parallel, other jobs) one of eight writers can
    # lose the lock race for longer than that, and this test then failed now and then although
    # nothing was lost by design. The claim here is "no write is lost", not "within 5 s under any
    # load", so the writers wait as long as it takes.
    import faqbot.bot.log.store as store

    store.BUSY_TIMEOUT_MS = 120_000
    log = ConversationLog(path)
    for number in range(count):
        assert log.record(f"Frage {worker}-{number}", "none") is not None
    assert log.flush(timeout=120) and log.enabled  # what waited for a busy file is written too


@pytest.mark.long
def test_eight_processes_writing_at_once_lose_nothing(log_place):
    path = log_place
    assert ConversationLog(path).enabled
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_turns, args=(path, worker, 250)) for worker in range(8)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=600)
        assert process.exitcode == 0
    turns = ConversationLog(path).turns()
    assert len(turns) == 2000
    assert len({t.question for t in turns}) == 2000


def test_killed_writer_leaves_a_readable_database(log_place):
    path = log_place
    code = (
        "import sys; from faqbot.bot.log.store import ConversationLog\n"
        "log = ConversationLog(sys.argv[1])\n"
        "n = 0\n"
        "while True:\n"
        "    log.record(f'Frage {n}', 'none'); n += 1\n"
        "    if n == 50: print('written', flush=True)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"  # killed in the middle of writing, not before
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    if not path.startswith("postgresql://"):
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    log = ConversationLog(path)
    assert log.enabled
    count = len(log.turns())
    assert count > 0
    log.record("danach", "none")
    assert len(log.turns()) == count + 1
