"""Markdown parsing shared by the loader and the plain-text conversion."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin


@cache
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin)


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def plain_text(tokens: list[Token], *, blank_lines: bool = False) -> str:
    """The readable text of parsed Markdown: no markup, one block per line.

    Lists keep their bullets and numbers and table rows their cells, so the
    result reads well when pasted into a plain-text ticket; with
    ``blank_lines`` paragraphs, lists, tables and code blocks are separated by
    an empty line, as in a letter.
    """
    lines: list[str] = []
    ordered_counters: list[int | None] = []  # one per open list; None = bullets
    prefix = ""
    row: list[str] | None = None
    for token in tokens:
        kind = token.type
        if kind == "bullet_list_open":
            ordered_counters.append(None)
        elif kind == "ordered_list_open":
            ordered_counters.append(int(token.attrGet("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            ordered_counters.pop()
        elif kind == "list_item_open":
            number = ordered_counters[-1]
            indent = "  " * (len(ordered_counters) - 1)
            if number is None:
                prefix = f"{indent}- "
            else:
                prefix = f"{indent}{number}. "
                ordered_counters[-1] = number + 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append(" | ".join(row))
            row = None
        elif kind == "inline":
            text = _inline_text(token)
            if row is not None:
                row.append(text)
            else:
                lines.append(prefix + text)
                prefix = ""
        elif kind in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        if blank_lines and token.level == 0 and kind in _BLOCK_ENDS:
            lines.append("")
    if blank_lines:
        return "\n".join(lines).strip()
    return "\n".join(line for line in lines if line.strip())


# Top-level block ends after which a letter has an empty line.
_BLOCK_ENDS = frozenset(
    {
        "paragraph_close",
        "heading_close",
        "bullet_list_close",
        "ordered_list_close",
        "table_close",
        "fence",
        "code_block",
        "blockquote_close",
    }
)
