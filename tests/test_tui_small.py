"""The console and its helpers at 80×24: nothing the agent needs is cut off."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import OptionList

from conftest import open_helper, paste, type_in_palette, wait_until
from faqbot.bot.tui.screens.spf import SpfScreen

SMALL = (80, 24)


async def search(pilot, text: str) -> None:
    await pilot.click("#search")
    pilot.app.screen.query_one("#search").insert_text_at_cursor(text)
    await pilot.pause()  # the field's Changed starts the search: waiting before it waited for nothing
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown_lines(widget) -> list[str]:
    """The widget's lines as the terminal shows them."""
    return [strip.text for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


async def test_preview_wraps_the_zone_line(make_app):
    app = make_app("agent")
    async with app.run_test(size=SMALL) as pilot:
        await search(pilot, "spf eintrag setzen")
        preview = app.screen.query_one("#preview")
        assert " IN " in preview.source, "the SPF article shows its zone line as code"
        await wait_until(pilot, lambda: preview.content_size.width > 0)
        pane = app.screen.query_one("#preview-pane")
        assert pane.max_scroll_x == 0  # nothing beyond the right edge
        lines = [strip.text.rstrip() for strip in preview.render_lines(Region(0, 0, *preview.size))]
        assert all(len(line) <= preview.size.width for line in lines)
        zone = next(number for number, line in enumerate(lines) if " IN " in line)
        assert "-all" not in lines[zone] and "-all" in " ".join(lines[zone : zone + 3])  # wrapped, end on screen


async def test_result_titles_wrap_at_word_boundaries(make_app):
    app = make_app("agent")
    async with app.run_test(size=SMALL) as pilot:
        for query, word in (("TLS Verschlüsselung Servername", "TLS-Verschlüsselung,"), ("Newsletter", "Plusnet-Mailsysteme")):
            await search(pilot, query)
            lines = shown_lines(app.screen.query_one("#results", OptionList))
            assert any(word in line for line in lines), lines
            app.screen.query_one("#search").value = ""
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()


async def test_spf_options_and_record_fit(make_app):
    app = make_app()  # the helper is the same over the chat, which starts faster than the console
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_helper(pilot, "spf", SpfScreen)
        await paste(pilot, "gartenbau-huber.de")
        visible = app.screen.region
        for selector in ("#build-a", "#build-mx", "#build-provider", "#build-result", "#copy-record", "#copy-zone"):
            region = screen.query_one(selector).region
            assert region and visible.contains_region(region), selector
        policy = screen.query_one("#build-policy")
        policy.focus()  # the last option, below the fold at 24 lines
        scroll = screen.query_one("#build VerticalScroll")
        # Focus scrolls it into view on a later refresh (a loaded machine needs more than one pause).
        await wait_until(pilot, lambda: scroll.region.contains_region(policy.region))
        assert visible.contains_region(screen.query_one("#build-result").region)  # the record stays in view


async def test_palette_lists_quit_and_report_with_their_keys(make_app):
    app = make_app("agent")
    async with app.run_test(size=SMALL) as pilot:
        for typed, expected in (("Beenden", "Strg+Q"), ("Bericht", "Taste F6")):
            commands = await type_in_palette(pilot, typed)
            prompts = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
            assert any(typed in prompt and expected in prompt for prompt in prompts), prompts
            await pilot.press("escape")
            await pilot.pause()
