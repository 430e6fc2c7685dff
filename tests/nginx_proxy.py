"""Debian's nginx in front of several `faqbot serve` instances, for the tests: the same
configuration as the README's recipe (websocket upgrade headers, sticky by client address),
in a temporary folder, on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

SITE = """
map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
upstream faqbot {{
    hash $remote_addr consistent;   # sticky: one visitor's page and websocket reach the same instance
{servers}
}}
server {{
    listen {listen};
{extra}
    location / {{
        proxy_pass http://faqbot;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 1h;      # a chat may be quiet for long; faqbot's --idle-timeout ends it
    }}
}}
"""


def site(listen: str, backends: list[int], extra: str = "") -> str:
    servers = "\n".join(f"    server 127.0.0.1:{port};" for port in backends)
    return SITE.format(listen=listen, servers=servers, extra=extra)


class Nginx:
    def __init__(self, port: int, backends: list[int], extra: str = ""):
        self.folder = Path(tempfile.mkdtemp(prefix="faqbot-nginx-"))
        self.folder.chmod(0o777)  # as root, nginx's workers run as nobody and keep temporary files here
        temp = "\n".join(
            f"  {kind}_temp_path {self.folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {self.folder}/nginx.pid;\nerror_log {self.folder}/error.log;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n  access_log off;\n{temp}\n{site(f'127.0.0.1:{port}', backends, extra)}\n}}\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "")},
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
