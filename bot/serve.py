"""`faqbot serve`: the customer chat in the browser through textual-serve (one app process per tab).

Only the chat is served, never the agent console. A cap on concurrent sessions
keeps a small machine responsive; beyond it, visitors get a friendly page.
"""

from __future__ import annotations

import errno
import shlex
import socket
import sys
from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

TITLE = "Plusnet WebServer – E-Mail-Hilfe"
BUSY_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>E-Mail-Hilfe – bitte später erneut</title>
<style>body{font-family:sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style></head>
<body><h1>Gerade sind alle Plätze belegt</h1>
<p>Unser E-Mail-Hilfe-Chat wird im Moment von sehr vielen Kundinnen und Kunden genutzt.
Bitte versuchen Sie es in ein paar Minuten erneut.</p>
<p>Eilige Fragen beantwortet unser Support gern kostenlos unter <strong>0800 1003329</strong>.</p>
</body></html>
"""


class ChatServer(Server):
    def __init__(self, command: str, *, host: str, port: int, public_url: str | None, max_sessions: int):
        super().__init__(command, host=host, port=port, title=TITLE, public_url=public_url)
        self.max_sessions = max_sessions
        self.active_sessions = 0

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._capacity)
        return app

    @web.middleware
    async def _capacity(self, request: web.Request, handler):
        if request.path in ("/", "/ws") and self.active_sessions >= self.max_sessions:
            if request.path == "/":
                return web.Response(text=BUSY_PAGE, content_type="text/html", status=503)
            return web.Response(status=503, text="Alle Plätze belegt")
        return await handler(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        self.active_sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.active_sessions -= 1


def app_command(articles: str | None, db: str | None, no_log: bool) -> str:
    """The command textual-serve starts for each browser tab: the chat in served mode."""
    parts = [sys.executable, "-m", "faqbot.bot.cli", "chat", "--served"]
    if articles:
        parts += ["--articles", str(Path(articles).resolve())]
    if db:
        parts += ["--db", str(Path(db).resolve())]
    if no_log:
        parts.append("--no-log")
    return shlex.join(parts)


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
    *, host: str, port: int, public_url: str | None, articles: str | None, db: str | None, no_log: bool, max_sessions: int
) -> int:
    problem = port_problem(host, port)
    if problem:
        print(f"Fehler: {problem}", file=sys.stderr)
        return 1
    server = ChatServer(app_command(articles, db, no_log), host=host, port=port, public_url=public_url, max_sessions=max_sessions)
    print(f"Der Chat läuft unter {server.public_url} (höchstens {max_sessions} gleichzeitige Sitzungen). Beenden mit Strg+C.")
    server.serve()
    return 0
