"""Chat latency: Enter → answer on screen, turn by turn over a long conversation (Pilot, headless).

    python benchmarks/bench_chat.py            # 50 turns; prints a Markdown table for the README
    python benchmarks/bench_chat.py 100        # more turns

Each turn types a different labelled question (tests/data/questions.tsv, in file order), presses Enter and
waits until the answer has replaced the placeholder and the screen has been refreshed; the time is taken
from the key press to then, so it holds retrieval (in its worker), mounting and layout. The conversation
log is off (its disk write is measured in bench_log_write.py). Measured, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from faqbot.bot.tui import create_app
from faqbot.kb.evaluation import read_cases

ROOT = Path(__file__).resolve().parent.parent


async def conversation(turns: int) -> tuple[list[float], list[int]]:
    """Seconds per turn, and how many widgets the screen holds after each."""
    questions = [case.question for case in read_cases(ROOT / "tests" / "data" / "questions.tsv")]
    app = create_app("chat", log=False, cursor_blink=False)
    timings, widgets = [], []
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for turn in range(turns):
            field = app.screen.query_one("#question")
            field.value = questions[turn % len(questions)]
            said = len(app.screen.transcript)
            started = time.perf_counter()
            await pilot.press("enter")
            while len(app.screen.transcript) < said + 2:  # the question, then the answer in place of the "…"
                await pilot.pause()
            await pilot.pause()  # one more refresh: the answer is laid out and painted
            timings.append(time.perf_counter() - started)
            widgets.append(len(app.screen.query("*")))
    return timings, widgets


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as cache:
        os.environ["FAQBOT_CACHE_DIR"] = cache
        timings, widgets = asyncio.run(conversation(turns))
    ms = [t * 1000 for t in timings]
    print("| turns | p50 Enter → answer | p95 | slowest | widgets on screen after the last |")
    print("| --- | --- | --- | --- | --- |")
    for first, last in ((1, 10), (11, 20), (21, 30), (31, 40), (41, 50), (1, turns)):
        if last > turns:
            continue
        part = ms[first - 1 : last]
        quantiles = statistics.quantiles(part, n=20, method="inclusive") if len(part) > 1 else part * 19
        print(
            f"| {first}–{last} | {statistics.median(part):.0f} ms | {quantiles[18]:.0f} ms | {max(part):.0f} ms "
            f"| {widgets[last - 1]} |"
        )


if __name__ == "__main__":
    main()
