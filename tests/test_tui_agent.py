"""The support console: search as you type, preview, copy and save for a ticket."""

from __future__ import annotations

from textual.widgets import Footer, Input, OptionList, Select
from textual.widgets._footer import FooterKey

from conftest import paste, pick_from_palette, wait_until
from faqbot.bot.tui.screens.agent import ALL_CATEGORIES
from faqbot.bot.tui.widgets.markdown_text import MarkdownText

SIZE = (120, 40)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_search(pilot, text: str, *, typed: bool = False) -> None:
    """Enter a search and wait for its results: pasted in one go, or ``typed`` key by key
    (each key starts a search; the as-you-type and stale-result tests need that, the others not).
    What the field held before is replaced, as a support agent selects it and types over it."""
    pilot.app.screen.query_one("#search").value = ""
    await pilot.click("#search")
    if typed:
        await pilot.press(*text)
    else:
        pilot.app.screen.query_one("#search").insert_text_at_cursor(text)
    # Until the list shows this search's results: the search starts only once the field's Changed is
    # handled, so waiting for the workers alone can come too early on a loaded machine.
    field = pilot.app.screen.query_one("#search")
    await wait_until(pilot, lambda: pilot.app.screen.shown_query == field.value)
    await settle(pilot)


def result_ids(app) -> list[str]:
    results = app.screen.query_one("#results", OptionList)
    return [results.get_option_at_index(i).id for i in range(results.option_count)]


async def test_search_as_you_type_shows_ranked_results_and_preview(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await type_search(pilot, "spf", typed=True)
        assert result_ids(app)[0] == "spf-eintrag"
        prompt = str(app.screen.query_one("#results", OptionList).get_option_at_index(0).prompt)
        assert "SPF-Eintrag für Ihre Domain setzen" in prompt and "DNS & SPF" in prompt
        preview = app.screen.query_one("#preview", MarkdownText)
        assert "v=spf1 a include:_spf.broadspeed.de -all" in preview.source


async def test_stale_results_are_dropped(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#search")
        await pilot.press(*"spf")  # no waiting between keystrokes: each starts a search
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.press(*"smtp")
        await settle(pilot)
        assert result_ids(app)[0] == "tls-ports"
        assert "995" in app.screen.query_one("#preview", MarkdownText).source


async def test_copy_as_markdown_and_as_text_save_to_file_and_highlight_moves_the_preview(make_app, tmp_path):
    # one console for three searches in a row (one start-up, not three); each check is on its own search
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        # F2 copies Markdown, F3 text
        await type_search(pilot, "postfach voll")
        article = app.index.by_id("postfach-voll")
        await pilot.press("f2")
        assert app.clipboard.startswith("# Postfach voll") and "**„Einstellungen“**" in app.clipboard
        await pilot.press("f3")
        assert app.clipboard.startswith("Postfach voll") and "**" not in app.clipboard
        assert "\n\n1. Webmail per Browser starten\n\n" in app.clipboard  # paragraphs stay apart in a ticket
        assert app.clipboard.replace("\n\n", "\n").strip().splitlines()[1:] == article.text.splitlines()[1:]

        # Ctrl+S saves to a file, for terminals without a clipboard
        await type_search(pilot, "winmail")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: list(tmp_path.glob("faqbot-winmail-dat-*.md")))
        (saved,) = tmp_path.glob("faqbot-winmail-dat-*.md")
        assert saved.read_text(encoding="utf-8") == app.index.by_id("winmail-dat").titled_markdown + "\n"

        # moving the highlight moves the preview
        await type_search(pilot, "passwort")
        results = app.screen.query_one("#results", OptionList)
        results.focus()
        await pilot.press("down")
        await pilot.pause()
        second = app.index.by_id(result_ids(app)[1])
        assert second.titled_markdown in app.screen.query_one("#preview", MarkdownText).source


async def test_without_query_all_articles_are_listed_by_category_and_a_category_filters(make_app):
    # one app for the listing at start and the filter on it (one start-up, not two)
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = result_ids(app)
        assert len(ids) == 10
        categories = [app.index.by_id(i).category for i in ids]
        assert categories == sorted(categories)
        app.screen.query_one("#category", Select).value = "Outlook & Exchange"
        await settle(pilot)
        assert sorted(result_ids(app)) == ["exchange-pop3-connector", "winmail-dat"]
        app.screen.query_one("#category", Select).value = ALL_CATEGORIES
        await settle(pilot)
        assert len(result_ids(app)) == 10


async def test_no_result_says_so(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await type_search(pilot, "qqqqqq")
        assert result_ids(app) == []
        assert "Kein Artikel gefunden" in app.screen.query_one("#preview", MarkdownText).source
        await pilot.press("f2")  # nothing to copy: no crash, no clipboard
        assert app.clipboard == ""
        footer = app.screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        assert next(key for key in keys if key.key == "f2").has_class("-disabled")  # greyed out
        app.screen.query_one("#results").focus()
        await pilot.pause()
        assert list(footer.query(FooterKey)) == keys  # the same keys after the focus moved: not rebuilt
        app.screen.query_one("#search", Input).value = "spf"
        await settle(pilot)
        assert not next(key for key in footer.query(FooterKey) if key.key == "f2").has_class(
            "-disabled"
        )  # a changed key is shown


async def test_everything_by_keyboard(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.query_one("#search")  # typing goes there at once (typed in the tests above)
        await paste(pilot, "smtp")
        await settle(pilot)
        await pilot.press("tab", "tab")  # category select, then the result list
        assert app.focused is app.screen.query_one("#results")
        await pilot.press("ctrl+f")
        assert app.focused is app.screen.query_one("#search")


async def test_command_palette_opens_an_article(make_app):
    app = make_app("agent")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pick_from_palette(pilot, "Newsletter")
        await settle(pilot)
        assert app.screen.current.id == "newsletter-versand"
        assert "Email-Security Outbound" in app.screen.query_one("#preview", MarkdownText).source


async def test_the_chats_answer_comes_first_and_markup_in_the_search_is_harmless(make_app):
    # one console for both searches (one start-up, not two)
    # The retriever puts the full-mailbox article (its step "Anmelden") first; the decision, with the
    # classifier's second opinion, answers with the webmail article — and the console shows what the chat says.
    question = "wie logge ich mich ins webmail ein"
    app = make_app("agent")
    assert app.index.rank(question).hits[0].article.id == "postfach-voll"
    assert app.index.ask(question).answer.article.id == "webmail-zugang"
    async with app.run_test(size=SIZE) as pilot:
        await type_search(pilot, question)
        assert result_ids(app)[:2] == ["webmail-zugang", "postfach-voll"]
        results = app.screen.query_one("#results", OptionList)
        assert "unsicher" not in str(results.get_option_at_index(0).prompt)
        assert "unsicher" in str(results.get_option_at_index(1).prompt)

        text = "[@click=app.quit]Postfach voll[/]"
        await type_search(pilot, text)
        assert app.screen.query_one("#search").value == text
        # searched for as typed: the same ranking as the literal text gets from the index
        assert result_ids(app) == [hit.article.id for hit in app.index.search(text, limit=10)]
        assert result_ids(app)[0] == "postfach-voll"
        await pilot.click("#search")
        await pilot.click("#results")
        assert app.return_code is None and type(app.screen).__name__ == "AgentScreen"
