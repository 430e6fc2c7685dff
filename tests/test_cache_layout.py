"""The cache file's layout: every mapped array starts on an aligned address, and the file stays a plain .npz."""

from __future__ import annotations

import numpy

from faqbot.kb import cache


def test_mapped_arrays_are_aligned_and_numpy_reads_the_file(index, tmp_path):
    # numpy reads a misaligned mapped array through its slow unaligned paths (a search took 12 % longer).
    path = tmp_path / "index.npz"
    cache._store(path, cache.LoadedIndex(index, 0))
    mapped = cache._mapped(path)
    assert mapped and all(array.ctypes.data % 64 == 0 and array.flags.aligned for array in mapped.values())
    with numpy.load(path, allow_pickle=False) as loaded:  # still a plain .npz for any other reader
        assert sorted(loaded.files) == sorted(mapped)
        assert all(numpy.array_equal(loaded[name], mapped[name]) for name in mapped)
    reloaded = cache._read(path).index
    assert [hit.article.id for hit in reloaded.search("Postfach voll")] == [
        hit.article.id for hit in index.search("Postfach voll")
    ]
