"""The customer chat, driven like a person would: typing, Enter, clicks and keys."""

from __future__ import annotations

import pytest
from textual.screen import Screen
from textual.widgets import Button, OptionList

from conftest import ask_chat, click_visible, pick_from_palette, wait_until
from faqbot.bot.tui.helper_screens import HelperScreen
from faqbot.bot.tui.widgets.chat_messages import BotMessage, UserMessage
from faqbot.bot.tui.widgets.markdown_text import MarkdownText

SIZE = (100, 40)


async def test_greeting_then_an_article_as_markdown_that_can_be_selected_and_copied(make_app):
    # one chat for what a first answer shows (one app start-up, not four); the checks do not touch each other
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        (greeting,) = app.screen.query(BotMessage)
        text = greeting.query_one(MarkdownText).source
        assert "Guten Tag" in text
        for category in ("Webmail", "DNS & SPF", "Passwort & Sicherheit"):
            assert category in text

        reply = await ask_chat(pilot, "Mein Postfach ist voll")
        assert reply.reply.kind == "answer"
        assert reply.reply.article.id == "postfach-voll"
        body = reply.query_one(".article-body", MarkdownText)
        assert "Server-Einstellungen" in body.source
        assert reply.query_one("#helpful-yes", Button).label.plain == "Ja"
        assert [m.text for m in app.screen.query(UserMessage)] == ["Mein Postfach ist voll"]
        assert not reply.query("#open-helper")  # the article has no helper

        await pilot.click(body, offset=(2, 2), times=3)  # a triple click selects the whole text
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None and "Postfach voll" in selected and "Server-Einstellungen" in selected
        assert "#" not in selected  # what is shown, not the Markdown behind it


# Each feedback test goes on as customers do: they click Ja/Nein and type the next question straight away,
# without clicking the input first; it is answered and logged (one app start-up per button, not two).


