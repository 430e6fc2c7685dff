"""Real mail servers on 127.0.0.1 for the connection tests: IMAP, POP3 and SMTP,
with implicit TLS or STARTTLS, certificates from trustme, and misbehaving ones."""

from __future__ import annotations

import socket
import ssl
import threading

GREETINGS = {
    "smtp": "220 localhost ESMTP Testserver",
    "imap": "* OK IMAP4rev1 Testserver bereit",
    "pop3": "+OK POP3 Testserver bereit",
}

FAILED_TLS = {
    "smtp": "421 4.7.0 TLS initialization failed",
    "imap": "* BYE [UNAVAILABLE] TLS initialization failed.",
    "pop3": "-ERR [SYS/TEMP] TLS initialization failed.",
}


class MailServer:
    """One listening socket; each connection is served in a thread.

    behaviour: "tls" (implicit TLS), "starttls", "no-starttls" (offers no STARTTLS),
    "starttls-fails" (accepts STARTTLS, then says in plain text that TLS failed, as Dovecot does),
    "plain" (plaintext greeting only), "silent" (accepts, never speaks) or "reset" (accepts, closes at once).
    """

    def __init__(self, protocol: str, behaviour: str, context: ssl.SSLContext | None = None):
        self.protocol, self.behaviour, self.context = protocol, behaviour, context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.settimeout(0.2)  # here, not in the thread: stop() may close the listener before the thread runs
        self.stopped = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(15)
        try:
            if self.behaviour == "reset":
                return
            if self.behaviour == "silent":
                self.stopped.wait(15)
                return
            if self.behaviour == "tls":
                conn = self.context.wrap_socket(conn, server_side=True)
                self._send(conn, GREETINGS[self.protocol])
                self._drain(conn)
                return
            self._send(conn, GREETINGS[self.protocol])
            if self.behaviour == "plain":
                self._drain(conn)
                return
            reader = conn.makefile("rb")
            while line := reader.readline():
                command = line.decode().strip()
                if self._answer(conn, command):
                    if self.behaviour == "starttls-fails":
                        self._send(conn, FAILED_TLS[self.protocol])
                        return
                    tls = self.context.wrap_socket(conn, server_side=True)
                    self._drain(tls)
                    return
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, command: str) -> bool:
        """Answer one plaintext command; True when TLS starts now."""
        offers = self.behaviour in ("starttls", "starttls-fails")
        upper = command.upper()
        if self.protocol == "smtp":
            if upper.startswith("EHLO"):
                self._send(conn, "250-localhost\r\n250-SIZE 1000000" + ("\r\n250 STARTTLS" if offers else "\r\n250 8BITMIME"))
            elif upper == "STARTTLS" and offers:
                self._send(conn, "220 Bereit für TLS")
                return True
            else:
                self._send(conn, "502 nicht unterstützt")
        elif self.protocol == "imap":
            tag, _, verb = command.partition(" ")
            if verb.upper() == "CAPABILITY":
                self._send(conn, "* CAPABILITY IMAP4rev1" + (" STARTTLS" if offers else "") + f"\r\n{tag} OK fertig")
            elif verb.upper() == "STARTTLS" and offers:
                self._send(conn, f"{tag} OK Beginne TLS")
                return True
            else:
                self._send(conn, f"{tag} BAD unbekannt")
        else:
            if upper == "CAPA":
                self._send(conn, "+OK Liste folgt\r\nUSER" + ("\r\nSTLS" if offers else "") + "\r\n.")
            elif upper == "STLS" and offers:
                self._send(conn, "+OK Beginne TLS")
                return True
            else:
                self._send(conn, "-ERR unbekannt")
        return False

    @staticmethod
    def _send(conn: socket.socket, text: str) -> None:
        conn.sendall(text.encode() + b"\r\n")

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        while conn.recv(4096):
            pass


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
