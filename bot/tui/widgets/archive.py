"""Older chat messages drawn as one widget: a group of questions and frozen replies as one selectable text.

A message as widgets is a row, a box and its text, each styled, arranged and placed by every layout of the
conversation; a group of them as one text is one widget that keeps its lines per width (benchmarks/bench_chat.py;
README: "Performance"). The lines are drawn to look like the live messages (chat_messages.tcss): a reply in a box
with a coloured edge on the left, a question on the right with its edge on the right, a blank line above each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.style import Style

from faqbot.bot.tui.widgets.markdown_text import KEPT_LAYOUTS, MarkdownText

# The live messages' geometry (chat_messages.tcss), which the lines copy: a reply has margin 1 left and 8 right,
# an edge of one cell, padding 1 each side; a question is at most 80 % wide with margin 1 right, padding 1 each
# side and its edge.
REPLY_LEFT, REPLY_RIGHT = 3, 9  # margin + edge + padding; padding + margin
QUESTION_SHARE, QUESTION_GUTTER, QUESTION_RIGHT = 0.8, 3, 1


@dataclass(frozen=True)
class ArchivedQuestion:
    text: str  # as the customer typed it: data, never markup


@dataclass(frozen=True)
class ArchivedReply:
    markdown: str
    kind: str  # Reply.kind: "none" and "empty" have a warning edge
    # (width, theme) → laid-out text, taken over from the live reply so archiving lays nothing out again.
    laid_out: dict[tuple[int, str], tuple[Content, int]] = field(default_factory=dict, compare=False)


ArchivedMessage = ArchivedQuestion | ArchivedReply


class Archive(MarkdownText):
    """A group of older messages as one text (chat.py: ARCHIVE_GROUP). A MarkdownText for its Markdown styles
    and its text kept per width; ``source`` is the group as Markdown."""

    COMPONENT_CLASSES = MarkdownText.COMPONENT_CLASSES | {
        "archive--reply",
        "archive--reply-edge",
        "archive--warning-edge",
        "archive--question",
        "archive--question-edge",
    }

    def __init__(self, messages: list[ArchivedMessage]) -> None:
        super().__init__("")
        self.messages = list(messages)
        # Per (width, theme) as in laid_out: each message's lines as one text, and each line's (first, end) column
        # of message text, the rest being margins, edges and padding, which a copy leaves out. A group grows by a
        # reply each turn; the messages it had keep their lines, and only the new ones are laid out.
        self._blocks: dict[tuple[int, str], list[tuple[Content, list[tuple[int, int]]]]] = {}

    @property
    def source(self) -> str:
        return "\n\n".join(
            "\n".join(f"> {line}" for line in message.text.splitlines())
            if isinstance(message, ArchivedQuestion)
            else message.markdown
            for message in self.messages
        )

    def add(self, messages: list[ArchivedMessage]) -> None:
        self.messages += messages
        self.laid_out.clear()  # the messages' lines so far stay in _blocks
        self.clear_cached_dimensions()
        # Its new height repaints it at the layout. A repaint asked for here would look up its place, and for
        # a group out of sight, between mounts, that means arranging the whole conversation (~25 ms a turn).
        self.refresh(layout=True, repaint=False)

    def update(self, source: str) -> None:
        raise TypeError("an archive only grows (add)")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # From the messages' lines, without joining them into one text: that is needed only to draw the group,
        # and a layout places it out of sight mostly.
        return sum(len(columns) for _, columns in self._blocks_at(width)) if width else 0

    def _text_at(self, width: int) -> tuple[Content, int]:
        blocks = self._blocks_at(width)
        return Content("\n").join(text for text, _ in blocks), sum(len(columns) for _, columns in blocks)

    def _blocks_at(self, width: int) -> list[tuple[Content, list[tuple[int, int]]]]:
        key = (width, self.app.theme)
        blocks = self._blocks.get(key)
        if blocks is None:
            if len(self._blocks) >= KEPT_LAYOUTS:  # as many widths as laid_out keeps
                del self._blocks[next(iter(self._blocks))]
            blocks = self._blocks[key] = []
        for message in self.messages[len(blocks) :]:
            lines: list[Content] = [Content("")]  # the margin above each message
            columns: list[tuple[int, int]] = [(0, 0)]
            if isinstance(message, ArchivedQuestion):
                self._question_lines(message.text, width, lines, columns)
            else:
                self._reply_lines(message, width, lines, columns)
            blocks.append((Content("\n").join(lines), columns))
        return blocks

    def _style(self, component: str) -> Style:
        styles = self.get_component_styles(component)
        return Style(
            background=styles.background if styles.has_rule("background") else None,
            foreground=styles.color if styles.has_rule("color") else None,
        )

    def _reply_lines(self, reply: ArchivedReply, width: int, lines: list[Content], columns: list[tuple[int, int]]) -> None:
        text_width = max(1, width - REPLY_LEFT - REPLY_RIGHT)
        key = (text_width, self.app.theme)
        if key not in reply.laid_out:
            reply.laid_out[key] = self.markdown_at(reply.markdown, text_width)
        text = reply.laid_out[key][0]
        box = self._style("archive--reply")
        edge = box + self._style("archive--warning-edge" if reply.kind in {"none", "empty"} else "archive--reply-edge")
        for line in text.split("\n", allow_blank=True):
            lines.append(
                Content.assemble(
                    " ",
                    ("▌", edge),
                    (" ", box),
                    line.pad_right(max(0, text_width - line.cell_length)).stylize_before(box),
                    (" ", box),
                )
            )
            columns.append((REPLY_LEFT, REPLY_LEFT + len(line.plain)))

    def _question_lines(self, question: str, width: int, lines: list[Content], columns: list[tuple[int, int]]) -> None:
        text = Content(question)
        longest = max((Content(line).cell_length for line in question.splitlines()), default=0)
        text_width = max(1, min(longest, int(width * QUESTION_SHARE) - QUESTION_GUTTER))
        box = self._style("archive--question")
        edge = box + self._style("archive--question-edge")
        indent = max(0, width - QUESTION_RIGHT - QUESTION_GUTTER - text_width)
        for line in text.wrap(text_width):
            lines.append(
                Content.assemble(
                    " " * indent,
                    (" ", box),
                    line.pad_right(max(0, text_width - line.cell_length)).stylize_before(box),
                    (" ", box),
                    ("▐", edge),
                )
            )
            columns.append((indent + 1, indent + 1 + len(line.plain)))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected messages' text, without the margins, edges and padding around it."""
        width = self.content_size.width
        text = self._lay_out(width)[0]
        columns = [column for _, block_columns in self._blocks_at(width) for column in block_columns]
        lines = text.plain.split("\n")
        first_y, first_x = selection.start.transpose if selection.start else (0, 0)
        last_y, last_x = selection.end.transpose if selection.end else (len(lines) - 1, len(lines[-1]))
        picked = []
        for y in range(first_y, min(last_y, len(lines) - 1) + 1):
            start, end = columns[y]
            if y == first_y:
                start = max(start, first_x)
            if y == last_y:
                end = min(end, last_x)
            picked.append(lines[y][start:end].rstrip() if end > start else "")
        return "\n".join(picked), "\n"
