"""Findings that spill (issue #18): sorted runs that move to disk past a memory budget.

An audit may find something in nearly every message (a group that chats all night gets a
T501 finding per message), and a report lists its findings sorted, with totals before the
rows. Holding every finding until then makes memory grow with the findings. A ``SortedRun``
holds up to ``budget`` items; past that it sorts them and appends them to a temporary file
as one chunk, and reading merges the chunks with ``heapq.merge``. Equal keys keep their
arrival order: ``list.sort`` is stable within a chunk, chunks are written in arrival order
and ``heapq.merge`` takes the earlier chunk first on a tie, so a run reads back exactly as
``sorted()`` over everything would.

Chunks are pickled in blocks of ``BLOCK`` items (one ``pickle.load`` per block, not per
item), and a reader holds one block per chunk. Sorted pickled chunks were chosen over a
SQLite table after measuring both (docs/performance.md, issue #18): they are faster to write
and read back, and they keep any Python value and key as they are, where SQLite would
need columns for the key, a sequence number for stability, and cannot store text holding a
lone surrogate (which a hostile export can put in a finding).
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")

BUDGET_ENV = "CHATAUDIT_SPILL_AFTER"
DEFAULT_BUDGET = 20_000
"""Items a run holds in memory before it spills: about 10 MB of findings."""
BLOCK = 256
"""Items pickled together; a merge holds one block per chunk."""


def spill_budget() -> int:
    """The budget: ``CHATAUDIT_SPILL_AFTER`` (items, at least 1) when set, else ``DEFAULT_BUDGET``.
    Tests set it low to make a small audit spill."""
    value = os.environ.get(BUDGET_ENV, "").strip()
    return max(1, int(value)) if value.isdigit() else DEFAULT_BUDGET


def write_blocks(items: Iterable[Any], out: IO[bytes]) -> int:
    """Append ``items`` to ``out`` as pickled blocks; how many were written."""
    count, block = 0, []
    for item in items:
        block.append(item)
        if len(block) == BLOCK:
            pickle.dump(block, out, protocol=pickle.HIGHEST_PROTOCOL)
            count, block = count + len(block), []
    if block:
        pickle.dump(block, out, protocol=pickle.HIGHEST_PROTOCOL)
        count += len(block)
    return count


def read_blocks(source: IO[bytes], start: int = 0, end: int | None = None) -> Iterator[Any]:
    """The items of the blocks between byte offsets ``start`` and ``end`` (the end of the file
    when None). It seeks before every block, so several readers can share one file handle."""
    position = start
    while end is None or position < end:
        source.seek(position)
        try:
            block = pickle.load(source)
        except EOFError:
            return
        position = source.tell()
        yield from block


class SortedRun(Generic[T]):
    """Items read back in ``key`` order (stable), held in memory up to ``budget`` items and in
    sorted chunks of a temporary file beyond that. It can be read any number of times, and
    the temporary file goes away with the run (or at ``close``)."""

    def __init__(self, key: Callable[[T], Any], budget: int | None = None):
        self._key = key
        self._budget = budget if budget is not None else spill_budget()
        self._held: list[T] = []
        self._held_sorted = True
        self._file: IO[bytes] | None = None
        self._chunks: list[tuple[int, int]] = []  # byte ranges of the sorted chunks in the file
        self._count = 0

    def add(self, item: T) -> None:
        self._held.append(item)
        self._held_sorted = False
        self._count += 1
        if len(self._held) >= self._budget:
            self._spill()

    def __len__(self) -> int:
        return self._count

    @property
    def spilled(self) -> bool:
        return bool(self._chunks)

    def __iter__(self) -> Iterator[T]:
        if not self._held_sorted:
            self._held.sort(key=self._key)
            self._held_sorted = True
        if not self._chunks:
            return iter(list(self._held))
        chunks = [read_blocks(self._file, start, end) for start, end in self._chunks]
        return heapq.merge(*chunks, list(self._held), key=self._key)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._chunks = []

    def _spill(self) -> None:
        self._held.sort(key=self._key)
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="chataudit-spill-")
        self._file.seek(0, os.SEEK_END)
        start = self._file.tell()
        write_blocks(self._held, self._file)
        self._chunks.append((start, self._file.tell()))
        self._held, self._held_sorted = [], True
