"""Read an article file safely: only regular files, and only up to a size limit.

A FIFO named like an article would block the reader forever, a symlink to
/dev/zero would be read until memory runs out; both must cost that one file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024  # 1 MiB: far more than any FAQ article needs

_KINDS = (
    (stat.S_ISDIR, "ein Ordner"),
    (stat.S_ISFIFO, "eine benannte Pipe (FIFO)"),
    (stat.S_ISCHR, "ein Gerät"),
    (stat.S_ISBLK, "ein Gerät"),
    (stat.S_ISSOCK, "ein Socket"),
)


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in German ("ein Ordner", "ein Gerät", …)."""
    return next((name for test, name in _KINDS if test(mode)), "keine normale Datei")


class FileReadError(Exception):
    """Why a file cannot be read, in German."""


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file (symlinks followed) of at most ``limit`` bytes."""
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer; fstat then rejects it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise FileReadError(f"Datei kann nicht gelesen werden ({error.strerror or error}).") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileReadError(f"Datei kann nicht gelesen werden: Das ist {kind_of(mode)}, keine normale Datei.")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the size from fstat may be stale; count what is read
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileReadError(
                f"Die Datei ist größer als {limit // 1024 // 1024} MiB und wird nicht gelesen. Bitte teilen Sie den Artikel auf."
            )
        return b"".join(chunks)
    except OSError as error:
        raise FileReadError(f"Datei kann nicht gelesen werden ({error.strerror or error}).") from None
    finally:
        os.close(fd)
