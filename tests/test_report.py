"""The keepers' report: unanswered and unsure questions grouped, unhelpful articles, answer rate."""

from __future__ import annotations

import json

from conftest import click_visible, wait_until
from faqbot.bot.cli.main import main
from faqbot.bot.log.report import build_report, export_tsv, group_questions
from faqbot.bot.log.report_text import ReportLine, report_lines, report_text
from faqbot.bot.log.store import ConversationLog, Turn


def report_shown(screen) -> str:
    report = screen.query_one("#report")
    return "\n".join(str(report.get_option_at_index(i).prompt) for i in range(report.option_count))


def turn(number, question, status="none", *, article=None, feedback=None, day="2026-11-27", normalised=None):
    return Turn(number, f"{day}T10:00:00+00:00", question, normalised or question.lower(), status, article, None, None, feedback)


def test_near_duplicates_are_grouped():
    groups = group_questions(
        [
            turn(1, "Wie richte ich eine Weiterleitung ein?", normalised="richt weiterleit"),
            turn(2, "wie richte ich eine weiterleitung ein", normalised="richt weiterleit"),
            turn(3, "Weiterleitung einrichten", normalised="weiterleit richt"),
            turn(4, "DKIM einrichten", normalised="dkim einricht"),
        ]
    )
    assert [g.count for g in groups] == [3, 1]
    assert groups[1].example == "DKIM einrichten"
    assert len(groups[0].questions) == 3


def test_report_figures():
    turns = [
        turn(1, "Postfach voll", "answer", article="postfach-voll", feedback=0, day="2026-11-26"),
        turn(2, "Postfach voll!", "answer", article="postfach-voll", feedback=0, day="2026-11-26"),
        turn(3, "spf", "answer", article="spf-eintrag", feedback=1, day="2026-11-27"),
        turn(4, "DKIM", "none", day="2026-11-27"),
        turn(5, "Passwort", "suggest", day="2026-11-27"),
        turn(6, "Hallo", "smalltalk", day="2026-11-27"),
    ]
    report = build_report(turns)
    assert report.total == 5  # small talk is not a question
    assert report.not_helpful == [("postfach-voll", 2)]
    assert report.answer_rate == [("2026-11-26", 0, 2), ("2026-11-27", 1, 3)]
    assert [g.example for g in report.unanswered] == ["DKIM"]
    assert [g.example for g in report.unsure] == ["Passwort"]
    data = report.to_json()
    assert data["answer_rate"][1] == {"day": "2026-11-27", "answered": 1, "questions": 3, "rate": 0.333}


def test_export_tsv_in_the_eval_format():
    text = export_tsv([turn(1, "DKIM einrichten"), turn(2, "DKIM einrichten"), turn(3, "spf", "answer")])
    lines = text.splitlines()
    assert lines[0].startswith("#")
    assert lines[1:] == ["?\tDKIM einrichten"]


