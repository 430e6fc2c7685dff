"""The conversation log on a real PostgreSQL server (a throwaway cluster on 127.0.0.1): the same
redaction, a restart mid-session loses no turn, a wrong password is a German message, and
`faqbot report` reads it."""

from __future__ import annotations

import json
import time

import psycopg
from pg_cluster import postgres_cluster_fixture, postgres_url_fixture  # noqa: F401  (fixtures)

from faqbot.bot.cli.main import main
from faqbot.bot.log import store
from faqbot.bot.log.store import SCHEMA_VERSION, ConversationLog


def raw_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT * FROM turns ORDER BY id").fetchall()


def test_turns_feedback_picks_and_redaction_on_postgresql(postgres_url):
    log = ConversationLog(postgres_url, normalise=str.lower)
    first = log.record("Ich bin max@example.de, Passwort: Geheim123", "answer", article_id="postfach-voll", score=0.9)
    second = log.record("Passwort", "suggest", article_id="passwort-sicherheit")
    log.record_feedback(first, False)
    log.record_pick(second, "email-passwort-aendern")
    turns = log.turns()
    assert [(t.question, t.status, t.article_id, t.feedback, t.picked) for t in turns] == [
        ("Ich bin <E-MAIL>, Passwort: <PASSWORT>", "answer", "postfach-voll", 0, None),
        ("Passwort", "suggest", "passwort-sicherheit", None, "email-passwort-aendern"),
    ]
    assert turns[0].score == 0.9 and turns[0].normalised == turns[0].question.lower()
    stored = repr(raw_rows(postgres_url))
    assert "max@example.de" not in stored and "Geheim123" not in stored
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute("SELECT version FROM faqbot_schema").fetchone()[0] == SCHEMA_VERSION


def test_server_restart_mid_session_loses_no_turn(postgres_cluster, postgres_url, monkeypatch):
    monkeypatch.setattr(store, "RETRY_SECONDS", (0.2,))
    log = ConversationLog(postgres_url)
    before = log.record("vor dem Neustart", "answer", article_id="postfach-voll")
    postgres_cluster.stop()
    try:
        during = [log.record(f"während {n}", "none") for n in range(3)]
        log.record_feedback(during[0], True)
        log.record_feedback(before, False)
        assert log.enabled and log.pending == 5  # kept in memory, the chat goes on
        assert log.turns() == [] and log.enabled and log.pending == 5  # reading meanwhile drops nothing
        assert all(handle is not None for handle in during)
    finally:
        postgres_cluster.start()
    assert log.flush(timeout=60)
    rows = [(t.question, t.feedback) for t in ConversationLog(postgres_url).turns()]
    assert rows == [("vor dem Neustart", 0), ("während 0", 1), ("während 1", None), ("während 2", None)]


def test_queue_is_bounded_then_the_log_switches_off(postgres_cluster, postgres_url, monkeypatch):
    monkeypatch.setattr(store, "MAX_PENDING", 3)
    monkeypatch.setattr(store, "RETRY_SECONDS", (60,))
    reasons: list[str] = []
    log = ConversationLog(postgres_url, on_disabled=reasons.append)
    postgres_cluster.stop()
    try:
        handles = [log.record(f"Frage {n}", "none") for n in range(5)]
    finally:
        postgres_cluster.start()
    assert handles[:3] != [None] * 3 and handles[3:] == [None, None]
    assert not log.enabled and len(reasons) == 1 and "nicht erreichbar (3 Einträge warteten)" in reasons[0]


def test_wrong_password_is_a_german_message_and_the_chat_goes_on(postgres_cluster, postgres_url):
    wrong = postgres_url.replace(":Test-Passwort-1@", ":falsch@")
    reasons: list[str] = []
    log = ConversationLog(wrong, on_disabled=reasons.append)
    assert not log.enabled and len(reasons) == 1
    assert "Anmeldung wurde abgelehnt" in reasons[0] and "falsch" not in reasons[0]  # the password is never shown
    assert log.record("frage", "none") is None and log.turns() == []


def test_unreachable_server_at_start_switches_the_log_off(postgres_cluster):
    from pg_cluster import free_port

    url = postgres_cluster.url().replace(f":{postgres_cluster.port}/", f":{free_port()}/")
    log = ConversationLog(url)
    assert not log.enabled and "nicht erreichbar" in log.disabled_reason


def test_report_reads_postgresql(postgres_url, capsys, monkeypatch):
    log = ConversationLog(postgres_url)
    log.record("Wie richte ich Thunderbird ein?", "none")
    log.record("Mein Postfach ist voll", "answer", article_id="postfach-voll")
    monkeypatch.setenv("FAQBOT_DB", postgres_url)
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 2
    assert [group["example"] for group in report["unanswered"]] == ["Wie richte ich Thunderbird ein?"]


def test_report_with_a_wrong_password_says_so(postgres_cluster, postgres_url, capsys):
    wrong = postgres_url.replace(":Test-Passwort-1@", ":falsch@")
    assert main(["report", "--db", wrong]) != 0
    error = capsys.readouterr().err
    assert "Anmeldung wurde abgelehnt" in error and "Traceback" not in error


def test_password_never_appears_in_the_place_shown():
    from faqbot.bot.log.database import without_password

    assert without_password("postgresql://u:geheim@h:5/db") == "postgresql://u@h:5/db"
    assert without_password("postgresql://u@h/db") == "postgresql://u@h/db"


def test_an_idle_session_holds_no_server_connection(postgres_url, monkeypatch):
    monkeypatch.setattr(store, "IDLE_CONNECTION_SECONDS", 0.5)
    database = postgres_url.rsplit("/", 1)[1]

    def connections() -> int:
        with psycopg.connect(postgres_url) as connection:
            return connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'faqbot'", (database,)
            ).fetchone()[0]

    log = ConversationLog(postgres_url)
    log.record("frage", "none")
    assert connections() == 1  # kept for the next turn
    deadline = time.monotonic() + 30
    while connections() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert connections() == 0
    log.record("noch eine", "none")  # and the next write opens one again
    assert len(log.turns()) == 2


async def test_chat_with_a_wrong_password_answers_and_says_the_log_is_off(postgres_url, make_app, notes):
    from faqbot.bot.tui.widgets.chat_messages import BotMessage

    app = make_app(db=postgres_url.replace(":Test-Passwort-1@", ":falsch@"))
    # Caught as messages: on a loaded machine a notice can time out before the check below reads the screen.
    async with app.run_test(size=(100, 40), message_hook=notes.hook) as pilot:
        await pilot.click("#question")
        await pilot.press(*"Mein Postfach ist voll", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query(BotMessage).last().reply.kind == "answer"  # the chat goes on
        notices = [str(notice.message) for notice in notes]
        assert any("Anmeldung wurde abgelehnt" in notice and "nicht gespeichert" in notice for notice in notices)
        assert not any("falsch" in notice for notice in notices)
