"""The chat answers with the section that answers; the rest of the article is one key away."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from conftest import ask_chat
from faqbot.bot.tui.widgets.markdown_text import MarkdownText

CERTIFICATE_QUESTION = "mein outlook sagt das zertifikat ist ungültig wenn ich mails abrufe"


async def test_the_answer_shows_its_section_on_screen_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        answer = await ask_chat(pilot, CERTIFICATE_QUESTION)
        await pilot.pause()
        body = answer.query_one(".article-body", MarkdownText)
        assert body.source.startswith("# TLS-Verschlüsselung")
        assert "## Zertifikatsfehler mit mail.IhreDomain.tld" in body.source and "POP3s" not in body.source
        heading = next(y for y, line in enumerate(body.render().plain.splitlines()) if "Zertifikatsfehler" in line)
        assert 0 <= body.content_region.y + heading < 24  # on screen without scrolling
        options = answer.query_one(".sections", OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "▸ Ganzen Artikel zeigen",
            "▸ Servername",
            "▸ Verschlüsselung und Ports",
        ]


@pytest.mark.parametrize(("choice", "shown", "hidden"), [(0, "POP3s", None), (2, "POP3s", "Zertifikatsfehlermeldung")])
async def test_another_section_or_the_whole_article_opens_in_place(make_app, choice, shown, hidden):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        answer = await ask_chat(pilot, CERTIFICATE_QUESTION)
        options = answer.query_one(".sections", OptionList)
        options.focus()
        options.highlighted = choice
        await pilot.press("enter")
        await pilot.pause()
        source = answer.query_one(".article-body", MarkdownText).source
        assert shown in source
        if hidden:
            assert hidden not in source
        assert app.focused is app.screen.query_one("#question")  # the next keys are a question again


async def test_a_general_question_shows_the_whole_article(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        answer = await ask_chat(pilot, "Mein Postfach ist voll")
        assert answer.reply.section is None
        assert not answer.query(".sections")
        assert "## 4. E-Mails löschen" in answer.query_one(".article-body", MarkdownText).source


def test_snapshot_certificate_section_at_80x24(snap_compare, make_app):
    async def run_before(pilot):
        await ask_chat(pilot, CERTIFICATE_QUESTION)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_certificate_section_at_120x40(snap_compare, make_app):
    async def run_before(pilot):
        await ask_chat(pilot, CERTIFICATE_QUESTION)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)
