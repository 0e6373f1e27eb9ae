"""A file swapped by a writer is read whole: the old one or the new one, never a mix (pyarrow
given a path opened the file twice, and failed on ~1 read in 6 while a writer swapped it)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa

from monitors.storage.files import load_table, write_table


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
    try:
        sizes = {table.num_rows for table in (load_table(path) for _ in range(2000)) if table is not None}
    finally:
        done.set()
        writer.join()
    assert swaps > 100 and sizes == {10, 5000}
