"""What a chat turn does ahead of time or only when needed, so that the answer comes at once (README: "Performance").

Each test checks what the customer sees (or what the first answer no longer waits for), not how long it takes.
"""

from __future__ import annotations

import threading

from textual.content import Content

from conftest import ask_chat, paste, wait_until
from faqbot.bot.tui.widgets.archive import Archive, ArchivedQuestion, ArchivedReply
from faqbot.bot.tui.widgets.chat_messages import BotMessage, UserMessage

SIZE = (100, 40)


async def test_before_the_first_question_the_index_has_answered_once_and_the_reply_styles_are_read(make_app):
    app = make_app(log=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        # What the first question would otherwise load on its way: the calibration (and with it the text
        # classifier), and the default CSS of the widgets an answer brings (a reparse of the whole stylesheet).
        assert app.dialog.index._calibration is not None
        sources = {name for _, name in app.stylesheet.source}
        assert {"Button.DEFAULT_CSS", "OptionList.DEFAULT_CSS", "Label.DEFAULT_CSS"} <= sources
        assert not app.screen.query(BotMessage).last().query("Button")  # only the greeting is shown
        answer = await ask_chat(pilot, "Mein Postfach ist voll")
        assert answer.reply.article is not None and answer.reply.article.id == "postfach-voll"


async def test_a_late_answer_is_announced_by_a_placeholder_that_it_then_replaces(make_app):
    app = make_app(log=False)
    release = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        answer_now = screen.dialog.reply

        def late_reply(text):  # runs in the answer's worker thread
            release.wait(timeout=30)
            return answer_now(text)

        screen.dialog.reply = late_reply
        screen.query_one("#question").focus()
        await pilot.pause()
        await paste(pilot, "Mein Postfach ist voll")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.query(".waiting"))  # past ANSWER_GRACE: the "…" is shown
        conversation = screen.query_one("#conversation")
        kinds = [type(child).__name__ for child in conversation.children]
        assert kinds == ["BotMessage", "Horizontal", "Static"]  # greeting, question, "…"
        assert conversation.children[1].query_one(UserMessage).text == "Mein Postfach ist voll"
        release.set()
        await wait_until(pilot, lambda: not screen.query(".waiting"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        kinds = [type(child).__name__ for child in conversation.children]
        assert kinds == ["BotMessage", "Horizontal", "BotMessage"]  # the answer in the placeholder's place
        answer = conversation.children[-1]
        assert isinstance(answer, BotMessage) and answer.reply.article is not None
        assert answer.reply.article.id == "postfach-voll"


async def test_an_archive_group_grown_reply_by_reply_shows_what_one_made_at_once_shows(make_app):
    app = make_app(log=False)
    async with app.run_test(size=SIZE) as pilot:
        for question in ["Mein Postfach ist voll", "winmail.dat im Anhang", "welcher Port für SMTP", "Passwort vergessen"] * 2:
            await ask_chat(pilot, question)
        conversation = app.screen.query_one("#conversation")
        grown = conversation.query_children(Archive).first()  # grown by one reply (and its question) per turn
        assert len([message for message in grown.messages if isinstance(message, ArchivedReply)]) > 1
        made_at_once = Archive(list(grown.messages))
        await conversation.mount(made_at_once)
        await pilot.pause()
        width = grown.content_size.width
        assert made_at_once.content_size.width == width

        def cells(archive: Archive) -> list[tuple[str, str]]:
            content: Content = archive.render()
            return [(line.plain, repr(line.spans)) for line in content.split("\n", allow_blank=True)]

        assert cells(grown) == cells(made_at_once)
        assert grown.content_size.height == made_at_once.content_size.height == len(cells(grown))
        questions = [message.text for message in grown.messages if isinstance(message, ArchivedQuestion)]
        assert questions[0] == "Mein Postfach ist voll"


async def test_no_garbage_collection_runs_while_an_answer_is_placed_and_collection_is_on_again_afterwards(make_app):
    import gc

    from faqbot.bot.tui.screens.chat import ChatScreen

    app = make_app(log=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        seen: list[bool] = []
        place_reply = screen._place_reply

        async def placing(event):  # what the collector is doing while the answer is mounted, laid out and drawn
            seen.append(gc.isenabled())
            await place_reply(event)
            seen.append(gc.isenabled())

        screen._place_reply = placing
        answer = await ask_chat(pilot, "Mein Postfach ist voll")
        assert answer.reply.article is not None
        assert seen == [False, False]
        assert gc.isenabled()


async def test_a_warm_up_that_fails_leaves_the_chat_running_for_the_first_question_to_meet_the_error(make_app):
    app = make_app(log=False)

    def broken(text):
        raise RuntimeError("index unusable")

    app.dialog.reply = broken  # the chat screen asks through the app's dialog
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen.query_one("#question").has_focus  # the greeting is there, the field waits
