"""A throwaway PostgreSQL cluster for the tests: Debian's initdb/pg_ctl, a temporary data folder,
TCP on 127.0.0.1 only, password authentication (scram-sha-256).

PostgreSQL refuses to run as root; CI runs as root, so there the cluster belongs to `nobody`
(runuser), and its folder lives outside pytest's root-only temporary folder.
Test modules import the fixtures under other names (`postgres_cluster_fixture`), so the
argument names do not shadow the imports.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER, PASSWORD = "faqbot", "Test-Passwort-1"


def find_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))  # Debian keeps them off PATH
    return found[-1] if found else shutil.which(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self):
        self.initdb, self.pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.owner = "nobody" if os.geteuid() == 0 else None
        self.databases = 0

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        return subprocess.run([*prefix, *argv], capture_output=True, text=True, check=check, cwd=self.folder)

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        (self.folder / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            self.folder.chmod(0o755)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            os.chown(self.folder / "pw", entry.pw_uid, entry.pw_gid)
        self._run(
            self.initdb, "-D", str(self.data), "-U", USER, f"--pwfile={self.folder / 'pw'}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' -c fsync=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def new_database(self) -> str:
        """A fresh database for one test, so tests do not see each other's turns."""
        import psycopg

        self.databases += 1
        name = f"log{self.databases}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def available() -> bool:
    return bool(find_binary("initdb") and find_binary("pg_ctl"))


@pytest.fixture(scope="session", name="postgres_cluster")
def postgres_cluster_fixture():
    if not available():
        pytest.skip("Debian's postgresql is not installed (.ci/run installs it)")
    cluster = Cluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(name="postgres_url")
def postgres_url_fixture(postgres_cluster) -> str:
    return postgres_cluster.new_database()