async def _type_next_question_and_check_the_log(app, pilot, db, first: str) -> None:
    from faqbot.bot.log.store import ConversationLog

    await pilot.press(*"Mein Postfach ist voll", "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    last = app.screen.query(BotMessage).last()
    assert last.reply.kind == "answer" and last.reply.article.id == "postfach-voll"
    assert [turn.question for turn in ConversationLog(db).turns()] == [first, "Mein Postfach ist voll"]


async def test_feedback_yes_thanks_and_locks_the_buttons_then_a_typed_question_is_answered(make_app, tmp_path):
    db = tmp_path / "log.sqlite"
    app = make_app(db=db)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_chat(pilot, "winmail.dat öffnen")
        await click_visible(pilot, answer.query_one("#helpful-yes"))
        await pilot.pause()
        assert answer.query_one("#helpful-yes", Button).disabled
        assert "Danke für Ihre Rückmeldung" in app.screen.query(BotMessage).last().query_one(MarkdownText).source
        await _type_next_question_and_check_the_log(app, pilot, db, "winmail.dat öffnen")


async def test_feedback_no_offers_next_best_and_hotline_then_a_typed_question_is_answered(make_app, tmp_path):
    db = tmp_path / "log.sqlite"
    app = make_app(db=db)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_chat(pilot, "Postfachpasswort zurücksetzen")
        assert answer.reply.suggestions  # the next-best articles
        await click_visible(pilot, answer.query_one("#helpful-no"))
        await pilot.pause()
        last = app.screen.query(BotMessage).last()
        assert "0800 1003329" in last.query_one(MarkdownText).source
        options = last.query_one(OptionList)
        assert options.option_count == len(answer.reply.suggestions)
        await _type_next_question_and_check_the_log(app, pilot, db, "Postfachpasswort zurücksetzen")


async def test_a_typed_ja_or_nein_under_an_answer_is_its_feedback_and_only_there(make_app, tmp_path):
    from faqbot.bot.log.store import ConversationLog

    db = tmp_path / "log.sqlite"
    app = make_app(db=db)
    async with app.run_test(size=SIZE) as pilot:
        first = await ask_chat(pilot, "winmail.dat öffnen")
        await pilot.press(*"Ja!", "enter")  # typed instead of clicked
        await pilot.pause()
        assert first.query_one("#helpful-yes", Button).disabled
        thanks = app.screen.query(BotMessage).last()
        assert "Danke für Ihre Rückmeldung" in thanks.query_one(MarkdownText).source
        assert [m.text for m in app.screen.query(UserMessage)] == ["winmail.dat öffnen", "Ja!"]
        conversation = app.screen.query_one("#conversation")  # the answer was shown from its top: scrolled down
        assert thanks.region.y < conversation.region.bottom and thanks.region.bottom > conversation.region.y

        second = await ask_chat(pilot, "Postfachpasswort zurücksetzen")
        await pilot.press(*"hat leider nicht geholfen", "enter")
        await pilot.pause()
        assert second.query_one("#helpful-no", Button).disabled
        offer = app.screen.query(BotMessage).last()
        assert "0800 1003329" in offer.query_one(MarkdownText).source

        # No answer waits for feedback now: „Ja“ is a message like any other, not feedback for an old answer.
        await pilot.press(*"Ja", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query(BotMessage).last() is not offer
        said = [text for who, text in app.screen.transcript if who == "Sie"]

    turns = ConversationLog(db).turns()
    assert [(turn.question, turn.feedback) for turn in turns] == [
        ("winmail.dat öffnen", 1),
        ("Postfachpasswort zurücksetzen", 0),
        ("Ja", None),
    ]
    assert said == ["winmail.dat öffnen", "Ja!", "Postfachpasswort zurücksetzen", "hat leider nicht geholfen", "Ja"]


async def test_unsure_question_offers_suggestions_to_pick_by_keyboard(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        reply = await ask_chat(pilot, "Passwort")  # either password article: the bot must not pick one
        assert reply.reply.kind == "suggest"
        assert "Meinten Sie" in reply.query_one(MarkdownText).source
        choices = reply.query_one(OptionList)
        choices.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        shown = app.screen.query(BotMessage).last()
        assert shown.reply.article is not None
        assert shown.reply.article.id in {"passwort-sicherheit", "email-passwort-aendern"}


async def test_no_article_gives_fallback_with_hotline_and_categories(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        reply = await ask_chat(pilot, "Wie wird das Wetter morgen?")
        assert reply.reply.kind == "none"
        assert "0800 1003329" in reply.query_one(MarkdownText).source
        choices = reply.query_one(OptionList)
        labels = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert "Thema: Webmail" in labels
        choices.focus()
        choices.highlighted = labels.index("Thema: Webmail")
        await pilot.press("enter")
        await pilot.pause()
        listing = app.screen.query(BotMessage).last()
        assert {a.category for a in listing.reply.suggestions} == {"Webmail"}


async def test_a_short_reply_after_a_long_answer_is_in_view(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask_chat(pilot, "Mein Postfach ist voll")  # a long article, shown from its top
        reply = await ask_chat(pilot, "Wie wird das Wetter morgen?")
        await pilot.pause()
        conversation = app.screen.query_one("#conversation")
        assert reply.region.bottom > conversation.region.y and reply.region.y < conversation.region.bottom, (
            reply.region,
            conversation.region,
        )


SMALL_TALK = [
    ("Hallo", "greeting"),
    ("Danke!", "thanks"),
    ("Tschüss", "goodbye"),
    ("Ich möchte mit einem Mitarbeiter sprechen", "human"),
    ("Was kannst du?", "capabilities"),
]


async def test_small_talk_without_article_search(make_app):
    # one chat for all five, as a customer would say them one after another (one app start-up, not five)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for text, intent in SMALL_TALK:
            reply = await ask_chat(pilot, text)
            assert (reply.reply.kind, reply.reply.intent) == ("smalltalk", intent), text
            if intent == "human":
                assert "0800 1003329" in reply.query_one(MarkdownText).source


async def test_input_history_with_arrow_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask_chat(pilot, "spf")
        await ask_chat(pilot, "smtp port")
        field = app.screen.query_one("#question")
        await pilot.press("up")
        assert field.value == "smtp port"
        await pilot.press("up")
        assert field.value == "spf"
        await pilot.press("down", "down")
        assert field.value == ""


async def test_ctrl_l_clears_the_conversation(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask_chat(pilot, "spf")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert len(app.screen.query(BotMessage)) == 1  # the greeting again
        assert not app.screen.query(UserMessage)


async def test_ctrl_s_saves_the_transcript_as_markdown(make_app, tmp_path, notes):
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        await ask_chat(pilot, "Mein Postfach ist voll")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: notes.titled("Gespeichert"))
        (saved,) = tmp_path.glob("faqbot-gespraech-*.md")
        text = saved.read_text(encoding="utf-8")
        assert "> Mein Postfach ist voll" in text
        assert "unwiederbringlich gelöscht" in text
        assert [saved.name in note.message for note in notes.titled("Gespeichert")] == [True]


async def test_saving_into_a_missing_folder_says_so(make_app, tmp_path, notes):
    app = make_app()
    app.save_dir = tmp_path / "gibt-es-nicht"
    async with app.run_test(size=SIZE, message_hook=notes.hook) as pilot:
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: notes.titled("Speichern fehlgeschlagen"))
        (failed,) = notes.titled("Speichern fehlgeschlagen")
        assert failed.severity == "error" and "konnte nicht gespeichert werden" in failed.message
        assert not (tmp_path / "gibt-es-nicht").exists()


class DummyHelper(Screen):
    pass


async def test_helper_button_on_answers_with_a_helper(make_app):
    app = make_app()
    app.helper_screens["ports"] = HelperScreen("Test-Helfer", DummyHelper)
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_chat(pilot, "welcher Port für IMAP")
        button = answer.query_one("#open-helper", Button)
        assert "Test-Helfer" in str(button.label)
        await click_visible(pilot, button)
        await pilot.pause()
        assert isinstance(app.screen, DummyHelper)


async def test_spf_answer_opens_the_spf_helper(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_chat(pilot, "SPF Eintrag setzen")
        await click_visible(pilot, answer.query_one("#open-helper", Button))
        await pilot.pause()
        assert type(app.screen).__name__ == "SpfScreen"


async def test_no_helper_button_for_a_helper_the_app_does_not_offer(make_app):
    app = make_app()
    del app.helper_screens["ports"]
    async with app.run_test(size=SIZE) as pilot:
        answer = await ask_chat(pilot, "welcher Port für IMAP")
        assert answer.reply.article is not None and answer.reply.article.helper == "ports"
        assert not answer.query("#open-helper")


MARKUP = ["[bold]x[/]", "[/", "[@click=app.quit]x[/]", "[link=https://example.com]klick[/link]"]


async def test_typed_markup_is_shown_literally_and_harmless(make_app):
    # one chat for all four (one app start-up, not four); each message is checked as it is shown
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for number, text in enumerate(MARKUP, start=1):
            await ask_chat(pilot, text)
            messages = app.screen.query(UserMessage)
            assert len(messages) == number
            message = messages.last()
            assert message.text == text
            assert str(message.render()) == text
            await click_visible(pilot, message)
            await pilot.pause()
            assert app.is_running, text


async def test_very_long_input_is_bounded(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        field = app.screen.query_one("#question")
        field.focus()
        field.insert_text_at_cursor("Postfach " * 200)
        assert len(field.value) == 500  # cut, not dropped
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query(BotMessage).last().reply.kind in {"answer", "suggest", "none"}


async def test_command_palette_opens_an_article(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pick_from_palette(pilot, "Winmail")
        await pilot.pause()
        shown = app.screen.query(BotMessage).last()
        assert shown.reply.article is not None and shown.reply.article.id == "winmail-dat"


@pytest.mark.long
async def test_older_replies_are_frozen_to_text_and_the_transcript_keeps_everything(make_app):
    from faqbot.bot.tui.screens.chat import LIVE_REPLIES
    from faqbot.bot.tui.widgets.archive import Archive, ArchivedQuestion, ArchivedReply

    app = make_app(log=False)
    questions = ["Mein Postfach ist voll", "winmail.dat im Anhang", "welcher Port für SMTP"] * 4  # two archive groups
    async with app.run_test(size=SIZE) as pilot:
        conversation = app.screen.query_one("#conversation")
        for question in questions:
            answer = await ask_chat(pilot, question)

            # Shown from its top margin (scrolled to in the layout that placed it), while older replies move
            # into the archive; unless it is shorter than the view and the conversation ends below it
            def revealed(answer=answer) -> bool:
                at_top = answer.region.y == conversation.region.y + 1
                at_end = conversation.scroll_y == conversation.max_scroll_y and answer.region.height < conversation.region.height
                return at_top or at_end

            await wait_until(pilot, revealed, what=f"{question}: {answer.region} in {conversation.region}")
        live = list(conversation.query_children(BotMessage))
        archives = list(conversation.query_children(Archive))
        archived = [message for archive in archives for message in archive.messages]
        frozen = [message for message in archived if isinstance(message, ArchivedReply)]
        assert len(live) == LIVE_REPLIES  # the newest, with their buttons
        assert len(frozen) == 1 + len(questions) - LIVE_REPLIES  # the greeting and the older answers, as text
        assert len(archives) == 2
        assert [message.reply.article.id for message in live][-1] == "tls-ports"
        shown = [line.strip(" ▌▐") for line in archives[0].render().plain.split("\n")]
        assert "Mein Postfach ist voll" in shown  # the first question, on a line of its own
        title = next(number for number, line in enumerate(shown) if line.startswith("Postfach voll"))
        assert title > shown.index("Mein Postfach ist voll")  # the answer after it, laid out (no "#")
        archived_questions = [message.text for message in archived if isinstance(message, ArchivedQuestion)]
        assert archived_questions + [message.text for message in app.screen.query(UserMessage)] == questions  # in order
        # Archived text is selected and copied as the messages' text, without their edges
        archives[0].scroll_visible(animate=False, top=True)
        await pilot.pause()
        await pilot.click(archives[0], offset=(5, 2), times=3)  # a triple click selects the whole group
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None
        lines = selected.splitlines()
        assert any(line.startswith("Guten Tag!") for line in lines)  # a reply's text without its edge and padding
        assert "Mein Postfach ist voll" in lines  # a question's, without its indent and edge
        assert any(line.strip().startswith("Postfach voll") for line in lines)  # the title, centred
        assert "▐" not in selected and all(line == line.rstrip() for line in lines)
        transcript = app.screen.transcript_markdown()
        assert transcript.count("Mein Postfach ist voll") == 4  # every question, however old
        assert transcript.count("# Postfach voll") == 4
