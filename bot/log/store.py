"""The private conversation log: every chat turn, redacted, for the people who keep the KB.

It lives in an SQLite file (the default; WAL and a busy timeout let several bot processes
write at once) or, for several instances, on a PostgreSQL server (`postgresql://` URL).
The SQL and the migrations are written once for both (see `database.py`). A log that
cannot work (read-only, locked, damaged, wrong password, server away at start) switches
itself off and says so once; the bot keeps answering. A server that goes away mid-session
(a restart) costs nothing: turns wait in a bounded queue in memory and are written, in
order, when it is back.
"""

from __future__ import annotations

import atexit
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from faqbot.bot.log.database import PostgresDialect, SQLiteDialect, dialect_for, is_database_url
from faqbot.bot.log.redact import redact

T = TypeVar("T")

DB_ENV_VAR = "FAQBOT_DB"
BUSY_TIMEOUT_MS = 5000
MAX_PENDING = 1000  # turns kept in memory while the server is away; beyond that the log switches off
RETRY_SECONDS = (0.5, 1, 2, 5)  # then every 5 s
IDLE_CONNECTION_SECONDS = 60  # a PostgreSQL connection unused this long is closed (the next write opens one)

# Forward migrations: entry N brings a database from user_version N to N+1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE turns (
        id {id},
        time TEXT NOT NULL,
        question TEXT NOT NULL,
        normalised TEXT NOT NULL,
        status TEXT NOT NULL,
        article_id TEXT,
        score {float}
    );
    CREATE INDEX turns_time ON turns (time);
    """,
    """
    ALTER TABLE turns ADD COLUMN picked TEXT;
    ALTER TABLE turns ADD COLUMN feedback INTEGER;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
__all__ = ["DB_ENV_VAR", "ConversationLog", "Turn", "default_db_path", "is_database_url"]


def default_db_path() -> Path | str:
    explicit = os.environ.get(DB_ENV_VAR, "").strip()
    if explicit:
        return explicit if is_database_url(explicit) else Path(explicit)
    from platformdirs import user_data_dir

    return Path(user_data_dir("faqbot", appauthor=False)) / "gespraeche.sqlite3"


