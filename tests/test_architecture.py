"""The dependency rules of DESIGN.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import kb

KB = Path(kb.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_kb_knows_nothing_of_the_bot_or_textual():
    for path in KB.glob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(("bot", "textual", "rich")), f"{path.name} imports {name}"


def test_dialog_and_ask_do_not_load_textual():
    code = (
        "import sys, bot.dialog, bot.cli, kb.cache, kb.retriever, kb.loader\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
