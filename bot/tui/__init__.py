"""The Textual app. `create_app` is the one way the CLI and the tests build it."""

from __future__ import annotations

from pathlib import Path

from faqbot.bot.log.store import ConversationLog, default_db_path
from faqbot.bot.tui.app import FaqApp, Mode
from faqbot.kb.cache import load_index
from faqbot.kb.location import articles_dir


def create_app(
    mode: Mode = "chat",
    articles: str | Path | None = None,
    *,
    save_dir: Path | None = None,
    cursor_blink: bool = True,
    db: Path | str | None = None,  # a file, or a postgresql:// URL
    log: bool = True,
    served: bool = False,
    templates: Path | None = None,
) -> FaqApp:
    """The app as the CLI and the tests build it; ``db`` is the conversation log (None: the default place)."""
    loaded = load_index(articles_dir(articles))
    conversation_log = None
    if log:
        conversation_log = ConversationLog(
            db or default_db_path(), normalise=lambda text: " ".join(loaded.index.normaliser.terms(text))
        )
    return FaqApp(
        mode,
        loaded.index,
        problem_count=loaded.problem_count,
        save_dir=save_dir,
        cursor_blink=cursor_blink,
        conversation_log=conversation_log,
        served=served,
        templates_dir=templates,
    )
