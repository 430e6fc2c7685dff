"""A ready-built index on disk, so that `faqbot ask` does not parse and index
every article (and import the Markdown and YAML parsers) on each start.

The file is one uncompressed ``.npz``: the index's flat arrays (kb/flat_index.py)
and the articles as a table of numbered texts (kb/article_table.py). It is mapped
into memory, not read, and only plain arrays are accepted, so a planted file can
hold data but never run code; it loads in milliseconds because nothing in it is
a Python object to rebuild one by one, and an article is decoded when a question
first shows it (README: "Performance").

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
import mmap
import os
import struct
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
import numpy.lib.format
import Stemmer

from faqbot.kb.article import Topic
from faqbot.kb.article_table import ArticleTable, Strings, encodable, encode, field_names
from faqbot.kb.files import FileReadError, read_regular_file
from faqbot.kb.flat_index import FlatIndex
from faqbot.kb.retriever import Index

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
    arrays = _mapped(path)
    table = ArticleTable(arrays)
    records = json.loads(arrays["records"].tobytes())
    topics = [
        Topic(table.text(id_), table.text(title), _texts(words, table), table.text(reply), _texts(questions, table))
        for id_, title, words, reply, questions in records["topics"]
    ]
    index = Index(table, topics, flat=FlatIndex.from_arrays(arrays))
    return LoadedIndex(index, records["problem_count"])


def _mapped(path: Path) -> dict[str, numpy.ndarray]:
    """The arrays of an uncompressed ``.npz``, mapped from the file rather than read: pages are read when used.

    numpy.load maps only a single ``.npy``; an ``.npz`` is a zip whose stored members are plain ``.npy``
    bytes, so each array is found at its member's data offset. Only plain dtypes are accepted: an object
    array (a pickle) is refused, as numpy.load with ``allow_pickle=False`` does.
    """
    with path.open("rb") as stream, zipfile.ZipFile(stream) as archive:
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        arrays = {}
        for member in archive.infolist():
            if member.compress_type != zipfile.ZIP_STORED or not member.filename.endswith(".npy"):
                raise ValueError(f"{member.filename}: not a stored array")
            header = member.header_offset
            if mapped[header : header + 4] != b"PK\x03\x04":
                raise ValueError(f"{member.filename}: no local header")
            name_length, extra_length = struct.unpack("<HH", mapped[header + 26 : header + 30])
            stream.seek(header + 30 + name_length + extra_length)
            version = numpy.lib.format.read_magic(stream)
            read_header = numpy.lib.format.read_array_header_1_0 if version == (1, 0) else numpy.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = read_header(stream)
            if dtype.hasobject or fortran_order or len(shape) != 1:
                raise ValueError(f"{member.filename}: not a plain array")
            arrays[member.filename[: -len(".npy")]] = numpy.frombuffer(mapped, dtype, shape[0], stream.tell())
    return arrays


def _store(path: Path, loaded: LoadedIndex) -> None:
    index = loaded.index
    if not encodable() or field_names(Topic) != _TOPIC_FIELDS:
        return  # a record type gained a field this file would drop: no cache rather than a lossy one
    strings = Strings()
    number = strings.number
    arrays: dict[str, Any] = encode(index.articles, strings)
    records = {
        "topics": [
            [number(t.id), number(t.title), [*map(number, t.words)], number(t.reply), [*map(number, t.questions)]]
            for t in index.topics
        ],
        "problem_count": loaded.problem_count,
    }
    # Written to a temporary file and renamed, so a parallel reader never sees half a file.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", delete=False) as stream:
            temporary = Path(stream.name)
            arrays |= index.flat.arrays() | strings.arrays()
            arrays["records"] = numpy.frombuffer(json.dumps(records).encode(), dtype=numpy.uint8)
            _save_aligned(stream, arrays)
        os.replace(temporary, path)
    except OSError:
        if "temporary" in locals():
            temporary.unlink(missing_ok=True)
        return
    _prune(path.parent)


_TOPIC_FIELDS = ("id", "title", "words", "reply", "questions")
_ALIGN = 64  # numpy pads an .npy header to a multiple of 64 bytes, so its data is aligned where the member is
_PADDING_FIELD = 0xD935  # the zip extra field that aligns a stored member (as zipalign writes it)


def _save_aligned(stream: Any, arrays: dict[str, Any]) -> None:
    """What ``numpy.savez`` writes, but each member's data at a multiple of 64 bytes in the file.

    A mapped array whose data is not aligned to its item size is read element by element through numpy's
    unaligned paths (a search's gathers take up to five times as long); an extra field in each member's
    local header pads it into place, which any zip reader skips.
    """
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            # The local header: 30 bytes, the name, this padding field (4 bytes and the padding), then the
            # 20-byte zip64 field that a forced zip64 member gets (as numpy.savez forces it).
            start = stream.tell() + 30 + len(info.filename.encode()) + 4 + 20
            info.extra = struct.pack("<HH", _PADDING_FIELD, -start % _ALIGN) + bytes(-start % _ALIGN)
            with archive.open(info, "w", force_zip64=True) as member:
                numpy.lib.format.write_array(member, numpy.asanyarray(array), allow_pickle=False)


def _texts(numbers: list[int], table: ArticleTable) -> tuple[str, ...]:
    return tuple(map(table.text, numbers))


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("index-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:] + list(folder.glob("index-*.pickle")):  # pickles: the cache's former form
            old.unlink(missing_ok=True)
    except OSError:
        pass
