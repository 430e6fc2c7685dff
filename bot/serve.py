"""`faqbot serve`: the customer chat in the browser through textual-serve (one app process per tab).

Only the chat is served, never the agent console. The limits hold against hostile
visitors, not only friendly ones: the cap counts app processes (a session's slot is
free only once its process is gone), every process is ended when its websocket closes
for any reason (quit, then SIGTERM, then SIGKILL), idle sessions close after a notice,
one address cannot take every slot, the screen size is clamped, and each session starts
isolated (`python -I`), so nothing in the server's working folder is imported.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import json
import logging
import os
import shlex
import signal
import socket
import sys
from collections.abc import Awaitable
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from faqbot.bot import wording
from faqbot.bot.log.store import DB_ENV_VAR, is_database_url

log = logging.getLogger("faqbot.serve")

TITLE = wording.APP_TITLE
DEFAULT_IDLE_MINUTES = 15.0
DEFAULT_PER_ADDRESS = 3
END_GRACE_SECONDS = 3.0  # per step: after "quit", then after SIGTERM; SIGKILL cannot be ignored
SEND_TIMEOUT_SECONDS = 10.0  # an app that does not read its input for this long is treated as hung
MAX_COLUMNS, MAX_ROWS = 300, 120  # a 3000×3000 screen costs an app process hundreds of MiB
NOTICE_BEFORE_SECONDS = 60.0

BUSY_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>E-Mail-Hilfe – bitte später erneut</title>
<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style></head>
<body><h1>Gerade sind alle Plätze belegt</h1>
<p>Unser E-Mail-Hilfe-Chat wird im Moment von sehr vielen Kundinnen und Kunden genutzt.
Bitte versuchen Sie es in ein paar Minuten erneut.</p>
<p>Eilige Fragen beantwortet unser Support gern kostenlos unter <strong>HOTLINE</strong>.</p>
</body></html>
""".replace("HOTLINE", wording.HOTLINE)
PER_ADDRESS_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>E-Mail-Hilfe – zu viele Fenster</title>
<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style></head>
<body><h1>Sie haben schon mehrere Chat-Fenster geöffnet</h1>
<p>Bitte schließen Sie ein anderes Fenster mit dem E-Mail-Hilfe-Chat und laden Sie diese Seite dann neu.</p>
</body></html>
"""


def idle_notice(seconds: float) -> str:
    return f"Hinweis: Diese Sitzung wird in {round(seconds)} Sekunden wegen Inaktivität beendet. Tippen Sie etwas, um weiterzumachen."


IDLE_CLOSED = "Die Sitzung wurde wegen Inaktivität beendet. Laden Sie die Seite neu, um weiterzufragen."


def terminal_banner(text: str) -> bytes:
    """A line in the top row of the browser's terminal, drawn over the idle app (which redraws it later)."""
    return f"\x1b7\x1b[1;1H\x1b[2K\x1b[1;97;41m {text} \x1b[0m\x1b8".encode()


class ChatSession(AppService):
    """One app process, started without a shell in its own process group, so it can always be ended."""

    def __init__(self, argv: list[str], environment: dict[str, str], address: str, **kwargs):
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.extra_environment = environment
        self.address = address
        self.size = (80, 24)
        self.last_activity = asyncio.get_running_loop().time()

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = self._build_environment(width=width, height=height)
        environment.update(self.extra_environment)
        self.size = (width, height)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
        )
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def end(self) -> None:
        """Ask the app to quit, then SIGTERM, then SIGKILL its process group; returns once it is reaped."""
        process = self._process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(self.send_meta({"type": "quit"}), END_GRACE_SECONDS)
            except (TimeoutError, AssertionError):
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    await asyncio.wait_for(process.wait(), END_GRACE_SECONDS)
                    break
                except TimeoutError:
                    try:
                        os.killpg(process.pid, sig)
                    except ProcessLookupError:
                        break
            await process.wait()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None


