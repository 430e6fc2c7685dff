"""What every `faqbot` command that reads the articles shares: the --articles option and the loaded index."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the retriever imports numpy: only commands that search pay for it
    from faqbot.kb.retriever import Index


def add_articles_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    parser.add_argument(
        "--articles",
        metavar="DIR",
        # Subcommands must not reset a folder given before them (faqbot --articles X ask …).
        default=None if top_level else argparse.SUPPRESS,
        help="Ordner mit eigenen Artikeln (Standard: $FAQBOT_ARTICLES, sonst die mitgelieferten)",
    )


def load_index(args: argparse.Namespace) -> Index:
    """The index over the good articles; problems go to stderr in one line."""
    from faqbot.kb.cache import load_index as load_cached_index
    from faqbot.kb.location import articles_dir

    folder = articles_dir(args.articles)
    loaded = load_cached_index(folder)
    if loaded.problem_count:
        print(
            f"Hinweis: {loaded.problem_count} Problem(e) in den Artikeln unter {folder} – "
            f"Details zeigt „faqbot kb check --articles {folder}“.",
            file=sys.stderr,
        )
    return loaded.index
