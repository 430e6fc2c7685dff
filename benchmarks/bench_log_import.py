"""Start-up cost of the conversation log's database libraries, beside a bare interpreter.

    pip install -e '.[test]' sqlalchemy
    python benchmarks/bench_log_import.py 15

Each row is the median wall time of a fresh `python -I -c "import …"` (what every served
chat session pays once), minus nothing: the first row is the interpreter alone.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CANDIDATES = {
    "interpreter alone": "pass",
    "sqlite3 (stdlib, the default)": "import sqlite3",
    "psycopg 3": "import sqlite3, psycopg",
    "SQLAlchemy Core + sqlite dialect": "import sqlalchemy, sqlalchemy.dialects.sqlite",
    "SQLAlchemy Core + psycopg dialect": "import sqlalchemy, sqlalchemy.dialects.postgresql.psycopg, psycopg",
    "SQLAlchemy + Alembic": "import sqlalchemy, alembic.command, alembic.config",
}


def median_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True)
        if done.returncode:
            return float("nan")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"| import | median start-up, ms ({runs} runs) |\n| --- | --- |")
    for name, code in CANDIDATES.items():
        print(f"| {name} | {median_ms(code, runs):.0f} |")


if __name__ == "__main__":
    main()