def clamp_size(width: object, height: object) -> tuple[int, int]:
    def number(value: object, default: int, top: int) -> int:
        if not isinstance(value, (int, float, str)):
            return default
        try:
            return max(1, min(int(value), top))
        except (TypeError, ValueError):
            return default

    return number(width, 80, MAX_COLUMNS), number(height, 24, MAX_ROWS)


class ChatServer(Server):
    def __init__(
        self,
        argv: list[str],
        *,
        host: str,
        port: int,
        public_url: str | None,
        max_sessions: int,
        environment: dict[str, str] | None = None,
        idle_timeout: float = DEFAULT_IDLE_MINUTES * 60,
        max_per_address: int = DEFAULT_PER_ADDRESS,
        trusted_proxies: tuple[str, ...] = (),
    ):
        super().__init__(shlex.join(argv), host=host, port=port, title=TITLE, public_url=public_url)
        self.argv = argv
        self.environment = environment or {}
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.max_per_address = max_per_address
        self.trusted_proxies = frozenset(trusted_proxies)
        self.sessions: set[ChatSession] = set()  # a session leaves only when its process is reaped

    @property
    def active_sessions(self) -> int:
        return len(self.sessions)

    def client_address(self, request: web.Request) -> str:
        """The visitor's address; behind a trusted proxy, the one the proxy appended to X-Forwarded-For."""
        peer = request.remote or ""
        if peer in self.trusted_proxies:
            forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                pass
        return peer

    def refusal(self, address: str) -> tuple[int, str] | None:
        if len(self.sessions) >= self.max_sessions:
            return 503, BUSY_PAGE
        if sum(1 for session in self.sessions if session.address == address) >= self.max_per_address:
            return 429, PER_ADDRESS_PAGE
        return None

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._capacity)
        app.on_shutdown.append(self._end_all)
        return app

    @web.middleware
    async def _capacity(self, request: web.Request, handler):
        if request.path == "/":
            refused = self.refusal(self.client_address(request))
            if refused:
                return web.Response(text=refused[1], content_type="text/html", status=refused[0])
        return await handler(request)

    async def _end_all(self, app: web.Application) -> None:
        await asyncio.gather(*(session.end() for session in list(self.sessions)), return_exceptions=True)

    async def _end(self, session: ChatSession) -> None:
        try:
            await session.end()
        finally:
            self.sessions.discard(session)

    # textual-serve types this as always returning a websocket; a refused visitor gets a plain HTTP page.
    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        address = self.client_address(request)
        refused = self.refusal(address)  # checked and reserved below without an await between
        if refused:
            return web.Response(status=refused[0], text="Alle Plätze belegt" if refused[0] == 503 else "Zu viele Fenster")
        websocket = web.WebSocketResponse(heartbeat=15)
        session = ChatSession(
            self.argv,
            self.environment,
            address,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.sessions.add(session)
        ending: asyncio.Future | None = None
        try:
            await websocket.prepare(request)
            await session.start(*clamp_size(request.query.get("width"), request.query.get("height")))
            # an app that ended on its own (crash, quit) closes the page's connection, so the browser shows it
            if session._task is not None:
                session._task.add_done_callback(lambda _: asyncio.ensure_future(websocket.close()))
            watchdog = asyncio.create_task(self._watch_idle(websocket, session))
            try:
                await self._process_messages(websocket, session)
            finally:
                watchdog.cancel()
        except (ConnectionError, TimeoutError):
            pass
        except Exception:
            log.exception("chat session failed")
        finally:
            # The process is ended even if this handler is cancelled (the client went away mid-await).
            ending = asyncio.ensure_future(self._end(session))
            try:
                await asyncio.shield(ending)
            finally:
                if not websocket.closed and websocket.prepared:
                    await websocket.close()
        return websocket

    # Our sessions are ChatSessions (their own process handling), not textual-serve's AppService.
    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: ChatSession) -> None:  # type: ignore[override]
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue  # a hostile or broken client: ignore what is not an envelope
            if kind == "ping":
                await websocket.send_json(["pong", data])
                continue  # the browser pings on its own: not activity
            app_service.last_activity = asyncio.get_running_loop().time()
            sent: Awaitable[object]
            if kind == "stdin" and isinstance(data, str):
                sent = app_service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                app_service.size = clamp_size(data.get("width"), data.get("height"))
                sent = app_service.set_terminal_size(*app_service.size)
            elif kind == "blur":
                sent = app_service.blur()
            elif kind == "focus":
                sent = app_service.focus()
            else:
                continue
            await asyncio.wait_for(sent, SEND_TIMEOUT_SECONDS)  # a hung app ends the session

    async def _watch_idle(self, websocket: web.WebSocketResponse, session: ChatSession) -> None:
        loop = asyncio.get_running_loop()
        notice = min(NOTICE_BEFORE_SECONDS, self.idle_timeout / 2)
        warned = False
        while not websocket.closed:
            idle = loop.time() - session.last_activity
            if idle >= self.idle_timeout:
                await websocket.send_bytes(terminal_banner(IDLE_CLOSED))
                await websocket.close()
                return
            if idle >= self.idle_timeout - notice:
                if not warned:
                    await websocket.send_bytes(terminal_banner(idle_notice(self.idle_timeout - idle)))
                    warned = True
                await asyncio.sleep(self.idle_timeout - idle)
            else:
                if warned:  # the visitor came back: make the app draw over the notice
                    # Textual ignores a resize to its current size, so step one row smaller and back.
                    width, height = session.size
                    await session.set_terminal_size(width, max(1, height - 1))
                    await asyncio.sleep(0.1)
                    await session.set_terminal_size(width, height)
                    warned = False
                await asyncio.sleep(self.idle_timeout - notice - idle)


