"""Markdown shown as one widget: Rich lays the blocks out, Textual draws the result as one selectable text.

Textual's Markdown widget builds a widget per block (heading, paragraph, list item, table), and every one
of them is styled, mounted and laid out with the conversation on every turn; in the chat that was most of
the time between Enter and the answer (benchmarks/bench_chat.py; README: "Performance"). This widget lays
the text out once per width and theme and keeps it; being one Content, it can still be selected and copied.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Markdown
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

# Rich's Markdown styles, each taken from a component class (and so from the theme) — markdown_text.tcss.
_STYLED = {
    "markdown.h1": "h1",
    "markdown.h2": "h2",
    "markdown.h3": "h3",
    "markdown.h4": "h4",
    "markdown.h5": "h4",
    "markdown.h6": "h4",
    "markdown.code": "code",
    "markdown.code_block": "code-block",
    "markdown.block_quote": "quote",
    "markdown.item.bullet": "bullet",
    "markdown.item.number": "bullet",
    "markdown.hr": "rule",
    "markdown.link": "link",
    "markdown.link_url": "link",
    "markdown.table.border": "table-border",
    "markdown.table.header": "table-header",
}


# Layouts kept per widget (widths and themes seen last): a scroll bar appearing changes the width once.
KEPT_LAYOUTS = 4


class _PlainCodeBlock(CodeBlock):
    """A fenced block as it is written: no syntax colouring (that would import Pygments into every chat)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = Text(str(self.text).rstrip(), style="markdown.code_block")
        yield Padding(code, (0, 1), style="markdown.code_block", expand=True)


class _Markdown(Markdown):
    elements = {**Markdown.elements, "fence": _PlainCodeBlock, "code_block": _PlainCodeBlock}


class MarkdownText(Widget):
    """A Markdown text in one widget; ``source`` is the Markdown, ``update`` replaces it."""

    COMPONENT_CLASSES = {f"markdown-text--{part}" for part in set(_STYLED.values())}
    ALLOW_SELECT = True

    def __init__(
        self,
        source: str,
        *,
        id: str | None = None,
        classes: str | None = None,
        laid_out: dict[tuple[int, str], tuple[Content, int]] | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._source = source
        # (width, theme) → the text laid out and its height in lines: reused by every later layout and paint
        # at that width, and handed on when a reply is frozen (chat.py), so freezing lays nothing out again.
        self.laid_out = laid_out if laid_out is not None else {}

    @property
    def source(self) -> str:
        return self._source

    def update(self, source: str) -> None:
        self._source = source
        self.laid_out.clear()
        self.refresh(layout=True)

    def line_starting(self, text: str) -> int | None:
        """The first laid-out line (at the widget's width) that starts with ``text`` after its indent, if any."""
        content, _ = self._lay_out(self.content_size.width)
        return next((number for number, line in enumerate(content.plain.split("\n")) if line.lstrip().startswith(text)), None)

    @property
    def is_laid_out(self) -> bool:
        """Whether the widget already has the height of its current text (a scroll into it lands where meant)."""
        width = self.content_size.width
        return width > 0 and self.content_size.height == self._lay_out(width)[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._lay_out(width)[1] if width else 0

    def render(self) -> Content:
        return self._lay_out(self.content_size.width)[0]

    def _lay_out(self, width: int) -> tuple[Content, int]:
        key = (width, self.app.theme)
        laid_out = self.laid_out.get(key)
        if laid_out is None:
            if len(self.laid_out) >= KEPT_LAYOUTS:  # a window dragged wider and narrower: keep the latest few
                del self.laid_out[next(iter(self.laid_out))]
            laid_out = self.laid_out[key] = self._text_at(width)
        return laid_out

    def _text_at(self, width: int) -> tuple[Content, int]:
        """The text laid out at a width, and its height in lines (not cached; _lay_out keeps it)."""
        return self.markdown_at(self._source, width)

    def markdown_at(self, source: str, width: int) -> tuple[Content, int]:
        """Any Markdown laid out at a width in this widget's Markdown styles, and its height in lines."""
        lines = _lines_of_text(self._lines(source, width))
        return Content.from_rich_text(Text("\n").join(lines)), len(lines)

    def _lines(self, source: str, width: int) -> list[list[Segment]]:
        if width <= 0 or not source.strip():
            return []
        theme = Theme(
            {name: self.get_component_rich_style(f"markdown-text--{part}", partial=True) for name, part in _STYLED.items()},
            inherit=True,
        )
        console = self.app.console
        options = console.options.update(width=width, highlight=False, markup=False)
        with console.use_theme(theme):  # render_lines renders at once, inside the theme
            return console.render_lines(_Markdown(source, hyperlinks=False), options, pad=False, new_lines=False)


def _lines_of_text(lines: Iterable[list[Segment]]) -> list[Text]:
    """Laid-out lines as text: trailing spaces dropped (a copy has none), never two blank lines in a row
    (Rich draws a table's empty top edge after the blank line that ends the paragraph before it)."""
    texts: list[Text] = []
    for line in lines:
        text = Text.assemble(*((segment.text, segment.style or Style()) for segment in line if not segment.control))
        text.rstrip()
        if text or not texts or texts[-1]:
            texts.append(text)
    return texts
