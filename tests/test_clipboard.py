"""Where a copy may not reach the clipboard, it is saved as a file too."""

from __future__ import annotations

import pytest

from faqbot.bot.tui.clipboard import copy_to_file_too


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-256color"}, False),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, True),
        ({"TERM": "screen.xterm-256color"}, True),
        ({"TERM": "linux"}, True),
        ({"TERM": "tmux-256color", "TMUX": "/tmp/x", "FAQBOT_COPY_FILE": "0"}, False),
        ({"TERM": "xterm", "FAQBOT_COPY_FILE": "ja"}, True),
        ({"TERM": "xterm", "FAQBOT_COPY_FILE": "vielleicht"}, False),
    ],
)
def test_copy_to_file_too(environ, expected):
    assert copy_to_file_too(environ) is expected


def test_served_copies_make_no_downloads_unless_asked():
    tmux = {"TERM": "tmux-256color", "TMUX": "/tmp/x"}
    assert copy_to_file_too(tmux, served=True) is False
    assert copy_to_file_too({**tmux, "FAQBOT_COPY_FILE": "1"}, served=True) is True
