"""The private conversation log (SQLite): every chat turn, redacted, for the people who keep the KB.

One short transaction per write, WAL mode and a busy timeout, so several bot
processes can write at once. A log that cannot be written (read-only, locked,
damaged) switches itself off and says so once; the bot keeps answering.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from faqbot.bot.log.redact import redact
from faqbot.kb.files import kind_of
from faqbot.kb.visible import visible

DB_ENV_VAR = "FAQBOT_DB"
BUSY_TIMEOUT_MS = 5000

# Forward migrations: entry N brings a database from user_version N to N+1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        question TEXT NOT NULL,
        normalised TEXT NOT NULL,
        status TEXT NOT NULL,
        article_id TEXT,
        score REAL
    );
    CREATE INDEX turns_time ON turns (time);
    """,
    """
    ALTER TABLE turns ADD COLUMN picked TEXT;
    ALTER TABLE turns ADD COLUMN feedback INTEGER;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    explicit = os.environ.get(DB_ENV_VAR, "").strip()
    if explicit:
        return Path(explicit)
    from platformdirs import user_data_dir

    return Path(user_data_dir("faqbot", appauthor=False)) / "gespraeche.sqlite3"


class _NotAFile(OSError):
    """The log path names a folder, a device or a pipe; the message is German."""


# SQLite's own words for what users run into, in German.
_SQLITE_REASONS = (
    ("file is not a database", "ist keine SQLite-Datenbank (vielleicht eine andere Datei unter diesem Namen)"),
    ("unable to open database file", "kann nicht geöffnet werden (fehlt der Ordner, oder ist es ein Ordner?)"),
    ("readonly database", "ist schreibgeschützt"),
    ("database is locked", "ist von einem anderen Programm gesperrt"),
    ("disk i/o error", "kann wegen eines Ein-/Ausgabefehlers nicht gelesen oder geschrieben werden"),
    ("database disk image is malformed", "ist beschädigt"),
    ("disk is full", "kann nicht geschrieben werden: Der Datenträger ist voll"),
)


def _reason_de(error: Exception) -> str:
    """Why the log cannot be used, as the end of a German sentence that starts with the path."""
    if isinstance(error, _NotAFile):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"ist nicht beschreibbar ({error.strerror})"
    text = str(error).lower()
    for english, german in _SQLITE_REASONS:
        if english in text:
            return german
    return f"ist nicht beschreibbar ({error})"


@dataclass(frozen=True, slots=True)
class Turn:
    id: int
    time: str
    question: str
    normalised: str
    status: str
    article_id: str | None
    score: float | None
    picked: str | None
    feedback: int | None


class ConversationLog:
    def __init__(
        self,
        path: Path,
        *,
        normalise: Callable[[str], str] = str.casefold,
        on_disabled: Callable[[str], None] | None = None,
    ):
        self.path = Path(path)
        self.normalise = normalise  # applied to the redacted question only
        self.on_disabled = on_disabled
        self.disabled_reason: str | None = None
        self._lock = threading.Lock()
        self._guard(self._migrate)

    # --- plumbing ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return connection

    def _guard(self, action: Callable[[], object]) -> object | None:
        """Run a database action; on any database or file error, switch logging off (once)."""
        if self.disabled_reason is not None:
            return None
        try:
            return action()
        except (sqlite3.Error, OSError) as error:
            self._disable(error)
            return None

    def _disable(self, error: Exception) -> None:
        with self._lock:
            if self.disabled_reason is not None:
                return
            self.disabled_reason = f"Das Gesprächsprotokoll ist aus: {visible(str(self.path))} {_reason_de(error)}."
        if self.on_disabled is not None:
            self.on_disabled(self.disabled_reason)

    def _migrate(self) -> None:
        try:
            mode = self.path.stat().st_mode  # follows symlinks: a link to /dev/null is a device
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise _NotAFile(f"ist {kind_of(mode)}, keine Datei – bitte geben Sie mit --db oder $FAQBOT_DB eine Datei an")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            connection = self._connect()
            try:
                self._apply_migrations(connection)
            finally:
                connection.close()

    @staticmethod
    def _apply_migrations(connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see the new version
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"Schema-Version {version} ist neuer als dieses Programm ({SCHEMA_VERSION})")
            for number in range(version, SCHEMA_VERSION):
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:  # else ROLLBACK's own error would hide the real one
                connection.execute("ROLLBACK")
            raise

    def _write(self, sql: str, parameters: tuple) -> int | None:
        def run() -> int | None:
            connection = self._connect()
            try:
                cursor = connection.execute(sql, parameters)  # autocommit: one short transaction
                return cursor.lastrowid
            finally:
                connection.close()

        return self._guard(run)  # type: ignore[return-value]

    # --- the log ------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    def record(self, question: str, status: str, *, article_id: str | None = None, score: float | None = None) -> int | None:
        """Store one turn; ``question`` is redacted here, before anything is written. Returns the turn's id."""
        safe = redact(question)
        return self._write(
            "INSERT INTO turns (time, question, normalised, status, article_id, score) VALUES (?, ?, ?, ?, ?, ?)",
            (datetime.now(UTC).isoformat(timespec="seconds"), safe, self.normalise(safe), status, article_id, score),
        )

    def record_pick(self, turn_id: int, article_id: str) -> None:
        self._write("UPDATE turns SET picked = ? WHERE id = ?", (article_id, turn_id))

    def record_feedback(self, turn_id: int, helpful: bool) -> None:
        self._write("UPDATE turns SET feedback = ? WHERE id = ?", (int(helpful), turn_id))

    def turns(self, since: str | None = None) -> list[Turn]:
        def run() -> list[Turn]:
            connection = self._connect()
            try:
                rows = connection.execute(
                    "SELECT id, time, question, normalised, status, article_id, score, picked, feedback FROM turns"
                    " WHERE time >= ? ORDER BY id",
                    (since or "",),
                ).fetchall()
            finally:
                connection.close()
            return [Turn(*row) for row in rows]

        return self._guard(run) or []  # type: ignore[return-value]
