"""Show text from files and customers safely on a terminal: control and bidi characters escaped.

A file name or a logged question may hold BEL, ESC sequences or a right-to-left
override (U+202E) that would ring, recolour or visually reorder the output.
"""

from __future__ import annotations

import re

# C0/C1 controls, DEL, lone surrogates (undecodable file-name bytes), line/paragraph
# separators, and the bidirectional formatting characters (marks, embeddings, overrides, isolates).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control and bidi character written as ``\\xNN`` / ``\\uNNNN``."""
    return _INVISIBLE.sub(_escape, text)
