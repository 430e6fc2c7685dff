"""Start-up: from process start to the first screen of the chat and of the agent console, and `faqbot ask`.

    python benchmarks/bench_startup.py                          # prints a Markdown table for the README
    python benchmarks/bench_startup.py --before OTHER/bin/python  # and beside another checkout's interpreter

Each figure is the median of fresh processes, the two interpreters taking turns (a shared machine's load
then weighs on both alike) (the index cache warm, as after the first start); the chat's
is what every served browser session pays too, since textual-serve starts one app process per session
(benchmarks/bench_serve.py measures that through the websocket). Measured, never asserted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 10

FIRST_SCREEN = """
import asyncio, sys, time
started = float(sys.argv[1])
from faqbot.bot.tui import create_app
app = create_app(sys.argv[2], log=False, cursor_blink=False)
first_frame = []
display = app._display
def _display(screen, renderable):
    # The first frame the driver is given: what the customer sees first. Waiting until the app is idle
    # would also count what the chat does once that frame is out (it warms the index up for the first answer).
    display(screen, renderable)
    if renderable is not None and not first_frame:
        first_frame.append((time.time(), type(screen).__name__))
app._display = _display
async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
    drawn, screen = first_frame[0]
    print(drawn - started, screen)
asyncio.run(main())
"""


def first_screen(python: str, mode: str, environment: dict[str, str]) -> float:
    """Seconds from starting the interpreter to the first screen drawn."""
    started = time.time()
    done = subprocess.run(
        [python, "-c", FIRST_SCREEN, repr(started), mode], capture_output=True, text=True, check=True, env=environment
    )
    seconds, screen = done.stdout.split()
    assert screen == {"chat": "ChatScreen", "agent": "AgentScreen"}[mode], screen
    return float(seconds)


def process_time(args: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True, env=environment)
    return time.perf_counter() - started


def measurements(python: str, environment: dict[str, str]) -> dict[str, float]:
    ask = [str(Path(python).with_name("faqbot")), "ask", "--json", "Mein Postfach ist voll"]
    return {
        "`python -c pass` (interpreter start, baseline)": process_time([python, "-c", "pass"], environment),
        '`faqbot ask --json "Mein Postfach ist voll"`': process_time(ask, environment),
        "`faqbot chat`: process start → first screen (headless)": first_screen(python, "chat", environment),
        "`faqbot agent`: process start → first screen (headless)": first_screen(python, "agent", environment),
    }


def main() -> None:
    pythons = {"now": sys.executable}
    if sys.argv[1:2] == ["--before"]:
        pythons = {"before": sys.argv[2], **pythons}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in pythons}
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "FAQBOT_CACHE_DIR": cache}
        for python in pythons.values():
            measurements(python, environment)  # fills the index cache
        for _ in range(RUNS):
            for name, python in pythons.items():
                runs[name].append(measurements(python, environment))
    print(f"| start-up (median of {RUNS} fresh processes) | " + " | ".join(pythons) + " |")
    print("| --- |" + " --- |" * len(pythons))
    for row in runs["now"][0]:
        cells = [f"{statistics.median(run[row] for run in runs[name]) * 1000:.0f} ms" for name in pythons]
        print(f"| {row} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
