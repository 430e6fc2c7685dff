"""Served chat under load: N browser sessions at once (websocket clients), memory per
session and the time to the first screen.

    pip install -e '.[test]'
    python benchmarks/bench_serve.py 1 5 10 20

Each session is a real app process started by textual-serve; memory is the
resident set size of those processes, read from /proc.
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


async def session(url: str, results: list[float], answered: list[float], hold: asyncio.Event) -> None:
    """One browser tab: connect, wait for the first screen, ask, wait for the answer's feedback question."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as client, client.ws_connect(f"{url}/ws?width=100&height=30") as ws:
        asked = None
        output = b""
        async for message in ws:
            if message.type != aiohttp.WSMsgType.BINARY:
                continue
            if asked is None:
                results.append(time.monotonic() - started)
                await asyncio.sleep(1.0)  # let the app finish drawing before typing
                asked = time.monotonic()
                await ws.send_json(["stdin", "Mein Postfach ist voll\r"])
                continue
            output += message.data
            if b"hilfreich" in output:  # "War das hilfreich?" under the answer
                answered.append(time.monotonic() - asked)
                await hold.wait()
                await ws.close()
                return


async def run(count: int, url: str, server_pid: int) -> dict:
    first_screens: list[float] = []
    answers: list[float] = []
    hold = asyncio.Event()
    tasks = [asyncio.create_task(session(url, first_screens, answers, hold)) for _ in range(count)]
    deadline = time.monotonic() + 120
    while len(answers) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    apps = [pid for pid in descendants(server_pid)]
    memory = sum(rss_mib(pid) for pid in apps)
    hold.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "sessions": count,
        "started": len(first_screens),
        "first_screen_p50": statistics.median(first_screens) if first_screens else float("nan"),
        "first_screen_max": max(first_screens) if first_screens else float("nan"),
        "answer_p50": statistics.median(answers) if answers else float("nan"),
        "memory_per_session": memory / count,
        "server_rss": rss_mib(server_pid),
        "processes": len(apps),
    }


def main(counts: list[int]) -> None:
    faqbot = str(Path(sys.executable).with_name("faqbot"))
    print(
        "| sessions at once | sessions started | first screen p50 | first screen max | answer p50 | memory per session (RSS) | server RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for count in counts:
        port = free_port()
        env = {**os.environ, "FAQBOT_DB": os.devnull}
        server = subprocess.Popen(
            [faqbot, "serve", "--port", str(port), "--no-log", "--max-sessions", str(count + 5)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            result = asyncio.run(run(count, f"http://127.0.0.1:{port}", server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(
            f"| {result['sessions']} | {result['started']} | {result['first_screen_p50']:.2f} s | {result['first_screen_max']:.2f} s |"
            f" {result['answer_p50']:.2f} s | {result['memory_per_session']:.0f} MiB ({result['processes']} processes) | {result['server_rss']:.0f} MiB |"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 5, 10, 20])
