"""Served chat under load: N browser sessions at once (websocket clients), memory per
session and the time to the first screen.

    pip install -e '.[test]'
    python benchmarks/bench_serve.py 1 10 20 40
    python benchmarks/bench_serve.py --nginx 1 10 20 40   # two instances behind Debian's nginx

Each session is a real app process started by textual-serve; memory is the
resident set size of those processes, read from /proc. With --nginx, every
session claims its own visitor address (X-Forwarded-For, trusted by nginx as
from a load balancer), so nginx's stickiness by address spreads them over both.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def session(url: str, results: list[float], answered: list[float], hold: asyncio.Event, address: str) -> None:
    """One browser tab: connect, wait for the first screen, ask, wait for the answer's feedback question."""
    started = time.monotonic()
    headers = {"X-Forwarded-For": address}
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{url}/ws?width=100&height=30", headers=headers) as ws:
        asked = None
        output = b""
        async for message in ws:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            if asked is None:
                results.append(time.monotonic() - started)
                await asyncio.sleep(2.0)  # let the app finish drawing before typing (keys sent earlier may be lost)
                asked = time.monotonic()
                await ws.send_json(["stdin", "Mein Postfach ist voll\r"])
                continue
            output += message.data
            if b"hilfreich" in output:  # "War das hilfreich?" under the answer
                answered.append(time.monotonic() - asked)
                await hold.wait()
                await ws.close()
                return


async def run(count: int, url: str, server_pids: list[int]) -> dict:
    first_screens: list[float] = []
    answers: list[float] = []
    hold = asyncio.Event()
    tasks = [asyncio.create_task(session(url, first_screens, answers, hold, f"10.{n // 250}.{n % 250}.1")) for n in range(count)]
    deadline = time.monotonic() + 120
    while len(answers) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    apps = [pid for server_pid in server_pids for pid in descendants(server_pid)]
    memory = sum(rss_mib(pid) for pid in apps)
    hold.set()
    for task in tasks:  # a session that got no answer within the deadline would wait forever
        if not task.done():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "sessions": count,
        "started": len(first_screens),
        "first_screen_p50": statistics.median(first_screens) if first_screens else float("nan"),
        "first_screen_max": max(first_screens) if first_screens else float("nan"),
        "answer_p50": statistics.median(answers) if answers else float("nan"),
        "answered": len(answers),
        "memory_per_session": memory / count,
        "server_rss": sum(rss_mib(pid) for pid in server_pids),
        "processes": len(apps),
    }


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def main(counts: list[int], behind_nginx: bool) -> None:
    faqbot = str(Path(sys.executable).with_name("faqbot"))
    print(f"instances: {'2 behind nginx' if behind_nginx else '1'}; cores: {os.cpu_count()}")
    print(
        "| sessions at once | sessions started | answered | first screen p50 | first screen max | answer p50 | memory per session (RSS) | server RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for count in counts:
        ports = [free_port() for _ in range(2 if behind_nginx else 1)]
        env = {**os.environ, "FAQBOT_DB": os.devnull}
        limits = ["--max-sessions", str(count + 5), "--max-sessions-per-address", str(count + 5)]
        servers = [
            subprocess.Popen(
                [faqbot, "serve", "--port", str(port), "--no-log", *limits, "--trusted-proxy", "127.0.0.1"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            for port in ports
        ]
        nginx = None
        try:
            for port in ports:
                wait_for(port)
            url_port = ports[0]
            if behind_nginx:
                sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
                from nginx_proxy import Nginx

                url_port = free_port()
                nginx = Nginx(url_port, ports, extra="    set_real_ip_from 127.0.0.1;\n    real_ip_header X-Forwarded-For;")
                nginx.start()
                wait_for(url_port)
            result = asyncio.run(run(count, f"http://127.0.0.1:{url_port}", [server.pid for server in servers]))
        finally:
            if nginx is not None:
                nginx.stop()
            for server in servers:
                server.terminate()
                server.wait(timeout=60)
        print(
            f"| {result['sessions']} | {result['started']} | {result['answered']} | {result['first_screen_p50']:.2f} s | {result['first_screen_max']:.2f} s |"
            f" {result['answer_p50']:.2f} s | {result['memory_per_session']:.0f} MiB ({result['processes']} processes) | {result['server_rss']:.0f} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    nginx_mode = "--nginx" in arguments
    main([int(arg) for arg in arguments if arg != "--nginx"] or [1, 10, 20, 40], nginx_mode)