def test_cli_report_json_and_export(tmp_path, capsys):
    db = tmp_path / "log.sqlite3"
    log = ConversationLog(db)
    log.record("Wie richte ich eine Weiterleitung ein? Tel 0171 1234567", "none")
    answered = log.record("Postfach voll", "answer", article_id="postfach-voll")
    log.record_feedback(answered, False)
    assert main(["report", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unanswered"][0]["example"] == "Wie richte ich eine Weiterleitung ein? Tel <TELEFON>"
    assert data["not_helpful"] == [{"id": "postfach-voll", "count": 1, "questions": ["Postfach voll"]}]
    assert main(["report", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Unbeantwortete Fragen" in out and "postfach-voll" in out
    target = tmp_path / "offen.tsv"
    assert main(["report", "--db", str(db), "--export-tsv", str(target)]) == 0
    assert "gespeichert" in capsys.readouterr().out
    assert "?\tWie richte ich eine Weiterleitung ein? Tel <TELEFON>" in target.read_text(encoding="utf-8")
    assert main(["report", "--db", str(db), "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 0


def test_cli_report_without_log(tmp_path, capsys):
    assert main(["report", "--db", str(tmp_path / "nichts.sqlite3")]) == 1
    assert "noch kein Gesprächsprotokoll" in capsys.readouterr().err


async def test_chat_turns_and_feedback_reach_the_report(make_app, tmp_path, capsys):
    db = tmp_path / "chat.sqlite3"
    app = make_app(db=db)
    async with app.run_test(size=(100, 40)) as pilot:
        for question in ("Mein Postfach ist voll", "Wie wird das Wetter morgen?", "Passwort"):
            await pilot.click("#question")
            app.screen.query_one("#question").insert_text_at_cursor(question)  # pasted: typing is tested in the chat tests
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        answer = next(m for m in app.screen.query("BotMessage") if m.reply.kind == "answer")
        await click_visible(pilot, answer.query_one("#helpful-no"))
        await app.workers.wait_for_complete()
        suggest = next(m for m in app.screen.query("BotMessage") if m.reply.kind == "suggest" and m.turn_id)
        suggest.query_one("OptionList").focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    turns = ConversationLog(db).turns()
    assert [(t.question, t.status) for t in turns] == [
        ("Mein Postfach ist voll", "answer"),
        ("Wie wird das Wetter morgen?", "none"),
        ("Passwort", "suggest"),  # either password article: "Meinten Sie …?"
    ]
    assert turns[0].feedback == 0 and turns[2].picked is not None
    assert main(["report", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["not_helpful"] == [{"id": "postfach-voll", "count": 1, "questions": ["Mein Postfach ist voll"]}]
    assert data["unanswered"][0]["example"] == "Wie wird das Wetter morgen?"


async def test_broken_log_does_not_stop_the_chat(make_app, tmp_path, notes):
    bad = tmp_path / "kaputt.sqlite3"
    bad.write_bytes(b"kein sqlite" * 50)
    app = make_app(db=bad)
    async with app.run_test(size=(100, 40), message_hook=notes.hook) as pilot:
        await pilot.pause()
        assert len(notes.titled("Protokoll aus")) == 1
        await pilot.click("#question")
        await pilot.press(*"Postfach voll")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query("BotMessage").last().reply.kind == "answer"
        assert len(notes.titled("Protokoll aus")) == 1


async def test_agent_report_screen(make_app, tmp_path):
    db = tmp_path / "log.sqlite3"
    ConversationLog(db).record("DKIM einrichten", "none")
    app = make_app("agent", db=db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "ReportScreen"
        text = report_shown(app.screen)
        assert "1 × DKIM einrichten" in text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: (tmp_path / "faqbot-unbeantwortet.tsv").exists())
        assert "?\tDKIM einrichten" in (tmp_path / "faqbot-unbeantwortet.tsv").read_text(encoding="utf-8")


async def test_report_is_not_offered_in_the_customer_chat(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChatScreen"


def test_report_names_the_questions_behind_each_nein():
    turns = [
        turn(1, "Postfach voll", "answer", article="postfach-voll", feedback=0),
        turn(2, "Mein Postfach  ist voll", "answer", article="postfach-voll", feedback=0),
        turn(3, "Postfach voll", "answer", article="postfach-voll", feedback=0),
        turn(4, "Postfach voll?", "answer", article="postfach-voll", feedback=1),  # "Ja": not behind a "Nein"
    ]
    report = build_report(turns)
    assert report.not_helpful_questions == {"postfach-voll": ["Postfach voll", "Mein Postfach ist voll"]}
    lines = report_lines(report, {"postfach-voll": "Postfach voll – was tun?"})
    start = next(i for i, line in enumerate(lines) if line.text.startswith("Artikel mit den meisten"))
    assert lines[start + 1 : start + 4] == [
        ReportLine("     3 × Postfach voll – was tun?", "Postfach voll – was tun?"),
        ReportLine("         „Postfach voll“", "Postfach voll"),
        ReportLine("         „Mein Postfach ist voll“", "Mein Postfach ist voll"),
    ]
    assert report_text(report).splitlines()[start + 2] == "         „Postfach voll“"


async def test_a_report_line_opens_the_console_search(make_app, tmp_path):
    db = tmp_path / "log.sqlite3"
    log = ConversationLog(db)
    log.record("DKIM einrichten", "none")
    answered = log.record("Mein Postfach quillt über", "answer", article_id="postfach-voll")
    log.record_feedback(answered, False)
    app = make_app("agent", db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#category").value = "DNS & SPF"  # a forgotten filter must not hide the answer
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = report_shown(app.screen)
        assert "1 × Postfach voll" in text and "„Mein Postfach quillt über“" in text
        report = app.screen.query_one("#report")
        assert app.focused is report
        await pilot.press("enter")  # the first choosable line: the unanswered question
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "AgentScreen"
        assert app.screen.query_one("#search").value == "DKIM einrichten"
        assert app.focused.id == "search"
        await pilot.press("f6")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = app.screen.query_one("#report")
        nein = next(
            i for i in range(report.option_count) if "„Mein Postfach quillt über“" in str(report.get_option_at_index(i).prompt)
        )
        report.highlighted = nein
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#search").value == "Mein Postfach quillt über"
        await pilot.press("backspace")  # the agent edits on at the end of the question
        assert screen.query_one("#search").value == "Mein Postfach quillt übe"
        assert screen.query_one("#category").value == "*"
        assert screen.current is not None and screen.current.id == "postfach-voll"
