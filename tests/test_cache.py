"""The on-disk index cache: faster starts, never stale, never a reason to fail."""

from __future__ import annotations

import os
import sys

import numpy
import pytest
import Stemmer

import faqbot.kb.loader
from conftest import VALID_FRONT
from faqbot.kb.cache import cache_dir, load_index


def make_kb(folder, title="Ein Titel"):
    folder.mkdir(exist_ok=True)
    (folder / "a.md").write_text(VALID_FRONT.format(id="a").replace("Ein Titel", title), encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """A fresh cache folder for each test here: they count its files."""
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def parses(monkeypatch):
    """How often the articles were read and parsed (the cache's whole point is to skip that)."""
    calls = []
    original = faqbot.kb.loader.load_articles

    def counting(folder):
        calls.append(folder)
        return original(folder)

    monkeypatch.setattr(faqbot.kb.loader, "load_articles", counting)
    return calls


def test_second_load_comes_from_the_cache(tmp_path, parses):
    kb = make_kb(tmp_path / "kb")
    first = load_index(kb)
    assert len(parses) == 1
    files = list(cache_dir().glob("index-*.npz"))
    assert len(files) == 1
    second = load_index(kb)
    assert len(parses) == 1  # not parsed again
    assert [a.title for a in second.index.articles] == ["Ein Titel"]
    assert second.index.search("Erste Frage")[0].score == first.index.search("Erste Frage")[0].score


@pytest.mark.parametrize(
    "module, name, value",
    [(sys, "version", "3.99.0 (other build)"), (Stemmer, "version", lambda: "0.0.1"), (numpy, "__version__", "0.0.1")],
    ids=["python", "pystemmer", "numpy"],
)
def test_another_python_stemmer_or_numpy_builds_anew(tmp_path, parses, monkeypatch, module, name, value):
    kb = make_kb(tmp_path / "kb")
    load_index(kb)
    monkeypatch.setattr(module, name, value)
    assert [a.id for a in load_index(kb).index.articles] == ["a"]
    assert len(parses) == 2
    assert len(list(cache_dir().glob("index-*.npz"))) == 2


def test_an_edited_article_is_never_served_stale(tmp_path, parses):
    kb = make_kb(tmp_path / "kb")
    load_index(kb)
    make_kb(kb, title="Neuer Titel")
    assert [a.title for a in load_index(kb).index.articles] == ["Neuer Titel"]
    assert len(parses) == 2


def test_problems_are_counted_from_the_cache_too(tmp_path, parses):
    kb = make_kb(tmp_path / "kb")
    (kb / "kaputt.md").write_text("kein front matter", encoding="utf-8")
    assert load_index(kb).problem_count == 1
    assert load_index(kb).problem_count == 1
    assert len(parses) == 1


def test_damaged_cache_file_is_rebuilt(tmp_path, parses):
    kb = make_kb(tmp_path / "kb")
    load_index(kb)
    (cached,) = cache_dir().glob("index-*.npz")
    cached.write_bytes(b"not an npz file")
    assert [a.id for a in load_index(kb).index.articles] == ["a"]
    assert len(parses) == 2
    load_index(kb)
    assert len(parses) == 2  # the rebuilt file is used again


def test_unwritable_cache_folder_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("FAQBOT_CACHE_DIR", str(blocker / "cache"))
    kb = make_kb(tmp_path / "kb")
    assert [a.id for a in load_index(kb).index.articles] == ["a"]
    assert not os.path.exists(blocker / "cache")


def test_old_cache_files_are_pruned(tmp_path):
    kb = make_kb(tmp_path / "kb")
    for number in range(12):
        make_kb(kb, title=f"Titel {number}")
        load_index(kb)
    assert len(list(cache_dir().glob("index-*.npz"))) <= 8


def test_the_cached_index_ranks_exactly_like_a_fresh_one(parses):
    from ranking_golden import questions, record

    from faqbot.kb.location import shipped_articles_dir

    fresh = load_index(shipped_articles_dir()).index
    cached = load_index(shipped_articles_dir()).index
    assert len(parses) == 1  # the second one came from the file
    assert cached.articles == fresh.articles and cached.topics == fresh.topics
    for question in questions()[::5]:
        assert record(cached, question) == record(fresh, question), question
        assert cached.ask(question) == fresh.ask(question), question


class _Planted:
    """A pickle that, if ever unpickled, leaves a file behind."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_planted_pickle_in_the_cache_never_runs(tmp_path, parses):
    import pickle

    kb = make_kb(tmp_path / "kb")
    load_index(kb)
    (cached,) = cache_dir().glob("index-*.npz")
    marker = tmp_path / "ran"
    cached.write_bytes(pickle.dumps(_Planted(marker)))
    assert [a.id for a in load_index(kb).index.articles] == ["a"]
    assert not marker.exists()
    assert len(parses) == 2  # refused and rebuilt


def test_a_planted_object_array_in_the_cache_never_runs(tmp_path, parses):
    """The cache file is mapped, not numpy.load-ed: an array of pickled objects must still be refused."""
    kb = make_kb(tmp_path / "kb")
    load_index(kb)
    (cached,) = cache_dir().glob("index-*.npz")
    marker = tmp_path / "ran"
    with cached.open("wb") as stream:
        numpy.savez(stream, strings=numpy.array([_Planted(marker)], dtype=object))
    assert [a.id for a in load_index(kb).index.articles] == ["a"]
    assert not marker.exists()
    assert len(parses) == 2  # refused and rebuilt


def test_a_cached_index_decodes_only_the_articles_a_question_shows(tmp_path, parses):
    kb = make_kb(tmp_path / "kb")
    for name, title in (("b", "Kaninchen im Garten"), ("c", "Segelboot auf dem See"), ("d", "Fahrrad reparieren")):
        (kb / f"{name}.md").write_text(VALID_FRONT.format(id=name).replace("Ein Titel", title), encoding="utf-8")
    load_index(kb)
    articles = load_index(kb).index.articles
    assert len(parses) == 1  # the second one came from the file
    assert articles.decoded == 0 and len(articles) == 4
    index = load_index(kb).index
    assert [hit.article.id for hit in index.search("Segelboot See")] == ["c"]
    assert index.articles.decoded == 1
    assert index.by_id("d").title == "Fahrrad reparieren" and index.by_id("x") is None  # looked up by id alone
    assert index.articles.decoded == 2
    assert [article.title for article in index.articles][1:] == [
        "Kaninchen im Garten",
        "Segelboot auf dem See",
        "Fahrrad reparieren",
    ]