class LogAway(Exception):
    """The database is there but not now (server restarting, file busy): queue and retry."""


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
        path: Path | str,
        *,
        normalise: Callable[[str], str] = str.casefold,
        on_disabled: Callable[[str], None] | None = None,
    ):
        self.path = path if is_database_url(path) else Path(path)
        self.normalise = normalise  # applied to the redacted question only
        self.on_disabled = on_disabled
        self.disabled_reason: str | None = None
        self._lock = threading.RLock()
        self._connection = None
        self._idle_timer: threading.Timer | None = None
        self._pending: deque[tuple[str, tuple, int | None]] = deque()  # (sql, parameters, local handle of an insert)
        self._ids: dict[int, int] = {}  # local handle of a queued insert → its id once written
        self._handles = itertools.count(-1, -1)  # queued inserts get negative handles; real ids are positive
        self._retry: threading.Thread | None = None
        self._wake = threading.Event()
        self.dialect: SQLiteDialect | PostgresDialect
        try:
            self.dialect = dialect_for(self.path)
        except ImportError as error:  # psycopg missing from an odd installation
            self._disable_with(f"Das Gesprächsprotokoll ist aus: für PostgreSQL fehlt psycopg ({error}).")
            return
        if isinstance(self.dialect, SQLiteDialect):
            self.dialect.busy_timeout_ms = BUSY_TIMEOUT_MS  # read now: tests shorten it
        self._guard(self._migrate)

    # --- plumbing ---------------------------------------------------------------------

    def _connect(self):
        if self._connection is None:
            self._connection = self.dialect.connect()
        return self._connection

    def _connect_for_turn(self):
        try:
            return self._connect()
        except BaseException as error:
            self._raise_away_if_transient(error)
            raise

    def _raise_away_if_transient(self, error: BaseException) -> None:
        if isinstance(error, self.dialect.errors) and self.dialect.is_transient(error):
            raise LogAway(error) from error

    def _release(self, connection, *, broken: bool = False) -> None:
        if broken or not self.dialect.keep_open:
            try:
                connection.close()
            except Exception:  # closing a broken connection may fail too; it is gone either way
                pass
            self._connection = None
            return
        # Kept open for the next turn, but not by a chat nobody types in: 1,000 idle sessions
        # must not hold 1,000 server connections.
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = threading.Timer(IDLE_CONNECTION_SECONDS, self._close_idle)
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def _close_idle(self) -> None:
        with self._lock:
            if self._connection is not None and not self._pending:
                self._release(self._connection, broken=True)

    def _guard(self, action: Callable[[], object]) -> object | None:
        """Run a database action; on any database or file error, switch logging off (once)."""
        if self.disabled_reason is not None:
            return None
        try:
            return action()
        except LogAway as away:
            self._disable(away.__cause__ or away)
            return None
        except self.dialect.errors as error:
            self._disable(error)
            return None

    def _disable(self, error: BaseException) -> None:
        self._disable_with(self.dialect.reason(error))

    def _disable_with(self, reason: str) -> None:
        with self._lock:
            if self.disabled_reason is not None:
                return
            self.disabled_reason = reason
            self._pending.clear()
            if self._connection is not None:
                self._release(self._connection, broken=True)
        if self.on_disabled is not None:
            self.on_disabled(reason)

    def _migrate(self) -> None:
        with self._lock:
            connection = self._connect()
            try:
                self._apply_migrations(connection)
            except BaseException:
                self._release(connection, broken=True)
                raise
            self._release(connection)

    def _apply_migrations(self, connection) -> None:
        dialect = self.dialect
        version = dialect.begin_migration(connection)
        try:
            if version > SCHEMA_VERSION:
                raise dialect.errors[0](f"Schema-Version {version} ist neuer als dieses Programm ({SCHEMA_VERSION})")
            for number in range(version, SCHEMA_VERSION):
                for statement in filter(str.strip, MIGRATIONS[number].format(**dialect.types).split(";")):
                    connection.execute(statement)
            dialect.set_version(connection, SCHEMA_VERSION)
            connection.execute("COMMIT")
        except BaseException:
            try:
                connection.execute("ROLLBACK")
            except Exception:  # nothing to roll back (the failure came first): the real error is the one above
                pass
            raise

    def _execute(self, sql: str, parameters: tuple) -> int | None:
        """One statement in its own short transaction; an insert returns the new id."""

        def run(connection) -> int | None:
            cursor = connection.execute(self.dialect.sql(sql), parameters)
            return self.dialect.inserted_id(cursor) if sql.startswith("INSERT") else None

        return self._on_connection(run)

    def _on_connection(self, work: Callable[[Any], T]) -> T:
        """``work`` on the turn's connection; a failure releases it as broken and says whether to retry later."""
        connection = self._connect_for_turn()
        try:
            result = work(connection)
        except BaseException as error:
            self._release(connection, broken=True)
            self._raise_away_if_transient(error)
            raise
        self._release(connection)
        return result

    def _resolve(self, parameters: tuple) -> tuple | None:
        """Updates name a turn by its handle; a queued insert's handle becomes its id once written."""
        *values, turn = parameters
        if turn < 0:
            if turn not in self._ids:
                return None  # its insert was never written (the log switched off meanwhile)
            turn = self._ids[turn]
        return (*values, turn)

    def _drain(self) -> None:
        """Write the queued turns in order (under the lock); stops at the first transient error."""
        while self._pending:
            sql, queued, handle = self._pending[0]
            parameters = self._resolve(queued) if handle is None else queued
            if parameters is not None:
                new_id = self._execute(sql, parameters)
                if handle is not None and new_id is not None:
                    self._ids[handle] = new_id
            self._pending.popleft()

    def _write(self, sql: str, parameters: tuple, *, insert: bool = False) -> int | None:
        if self.disabled_reason is not None:
            return None
        with self._lock:
            try:
                self._drain()  # what waits goes first, so the order of turns is kept
                if not self._pending:
                    resolved = parameters if insert else self._resolve(parameters)
                    if resolved is None:
                        return None
                    return self._execute(sql, resolved)
            except LogAway:
                pass  # the server restarts, the network hiccups, or the SQLite file is busy: queue it
            except self.dialect.errors as error:
                self._disable(error)
                return None
            return self._queue(sql, parameters, insert)

    def _queue(self, sql: str, parameters: tuple, insert: bool) -> int | None:
        if len(self._pending) >= MAX_PENDING:
            self._disable_with(
                f"Das Gesprächsprotokoll ist aus: {self.dialect.place} war zu lange gesperrt oder nicht erreichbar"
                f" ({MAX_PENDING} Einträge warteten)."
            )
            return None
        handle = next(self._handles) if insert else None
        self._pending.append((sql, parameters, handle))
        self._start_retry()
        return handle

    def _start_retry(self) -> None:
        if self._retry is None:
            atexit.register(self.flush)  # a session that ends while the server is away still gets a last try
        if self._retry is None or not self._retry.is_alive():
            self._retry = threading.Thread(target=self._retry_loop, name="faqbot-log-retry", daemon=True)
            self._retry.start()

    def _retry_loop(self) -> None:
        for attempt in itertools.count():
            self._wake.wait(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            self._wake.clear()
            if self.disabled_reason is not None or not self._pending:
                return
            self._try_drain()
            if not self._pending:
                return

    def _try_drain(self) -> None:
        with self._lock:
            try:
                self._drain()
            except LogAway:
                pass  # still away: the turns stay queued
            except self.dialect.errors as error:
                self._disable(error)

    # --- the log ------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    @property
    def pending(self) -> int:
        """Turns waiting in memory for the database to come back."""
        return len(self._pending)

    def flush(self, timeout: float = 5.0) -> bool:
        """Try to write what waits, for up to ``timeout`` seconds; True if nothing waits any more."""
        deadline = time.monotonic() + timeout
        while self._pending and self.disabled_reason is None and time.monotonic() < deadline:
            self._try_drain()
            if self._pending:
                time.sleep(0.2)
        return not self._pending

    def record(self, question: str, status: str, *, article_id: str | None = None, score: float | None = None) -> int | None:
        """Store one turn; ``question`` is redacted here, before anything is written (or queued). Returns the turn's id."""
        safe = redact(question)
        return self._write(
            "INSERT INTO turns (time, question, normalised, status, article_id, score) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (datetime.now(UTC).isoformat(timespec="seconds"), safe, self.normalise(safe), status, article_id, score),
            insert=True,
        )

    def record_pick(self, turn_id: int, article_id: str) -> None:
        self._write("UPDATE turns SET picked = ? WHERE id = ?", (article_id, turn_id))

    def record_feedback(self, turn_id: int, helpful: bool) -> None:
        self._write("UPDATE turns SET feedback = ? WHERE id = ?", (int(helpful), turn_id))

    def turns(self, since: str | None = None) -> list[Turn]:
        """All turns (since a day), after writing what waits; [] while the server is away (nothing is dropped)."""

        def run() -> list[Turn]:
            with self._lock:
                try:
                    self._drain()
                    rows = self._query(
                        "SELECT id, time, question, normalised, status, article_id, score, picked, feedback FROM turns"
                        " WHERE time >= ? ORDER BY id",
                        (since or "",),
                    )
                except LogAway:
                    return []  # a restart: the queued turns stay queued, the log stays on
            return [Turn(*row) for row in rows]

        return self._guard(run) or []  # type: ignore[return-value]

    def _query(self, sql: str, parameters: tuple) -> list[tuple]:
        return self._on_connection(lambda connection: connection.execute(self.dialect.sql(sql), parameters).fetchall())
