"""A ready-built index on disk, so that `faqbot ask` does not parse and index
every article (and import the Markdown and YAML parsers) on each start.

The cache key is a hash of the articles' bytes, of the knowledge-base code and
data, and of the versions of Python, PyStemmer and numpy (the pickle holds numpy
arrays and stems), so any edit to an article or to the normaliser, and any
upgrade that could change stems or the pickled form, builds a new index.
The cache is only a speed-up: whatever goes wrong with it (no cache folder,
read-only disk, a damaged file), the index is built from the articles as usual.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy
import Stemmer

from faqbot.kb.files import FileReadError, read_regular_file
from faqbot.kb.retriever import Index

CACHE_ENV_VAR = "FAQBOT_CACHE_DIR"
KEEP_FILES = 8  # indexes of recent article versions and folders; older ones are removed
_KB_SOURCES = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    index: Index
    problem_count: int  # problems `faqbot kb check` would report for this folder


def _runtime_versions() -> str:
    """What else shapes the pickled index: the interpreter, the stemmer and numpy."""
    return f"python {sys.version}; PyStemmer {Stemmer.version()}; numpy {numpy.__version__}"


def _fingerprint(folder: Path) -> str | None:
    digest = hashlib.sha256(_runtime_versions().encode() + b"\0")
    try:
        for path in sorted(_KB_SOURCES.glob("*.py")) + sorted((_KB_SOURCES / "data").glob("*.*")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        digest.update(os.fsencode(folder.resolve()) + b"\0")
        for path in sorted(folder.glob("*.md")) + sorted(folder.glob("*.yaml")):
            digest.update(os.fsencode(path.name) + b"\0" + read_regular_file(path) + b"\0")
    except (OSError, FileReadError):
        return None  # unreadable articles (or a FIFO, a device, a huge file): no cache, the loader reports them
    return digest.hexdigest()


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV_VAR, "").strip()
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("faqbot", appauthor=False))


def _build(folder: Path) -> LoadedIndex:
    from faqbot.kb.loader import load_articles

    result = load_articles(folder)
    return LoadedIndex(Index(result.articles, result.topics), sum(not problem.warning for problem in result.problems))


def load_index(folder: Path) -> LoadedIndex:
    """The index over the good articles of ``folder``, from the cache when it is current."""
    key = _fingerprint(folder) if folder.is_dir() else None
    if key is None:
        return _build(folder)
    path = cache_dir() / f"index-{key[:32]}.pickle"
    try:
        with path.open("rb") as stream:
            loaded = pickle.load(stream)
        if isinstance(loaded, LoadedIndex):
            return loaded
    except Exception:  # noqa: BLE001 - any damaged or missing cache file just means: build anew
        pass
    loaded = _build(folder)
    _store(path, loaded)
    return loaded


def _store(path: Path, loaded: LoadedIndex) -> None:
    # Written to a temporary file and renamed, so a parallel reader never sees half a file.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", delete=False) as stream:
            temporary = Path(stream.name)
            pickle.dump(loaded, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        if "temporary" in locals():
            temporary.unlink(missing_ok=True)
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
