"""Whether a copy should land in a file too: OSC 52 reaches the clipboard only where the terminal passes it on."""

from __future__ import annotations

from collections.abc import Mapping

COPY_FILE_VARIABLE = "FAQBOT_COPY_FILE"
_YES = {"1", "ja", "yes", "true", "on"}
_NO = {"0", "nein", "no", "false", "off"}


def copy_to_file_too(environ: Mapping[str, str], *, served: bool = False) -> bool:
    """True where a copy may not reach the clipboard, so it is saved as a file as well.

    tmux drops an application's OSC 52 unless `set-clipboard on` is set, GNU screen and the
    Linux console never pass it; the terminal itself cannot be asked. FAQBOT_COPY_FILE=1/0
    decides it for everyone else (and for tmux users who turned set-clipboard on).
    """
    setting = environ.get(COPY_FILE_VARIABLE, "").strip().lower()
    if setting in _YES:
        return True
    if setting in _NO or served:
        # Served, the terminal is the visitor's browser: the server's TERM and TMUX say nothing about it,
        # and a file there would be a download after every copy.
        return False
    term = environ.get("TERM", "")
    return bool(environ.get("TMUX")) or term.startswith("screen") or term == "linux"
