"""Cost of one conversation-log write on PostgreSQL: a connection kept open (what a typing chat
session does) against a new connection per write (scram-sha-256 authentication each time).

    pip install -e '.[test]'
    python benchmarks/bench_log_write.py 300

Starts a throwaway cluster with Debian's initdb/pg_ctl (tests/pg_cluster.py) on 127.0.0.1.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pg_cluster import Cluster  # noqa: E402

from faqbot.bot.log import database  # noqa: E402
from faqbot.bot.log.store import ConversationLog  # noqa: E402


def main(writes: int) -> None:
    cluster = Cluster()
    cluster.init()
    try:
        print(f"| connection | median per write | p95 per write ({writes} writes) |\n| --- | --- | --- |")
        for keep_open in (True, False):
            database.PostgresDialect.keep_open = keep_open
            log = ConversationLog(cluster.new_database())
            times = []
            for number in range(writes):
                started = time.perf_counter()
                log.record(f"Frage {number}", "none")
                times.append((time.perf_counter() - started) * 1000)
            p95 = sorted(times)[int(len(times) * 0.95)]
            name = "kept open" if keep_open else "new per write"
            print(f"| {name} | {statistics.median(times):.2f} ms | {p95:.2f} ms |")
    finally:
        cluster.remove()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
