"""Debian's Dovecot (IMAP, POP3) and Postfix (SMTP) on 127.0.0.1, each from its own
configuration in a temporary folder, for the connection tests against real servers.

Each server listens only on 127.0.0.1 and on free high ports that stand for the
standard ones: IMAP 143/993, POP3 110/995, SMTP 25/587/465. ``stop()`` ends the
process group it started; nothing is left behind.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
POSTFIX_MASTER = "/usr/lib/postfix/sbin/master"
POSTFIX_DAEMONS = "/usr/lib/postfix/sbin"


def dovecot_unavailable() -> str | None:
    """Why Dovecot cannot run here, or None. It runs as any user (as root with Debian's dovecot users)."""
    missing = [
        package
        for package, path in (("dovecot-imapd", "/usr/lib/dovecot/imap"), ("dovecot-pop3d", "/usr/lib/dovecot/pop3"))
        if not os.path.exists(path)
    ]
    if missing:
        return "Debian-Pakete fehlen: " + ", ".join(missing) + " (apt-get install dovecot-imapd dovecot-pop3d)"
    return None


def postfix_unavailable() -> str | None:
    """Why Postfix cannot run here, or None."""
    if not os.path.exists(POSTFIX_MASTER):
        return "Debian-Paket fehlt: postfix (apt-get install postfix)"
    if os.geteuid() != 0:
        return 'Postfix\' master startet nur als root ("the master command is reserved for the superuser").'
    return None


def _dovecot_users() -> tuple[str, str, str]:
    """(internal user, its group, login user): Debian's users as root, otherwise the test user itself."""
    if os.geteuid() == 0:
        return "dovecot", "dovecot", "dovenull"
    me, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
    return me, group, me


_HANDED_OUT: set[int] = set()  # ports given to a server of this process, which may not be listening yet


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that are free right now and not handed out before.

    The servers of all scenarios start at once and bind later; a port closed here is free again
    for the kernel, which was seen to hand the same one to the next scenario ("Address already in use").
    """
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            ports.append(port)
    return ports


def _wait_listening(ports: list[int], process: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    pending = list(ports)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"Server ended at start (status {process.returncode}):\n{_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", pending[0]), timeout=1):
                pending.pop(0)
        except OSError:
            if time.monotonic() > end:
                raise RuntimeError(f"Server does not listen on {pending}:\n{_tail(log)}") from None
            time.sleep(0.05)  # polling a starting server, not a UI


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


@dataclass
class Certificate:
    """PEM files for one server: the chain the server sends and its key."""

    chain: Path
    key: Path


@dataclass
class RealServer:
    process: subprocess.Popen
    log: Path
    ports: dict[str, int] = field(default_factory=dict)
    stop_command: list[str] | None = None

    def wait_ready(self) -> None:
        """Return once every port accepts connections; a server that fails to start is stopped."""
        try:
            _wait_listening(list(self.ports.values()), self.process, self.log)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.stop_command:
                # Postfix's master makes itself a session leader, so it is stopped the Postfix way.
                subprocess.run(self.stop_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            else:
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_dovecot(
    folder: Path,
    cert: Certificate,
    *,
    tls_min: str = "TLSv1.2",
    tls_max: str | None = None,
    tls: bool = True,
    broken_tls: bool = False,
    extra: str = "",
    wait: bool = True,
) -> RealServer:
    """Dovecot with IMAP ("imap" = 143, "imaps" = 993) and POP3 ("pop3" = 110, "pop3s" = 995).

    tls=False: no TLS at all (no STARTTLS, no imaps/pop3s ports). broken_tls: the key does
    not belong to the certificate, so Dovecot offers STARTTLS and fails when it starts TLS
    ("TLS initialization failed"). tls_max: Dovecot 2.3 has no such setting, so the login
    processes get an OpenSSL configuration with MaxProtocol. extra: more dovecot.conf lines.
    """
    folder.mkdir(parents=True)
    for sub in ("run", "state", "home"):
        (folder / sub).mkdir()
    user, group, login_user = _dovecot_users()
    shutil.chown(folder / "home", user, group)
    imap, imaps, pop3, pop3s = free_ports(4)
    key = cert.key
    if broken_tls:
        from trustme import CA

        key = folder / "other-key.pem"
        CA().issue_cert("localhost").private_key_pem.write_to_path(str(key))
    log = folder / "dovecot.log"
    config = folder / "dovecot.conf"
    import_environment = ""
    if tls_max:
        openssl_conf = folder / "openssl.cnf"
        openssl_conf.write_text(
            f"openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = tls\n[tls]\nMaxProtocol = {tls_max}\n"
        )
        import_environment = f"import_environment = $import_environment OPENSSL_CONF={openssl_conf}"
    secure = "\n    ssl = yes" if tls else ""
    config.write_text(
        f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {log}
info_log_path = {log}
protocols = imap pop3
listen = 127.0.0.1
ssl = {"yes" if tls else "no"}
ssl_cert = <{cert.chain}
ssl_key = <{key}
ssl_min_protocol = {tls_min}
{extra}
auth_mechanisms = plain
disable_plaintext_auth = {"yes" if tls else "no"}
{import_environment}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
mail_location = maildir:{folder}/home/Maildir
passdb {{
  driver = static
  args = nopassword
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={folder}/home
}}
# No chroot: a user other than root cannot chroot, and nothing here needs it.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps if tls else 0}{secure}
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s if tls else 0}{secure}
  }}
}}
"""
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),  # noqa: SIM115 - the child owns it
        start_new_session=True,
    )
    ports = {"imap": imap, "imaps": imaps, "pop3": pop3, "pop3s": pop3s} if tls else {"imap": imap, "pop3": pop3}
    server = RealServer(process, log, ports)
    if wait:
        server.wait_ready()
    return server


