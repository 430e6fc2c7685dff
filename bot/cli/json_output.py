"""JSON as the commands print it: readable German (no \\u escapes for umlauts), one document per line.

Unicode also breaks lines at NEL (U+0085) and the line and paragraph separators (U+2028, U+2029):
Python's ``str.splitlines`` and many JSON-lines readers split there, so a question that contains one
would cut its JSON object in two. JSON allows them raw inside strings; they are escaped here.
"""

from __future__ import annotations

import json
from typing import Any

_LINE_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(data: Any) -> str:
    """``data`` as one line of JSON, without the trailing newline."""
    return json.dumps(data, ensure_ascii=False).translate(_LINE_BREAKS)
