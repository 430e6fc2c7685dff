"""The two places the conversation log can live, behind one small interface: an SQLite file
(the embedded default, stdlib) or a PostgreSQL server (psycopg 3, for several instances).

The store writes its SQL once, with `?` placeholders and `{id}`/`{float}` type words; a
dialect connects, translates those, keeps the schema version, and says which errors mean
"the server is away for now" (queue and retry) rather than "this log cannot work" (switch off).
psycopg is imported only for a PostgreSQL URL, so the SQLite default costs nothing at start-up.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from faqbot.kb.files import kind_of
from faqbot.kb.visible import visible

BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_SECONDS = 3
MIGRATION_LOCK = 0x66617162  # "faqb": one process migrates, the others wait (PostgreSQL advisory lock)


def is_database_url(target: object) -> bool:
    """Whether the log's place is a PostgreSQL server (a URL) rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def without_password(url: str) -> str:
    """The URL as it may be shown to people and written to logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


class NotAFile(OSError):
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


def _sqlite_reason_de(error: BaseException) -> str:
    """Why the log file cannot be used, as the end of a German sentence that starts with the path."""
    if isinstance(error, NotAFile):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"ist nicht beschreibbar ({error.strerror})"
    text = str(error).lower()
    for english, german in _SQLITE_REASONS:
        if english in text:
            return german
    return f"ist nicht beschreibbar ({error})"


class SQLiteDialect:
    keep_open = False  # one short connection per write: WAL and a busy timeout share the file between processes
    types = {"id": "INTEGER PRIMARY KEY", "float": "REAL"}

    def __init__(self, path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

    @staticmethod
    def is_transient(error: BaseException) -> bool:
        # Busy or locked beyond the busy timeout: many writers on a loaded machine, or a backup holding
        # the file. It clears by itself; anything else (read-only, damaged) will fail again.
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(error, sqlite3.OperationalError) and code is not None and code & 0xFF in (5, 6)

    @property
    def place(self) -> str:
        return str(self.path)

    def connect(self) -> sqlite3.Connection:
        try:
            mode = self.path.stat().st_mode  # follows symlinks: a link to /dev/null is a device
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise NotAFile(f"ist {kind_of(mode)}, keine Datei – bitte geben Sie mit --db oder $FAQBOT_DB eine Datei an")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        return connection

    def sql(self, statement: str) -> str:
        # RETURNING keeps SQLite's write lock until the cursor is done; under eight writers that ran into
        # "database is locked", while lastrowid (read from the finished statement) did not.
        return statement.replace(" RETURNING id", "")

    @staticmethod
    def inserted_id(cursor: Any) -> int:
        return cursor.lastrowid

    def begin_migration(self, connection: Any) -> int:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see the new version
        return connection.execute("PRAGMA user_version").fetchone()[0]

    def set_version(self, connection: Any, version: int) -> None:
        connection.execute(f"PRAGMA user_version = {int(version)}")

    def reason(self, error: BaseException) -> str:
        return f"Das Gesprächsprotokoll ist aus: {visible(str(self.path))} {_sqlite_reason_de(error)}."


class PostgresDialect:
    keep_open = True  # a connection per write would cost an authentication each time
    types = {"id": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "float": "DOUBLE PRECISION"}

    def __init__(self, url: str):
        import psycopg  # only here: the SQLite default never pays its import

        self.psycopg = psycopg
        self.url = url
        self.errors = (psycopg.Error, OSError)

    def is_transient(self, error: BaseException) -> bool:
        # The server went away (restart, network): keep the turns and try again later.
        return isinstance(error, (self.psycopg.OperationalError, self.psycopg.InterfaceError))

    @property
    def place(self) -> str:
        return without_password(self.url)

    def connect(self) -> Any:
        return self.psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="faqbot")

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    @staticmethod
    def inserted_id(cursor: Any) -> int:
        return cursor.fetchone()[0]

    def begin_migration(self, connection: Any) -> int:
        connection.execute("BEGIN")
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS faqbot_schema (version INTEGER NOT NULL)")
        row = connection.execute("SELECT version FROM faqbot_schema").fetchone()
        return row[0] if row else 0

    def set_version(self, connection: Any, version: int) -> None:
        connection.execute("DELETE FROM faqbot_schema")
        connection.execute("INSERT INTO faqbot_schema (version) VALUES (%s)", (version,))

    def reason(self, error: BaseException) -> str:
        state = getattr(error, "sqlstate", None)
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if state in ("28P01", "28000") or "password authentication failed" in text:
            detail = "die Anmeldung wurde abgelehnt – prüfen Sie Benutzer und Passwort in der Adresse"
        elif state == "3D000":
            detail = "diese Datenbank gibt es auf dem Server nicht"
        elif self.is_transient(error):
            detail = f"der Server ist nicht erreichbar ({text})"
        else:
            detail = text
        return f"Das Gesprächsprotokoll ist aus: PostgreSQL unter {self.place}: {detail}."


def dialect_for(target: str | Path) -> SQLiteDialect | PostgresDialect:
    if isinstance(target, str) and is_database_url(target):
        return PostgresDialect(target)
    return SQLiteDialect(target)
