"""Where the articles come from: an explicit folder, $FAQBOT_ARTICLES, or the shipped ones."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ENV_VAR = "FAQBOT_ARTICLES"
SHIPPED_PACKAGE = "faqbot.articles"  # the top-level articles/ folder, installed as package data


def shipped_articles_dir() -> Path:
    spec = importlib.util.find_spec(SHIPPED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"Die mitgelieferten Artikel ({SHIPPED_PACKAGE}) sind nicht installiert.")
    return Path(next(iter(spec.submodule_search_locations)))


def articles_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder to load: ``explicit`` wins, then the environment, then the shipped articles."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return Path(from_env)
    return shipped_articles_dir()
