"""Stream the items of a JSON array inside a large file (ijson), never loading it whole.

A file that breaks off in the middle (a truncated download) keeps the items read so far:
the rest is one Unparsed record that says so, and the report counts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from chataudit.formats.base import InputStats
from chataudit.formats.encoding import BYTES_READ
from chataudit.records import Location, Unparsed

_BOM = b"\xef\xbb\xbf"


class _CountingReader:
    """A binary file whose ``read`` counts the newlines that pass through it."""

    def __init__(self, fh: BinaryIO):
        self.fh, self.newlines, self.last = fh, 0, b""
        self.tell = BYTES_READ.get()
        if fh.read(3) != _BOM:
            fh.seek(0)

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        if data:
            self.newlines += data.count(b"\n")
            self.last = data[-1:]
            if self.tell is not None:
                self.tell(self.fh.tell())
        return data

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.last not in (b"", b"\n") else 0)


def array_items(path: Path, prefix: str, stats: InputStats) -> Iterator[tuple[int, Any] | Unparsed]:
    """(index, item) for each item at ``prefix`` ("messages.item", "item"), then stats.lines."""
    index = -1
    with path.open("rb") as raw:
        reader = _CountingReader(raw)
        try:
            for index, item in enumerate(ijson.items(reader, prefix, use_float=True)):
                yield index, item
        except ijson.JSONError as exc:
            stats.lines = reader.lines
            yield Unparsed(Location(str(path), reader.lines or None, index + 1), "",
                           f"the JSON breaks off after item {index + 1} ({str(exc)[:80]}); the rest is not read")
            return
        while reader.read(1 << 20):  # count the lines after the array too
            pass
        stats.lines = reader.lines


def message_objects(path: Path, prefix: str, stats: InputStats) -> Iterator[tuple[dict, Location] | Unparsed]:
    """Each JSON object at ``prefix`` with its location (record index); anything else, and
    a file that breaks off, as Unparsed."""
    where = str(path)
    for item in array_items(path, prefix, stats):
        if isinstance(item, Unparsed):
            yield item
            continue
        index, obj = item
        loc = Location(where, None, index)
        if isinstance(obj, dict):
            yield obj, loc
        else:
            yield Unparsed(loc, str(obj)[:500], "not a message object")


def header_values(path: Path, keys: set[str], stop: str) -> dict[str, Any]:
    """Scalar values at the given prefixes that come before ``stop`` (e.g. the chat's name
    before its "messages" array), from a short read of the start of the file."""
    found: dict[str, Any] = {}
    with path.open("rb") as raw:
        try:
            for prefix, event, value in ijson.parse(_CountingReader(raw)):
                if prefix == stop or prefix.startswith(stop + "."):
                    break
                if prefix in keys and event in ("string", "number"):
                    found[prefix] = value
        except ijson.JSONError:
            pass
    return found