def start_postfix(
    folder: Path,
    cert: Certificate,
    *,
    protocols: str = ">=TLSv1.2",
    starttls: bool = True,
    broken_tls: bool = False,
    extra: str = "",
    wait: bool = True,
) -> RealServer:
    """Postfix's smtpd on "smtp" (= 25) and "submission" (= 587) with STARTTLS, "smtps" (= 465) with implicit TLS.

    protocols: Postfix's own syntax, e.g. "TLSv1.2" (only 1.2) or ">=TLSv1.3".
    starttls=False: no TLS at all (no STARTTLS, no smtps port). extra: more main.cf lines. broken_tls: STARTTLS is offered, and
    the server answers it with "454 TLS not available" (key and certificate do not match).
    """
    folder.mkdir(parents=True)
    # postfix-script (start-fg) creates the queue's folders with the owners Postfix checks.
    queue, data = folder / "queue", folder / "data"
    queue.mkdir()
    smtp, submission, smtps = free_ports(3)
    key = cert.key
    if broken_tls:
        from trustme import CA

        key = folder / "other-key.pem"
        CA().issue_cert("localhost").private_key_pem.write_to_path(str(key))
    log = folder / "postfix.log"
    (folder / "main.cf").write_text(
        f"""
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
daemon_directory = {POSTFIX_DAEMONS}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = localhost
mydomain = localhost
mydestination =
relay_domains =
local_recipient_maps =
maillog_file = /dev/stdout
smtpd_banner = $myhostname ESMTP
smtpd_tls_chain_files = {key}, {cert.chain}
smtpd_tls_security_level = {"may" if starttls else "none"}
smtpd_tls_protocols = {protocols}
smtpd_tls_mandatory_protocols = {protocols}
smtpd_tls_session_cache_database =
tls_random_source =
{extra}
"""
    )
    wrapper = f"-o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_chain_files={key},{cert.chain}"
    (folder / "master.cf").write_text(
        f"""
127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{submission} inet n - n - - smtpd
{f"127.0.0.1:{smtps} inet n - n - - smtpd {wrapper}" if starttls else ""}
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
rewrite unix - - n - - trivial-rewrite
"""
    )
    process = subprocess.Popen(
        [POSTFIX, "-c", str(folder), "start-fg"],
        stdout=open(log, "ab"),  # noqa: SIM115 - the child owns it
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    ports = {"smtp": smtp, "submission": submission, "smtps": smtps} if starttls else {"smtp": smtp, "submission": submission}
    server = RealServer(process, log, ports, [POSTFIX, "-c", str(folder), "abort"])
    if wait:
        server.wait_ready()
    return server
