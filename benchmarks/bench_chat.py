"""Chat latency: Enter → answer on screen, turn by turn over a long conversation (Pilot, headless).

    python benchmarks/bench_chat.py            # 50 turns; prints a Markdown table for the README
    python benchmarks/bench_chat.py 100        # more turns
    python benchmarks/bench_chat.py 50 --each  # and each turn's wall / CPU milliseconds / frames (to find outliers)

Each turn types a different labelled question (tests/data/questions.tsv, in file order), presses Enter and
waits until the answer has replaced the placeholder and the app has gone idle; the time is taken from the
key press to the last frame the screen painted before that (the answer laid out, drawn and scrolled to),
so it holds retrieval (in its worker), mounting, layout and painting, but not the Pilot's own polling for
idleness (each of its pauses sleeps 20 ms at least). Beside the wall time, the process's CPU time for the
same span: on a shared machine the other users' load stretches the wall time, not that. The conversation log is off (its disk write is measured in bench_log_write.py).
Measured, never asserted.
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
from faqbot.bot.tui.collector import settle_for_interaction
from faqbot.kb.evaluation import read_cases

ROOT = Path(__file__).resolve().parent.parent


async def conversation(turns: int) -> tuple[list[float], list[float], list[int], list[int]]:
    """Seconds per turn (wall, CPU), how many widgets the screen holds after each, and frames painted for each."""
    questions = [case.question for case in read_cases(ROOT / "tests" / "data" / "questions.tsv")]
    app = create_app("chat", log=False, cursor_blink=False)
    settle_for_interaction()  # as `faqbot chat` does before it runs the app
    timings, cpu, widgets, painted_frames = [], [], [], []
    frames: list[tuple[float, float]] = []  # (wall, CPU) when the screen handed a frame to the driver
    display = app._display

    def painted(screen: object, renderable: object) -> None:
        if renderable is not None:
            frames.append((time.perf_counter(), time.process_time()))
        display(screen, renderable)  # type: ignore[arg-type]

    app._display = painted  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        for turn in range(turns):
            field = app.screen.query_one("#question")
            field.value = questions[turn % len(questions)]
            await pilot.pause()  # the question typed and drawn before Enter, as when a person types it
            said = len(app.screen.transcript)
            frames.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            await pilot.press("enter")
            while len(app.screen.transcript) < said + 2:  # the question, then the answer in place of the "…"
                await pilot.pause()
            await pilot.pause()  # until idle: the answer is laid out and painted
            wall_painted, cpu_painted = frames[-1]
            timings.append(wall_painted - started)
            cpu.append(cpu_painted - cpu_started)
            widgets.append(len(app.screen.query("*")))
            painted_frames.append(len(frames))
    return timings, cpu, widgets, painted_frames


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--each"]
    turns = int(arguments[0]) if arguments else 50
    with tempfile.TemporaryDirectory() as cache:
        os.environ["FAQBOT_CACHE_DIR"] = cache
        timings, cpu, widgets, painted_frames = asyncio.run(conversation(turns))
    if "--each" in sys.argv:
        each = zip(timings, cpu, painted_frames, strict=True)
        print(
            " ".join(f"{turn}:{wall * 1000:.0f}/{used * 1000:.0f}/{frames}" for turn, (wall, used, frames) in enumerate(each, 1))
        )
    print("| turns | p50 Enter → answer | p95 | slowest | CPU p50 | CPU p95 | frames per answer | widgets after the last |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for first, last in ((1, 10), (11, 20), (21, 30), (31, 40), (41, 50), (1, turns)):
        if last > turns:
            continue
        wall, used = (_ms(figures[first - 1 : last]) for figures in (timings, cpu))
        print(
            f"| {first}–{last} | {wall[0]:.0f} ms | {wall[1]:.0f} ms | {wall[2]:.0f} ms "
            f"| {used[0]:.0f} ms | {used[1]:.0f} ms | {statistics.median(painted_frames[first - 1 : last]):g} "
            f"| {widgets[last - 1]} |"
        )


def _ms(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95 and the largest, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p95, max(ms)


if __name__ == "__main__":
    main()
