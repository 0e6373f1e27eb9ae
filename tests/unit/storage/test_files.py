"""A file swapped by a writer is read whole: the old one or the new one, never a mix (pyarrow
given a path opened the file twice, and failed on ~1 read in 6 while a writer swapped it). A
process keeps the newest decoded version of each file only."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from monitors.storage import files
from monitors.storage.files import load_table, update_table, write_table


def test_a_parquet_file_swapped_while_read_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "trend.parquet"
    small, large = (pa.table({"a": list(range(n)), "b": [str(i) * 3 for i in range(n)]}) for n in (10, 5000))
    write_table(path, small)
    done = threading.Event()
    swaps = 0

    def swap() -> None:
        nonlocal swaps
        while not done.is_set():
            write_table(path, (small, large)[swaps % 2])
            swaps += 1

    writer = threading.Thread(target=swap)
    writer.start()
    sizes: set[int] = set()
    reads = 0
    try:  # reads for as long as the writer takes to swap it 200 times (and at least 2,000 reads)
        while (swaps < 200 or reads < 2000) and writer.is_alive():
            table = load_table(path)
            reads += 1
            sizes.add(-1 if table is None else table.num_rows)
    finally:
        done.set()
        writer.join()
    assert swaps >= 200 and sizes == {10, 5000}


def test_a_file_rewritten_window_after_window_keeps_one_decoded_version(tmp_path: Path) -> None:
    # a long run rewrites its month's trend after every window: the versions it wrote over were
    # kept (up to 256 MB) and summed on every read, a cost growing with the windows run
    path, other = tmp_path / "trend.parquet", tmp_path / "episodes.parquet"
    write_table(other, pa.table({"episode": [1, 2]}))
    kept_other = load_table(other)
    for n in range(1, 60):
        write_table(path, pa.table({"window": list(range(n))}))
        assert load_table(path).num_rows == n  # type: ignore[union-attr]
    assert [key for key in files._DECODED if key[0] == str(path)] == [(str(path), "[]")]
    assert load_table(path) is load_table(path)  # the same bytes are decoded once
    assert load_table(other) is kept_other  # another file's version is still kept


def test_a_table_updated_is_read_back_without_decoding_and_equals_the_file(tmp_path: Path) -> None:
    path = tmp_path / "month=2026-02.parquet"
    schema = pa.schema([("window", pa.int64()), ("status", pa.string())])
    for n in (3, 5):
        update_table(path, lambda old, n=n: pa.table({"window": list(range(n)), "status": ["ok"] * n},
                                                     schema=schema), "model m", schema=schema)
        read = load_table(path, schema=schema)
        assert read is load_table(path, schema=schema)
        assert read is not None and read.equals(pq.read_table(path, schema=schema)) and read.num_rows == n
    write_table(path, pa.table({"window": [9], "status": ["alert"]}, schema=schema))  # another writer
    assert load_table(path, schema=schema).to_pylist() == [{"window": 9, "status": "alert"}]  # type: ignore[union-attr]