def app_argv(articles: str | None, no_log: bool) -> list[str]:
    """The chat in served mode, run isolated (-I): the working folder is not on sys.path, PYTHON* is ignored."""
    argv = [sys.executable, "-I", "-m", "faqbot.bot.cli", "chat", "--served"]
    if articles:
        argv += ["--articles", str(Path(articles).resolve())]
    if no_log:
        argv.append("--no-log")
    return argv


def app_environment(db: str | None) -> dict[str, str]:
    """The log's place goes to each session by environment: a database URL may hold a password."""
    if not db:
        return {}
    return {DB_ENV_VAR: db if is_database_url(db) else str(Path(db).resolve())}


def app_command(articles: str | None, db: str | None, no_log: bool) -> str:
    """The command line of one session, for people to read (the log's place is in its environment)."""
    return shlex.join(app_argv(articles, no_log))


def port_problem(host: str, port: int) -> str | None:
    """A German message if the address cannot be served, else None."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return f"Port {port} ist schon belegt. Wählen Sie einen anderen mit --port, z. B. --port {port + 1}."
        if isinstance(error, socket.gaierror):
            return f"Die Adresse „{host}“ ist unbekannt."
        return f"Auf {host}:{port} kann nicht gelauscht werden: {error.strerror or error}."


def serve(
    *,
    host: str,
    port: int,
    public_url: str | None,
    articles: str | None,
    db: str | None,
    no_log: bool,
    max_sessions: int,
    idle_minutes: float = DEFAULT_IDLE_MINUTES,
    max_per_address: int = DEFAULT_PER_ADDRESS,
    trusted_proxies: tuple[str, ...] = (),
) -> int:
    problem = port_problem(host, port)
    if problem:
        print(f"Fehler: {problem}", file=sys.stderr)
        return 1
    server = ChatServer(
        app_argv(articles, no_log),
        host=host,
        port=port,
        public_url=public_url,
        max_sessions=max_sessions,
        environment=app_environment(db),
        idle_timeout=idle_minutes * 60,
        max_per_address=max_per_address,
        trusted_proxies=trusted_proxies,
    )
    print(
        f"Der Chat läuft unter {server.public_url} (höchstens {max_sessions} gleichzeitige Sitzungen,"
        f" {max_per_address} je Adresse). Beenden mit Strg+C.",
        flush=True,
    )
    server.serve()
    return 0
