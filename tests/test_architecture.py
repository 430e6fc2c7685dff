"""What import-linter (the contracts in pyproject.toml) cannot say: what is loaded at run time."""

from __future__ import annotations

import subprocess
import sys


def test_dialog_and_ask_do_not_load_textual():
    # `faqbot ask` must start quickly: none of the modules on its path may pull Textual in, not even indirectly.
    code = (
        "import sys, faqbot.bot.dialog, faqbot.bot.cli.main, faqbot.kb.cache, faqbot.kb.retriever, faqbot.kb.loader\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_shipped_packages_do_not_install_bare_kb_or_bot():
    # Our folders kb/ and bot/ install under faqbot.*: a bare `kb` is somebody else's PyPI project.
    code = "import faqbot.kb, faqbot.bot; import importlib.util as u; print(u.find_spec('kb'), u.find_spec('bot'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert done.stdout.strip() == "None None", done.stdout + done.stderr


def test_the_chat_starts_without_the_console_helpers_or_their_libraries(tmp_path):
    # Every chat start, and every served browser session (a process each), pays for what the app imports:
    # the helper screens, the agent console and the report are imported when first opened.
    code = (
        "import sys\n"
        "from faqbot.bot.tui import create_app\n"
        "create_app('chat', log=False)\n"
        "late = ('faqbot.bot.tui.screens.agent', 'faqbot.bot.tui.screens.spf', 'faqbot.bot.tui.screens.ports',\n"
        "        'faqbot.bot.tui.screens.report', 'faqbot.bot.support.reply', 'dns', 'cryptography')\n"
        "print([name for name in late if name in sys.modules])"
    )
    env = {"FAQBOT_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
