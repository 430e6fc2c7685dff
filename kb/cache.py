"""A ready-built index on disk, so that `faqbot ask` does not parse and index
every article (and import the Markdown and YAML parsers) on each start.

The file is one uncompressed ``.npz``: the index's flat arrays (kb/flat_index.py)
and the articles as JSON. It is read with ``allow_pickle=False``, so a planted
file can hold data but never run code, and it loads in milliseconds because
nothing in it is a Python object to rebuild one by one (README: "Speed").

The cache key is a hash of the articles' bytes, of the knowledge-base code and
data, and of the versions of Python, PyStemmer and numpy (stems and the array
format), so any edit to an article or to the normaliser, and any upgrade that
could change stems or the stored form, builds a new index.
The cache is only a speed-up: whatever goes wrong with it (no cache folder,
read-only disk, a damaged file), the index is built from the articles as usual.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy
import Stemmer

from faqbot.kb.article import Article, Topic
from faqbot.kb.files import FileReadError, read_regular_file
from faqbot.kb.flat_index import FlatIndex
from faqbot.kb.retriever import Index
from faqbot.kb.sections import Section

CACHE_ENV_VAR = "FAQBOT_CACHE_DIR"
KEEP_FILES = 8  # indexes of recent article versions and folders; older ones are removed
_KB_SOURCES = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class LoadedIndex:
    index: Index
    problem_count: int  # problems `faqbot kb check` would report for this folder


def _runtime_versions() -> str:
    """What else shapes the stored index: the interpreter, the stemmer and numpy."""
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
    path = cache_dir() / f"index-{key[:32]}.npz"
    try:
        return _read(path)
    except Exception:  # noqa: BLE001 - any damaged or missing cache file just means: build anew
        pass
    loaded = _build(folder)
    _store(path, loaded)
    return loaded


def _read(path: Path) -> LoadedIndex:
    with numpy.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    strings = arrays.pop("strings").tobytes().decode().split(_SEPARATOR)
    records = json.loads(arrays.pop("records").tobytes())
    articles = [_article(record, strings) for record in records["articles"]]
    topics = [
        Topic(strings[id_], strings[title], _texts(words, strings), strings[reply], _texts(questions, strings))
        for id_, title, words, reply, questions in records["topics"]
    ]
    index = Index(articles, topics, flat=FlatIndex.from_arrays(arrays))
    return LoadedIndex(index, records["problem_count"])


def _store(path: Path, loaded: LoadedIndex) -> None:
    index = loaded.index
    if _fields(Article) != _ARTICLE_FIELDS or _fields(Section) != _SECTION_FIELDS or _fields(Topic) != _TOPIC_FIELDS:
        return  # a record type gained a field this file would drop: no cache rather than a lossy one
    strings: dict[str, int] = {}

    def number(text: str) -> int:
        return strings.setdefault(text, len(strings))

    records = {
        "articles": [_article_record(article, number) for article in index.articles],
        "topics": [
            [number(t.id), number(t.title), [*map(number, t.words)], number(t.reply), [*map(number, t.questions)]]
            for t in index.topics
        ],
        "problem_count": loaded.problem_count,
    }
    joined = _SEPARATOR.join(strings)
    if joined.count(_SEPARATOR) != len(strings) - 1:
        return  # a text holds the separator itself (a NUL character): no cache for this knowledge base
    # Written to a temporary file and renamed, so a parallel reader never sees half a file.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", delete=False) as stream:
            temporary = Path(stream.name)
            arrays = index.flat.arrays()
            arrays["records"] = numpy.frombuffer(json.dumps(records).encode(), dtype=numpy.uint8)
            arrays["strings"] = numpy.frombuffer(joined.encode(), dtype=numpy.uint8)
            numpy.savez(stream, **arrays)
        os.replace(temporary, path)
    except OSError:
        if "temporary" in locals():
            temporary.unlink(missing_ok=True)
        return
    _prune(path.parent)


# The records are stored as rows of string numbers (every text once, in one UTF-8 block): ten thousand
# articles then load in milliseconds, where JSON objects or pickled dataclasses take a good part of a second.
_ARTICLE_FIELDS = ("id", "title", "category", "questions", "keywords", "related", "helper", "body", "text", "errors",
                   "sections", "path")  # fmt: skip
_SEPARATOR = "\0"  # between the texts in the block: split in one C call
_SECTION_FIELDS = ("heading", "anchor", "markdown", "text", "questions", "line")
_TOPIC_FIELDS = ("id", "title", "words", "reply", "questions")


def _fields(record_type: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record_type))


def _article_record(article: Article, number: Callable[[str], int]) -> list[Any]:
    sections = [
        [number(s.heading), number(s.anchor), number(s.markdown), number(s.text), [*map(number, s.questions)], s.line]
        for s in article.sections
    ]
    return [
        number(article.id),
        number(article.title),
        number(article.category),
        [*map(number, article.questions)],
        [*map(number, article.keywords)],
        [*map(number, article.related)],
        None if article.helper is None else number(article.helper),
        number(article.body),
        number(article.text),
        [*map(number, article.errors)],
        sections,
        None if article.path is None else number(str(article.path)),
    ]


def _article(record: list[Any], strings: list[str]) -> Article:
    id_, title, category, questions, keywords, related, helper, body, text, errors, sections, path = record
    return Article(
        strings[id_],
        strings[title],
        strings[category],
        _texts(questions, strings),
        _texts(keywords, strings),
        _texts(related, strings),
        None if helper is None else strings[helper],
        strings[body],
        strings[text],
        _texts(errors, strings),
        tuple(
            Section(strings[h], strings[a], strings[m], strings[t], _texts(q, strings), line) for h, a, m, t, q, line in sections
        ),
        None if path is None else Path(strings[path]),
    )


def _texts(numbers: list[int], strings: list[str]) -> tuple[str, ...]:
    return tuple(map(strings.__getitem__, numbers))


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("index-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:] + list(folder.glob("index-*.pickle")):  # pickles: the cache's former form
            old.unlink(missing_ok=True)
    except OSError:
        pass
