"""The JSON reading layer of the JSON formats: stream the items of an array inside a large
file, never loading it whole; read one JSON Lines line; take fields of the types a record
needs, or say which field was wrong.

Whatever the input holds, what comes out is safe for every writer and rule:

- A lone UTF-16 surrogate escape (``"\\ud83d"`` without its pair) becomes U+FFFD before the
  JSON parser sees it, in files (streamed: escapes split across reads are held back) and in
  JSON Lines lines alike.
- An item nested deeper than ``MAX_DEPTH`` levels is skipped as one Unparsed record and the
  stream goes on. ijson's own item builder (C, fast) keeps a prefix string per level, whose
  memory grows with the square of the depth (a 40 KB line of brackets took 4 GB), so it only
  reads while a cheap bound of the depth (a byte count a read, see _DepthBound) stays under
  the limit; past it the file is read again from the start with items built here from the
  parser's events, which costs memory in proportion to the depth only, and the items already
  given are skipped. A JSON Lines line too deep for ``json.loads`` is a ValueError like any
  bad line.
- A file that breaks off in the middle (a truncated download) keeps the items read so far:
  the rest is one Unparsed record that says so, and the report counts it.
- A field of the wrong type (``"author": "str"`` where an object belongs) raises BadRecord,
  which the format turns into an Unparsed record with that reason.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from chataudit.formats.base import InputStats
from chataudit.formats.encoding import BYTES_READ
from chataudit.records import Location, Quote, Unparsed

_BOM = b"\xef\xbb\xbf"
MAX_DEPTH = 1000  # levels inside one item; exports nest fewer than 10
EXCERPT = 500
REMEMBERED = 10_000  # recent messages a reply's quote is looked up in

# A JSON escape that matters for surrogates: an escaped backslash (consumed whole, so that the
# ``\u`` after it is seen at the right parity), a surrogate pair (kept), or one surrogate alone.
_SURROGATE_ESCAPES = r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
_ESCAPES_BYTES = re.compile(_SURROGATE_ESCAPES.encode())
_ESCAPES_TEXT = re.compile(_SURROGATE_ESCAPES)
_LONE = 6  # len("\\ud83d")
_PAIR = 12  # len("\\ud83d\\ude00"): an escape starting this close to the end of a read may go on in the next


class BadRecord(ValueError):
    """A record that cannot be read as what its format says it is; the reason is the message."""


def mend_surrogates(text: str) -> str:
    """JSON text with each lone surrogate escape replaced by ``\\ufffd``."""
    if "\\" not in text:
        return text
    return _ESCAPES_TEXT.sub(lambda m: "\\ufffd" if len(m[0]) == _LONE else m[0], text)


def _mend(buf: bytes, final: bool) -> tuple[bytes, bytes]:
    """(what can be passed on, what to hold back until the next read) of a piece of a JSON
    file, lone surrogate escapes replaced. Only an escape that may be cut is held back, and
    the cut is always at the start of an escape, so the next piece is read at the right parity."""
    if b"\\" not in buf:
        return buf, b""
    limit = len(buf) if final else len(buf) - _PAIR + 1  # an escape starting before this is whole
    parts: list[bytes] = []
    start = done = 0
    for m in _ESCAPES_BYTES.finditer(buf):
        if m.start() >= limit:
            return b"".join(parts) + buf[start:m.start()], buf[m.start():]
        if m.end() - m.start() == _LONE:
            parts += (buf[start:m.start()], b"\\ufffd")
            start = m.end()
        done = m.end()
    cut = len(buf) if final else buf.find(b"\\", max(limit, done))
    if cut < 0:
        cut = len(buf)
    return b"".join(parts) + buf[start:cut], buf[cut:]


class _NestedTooDeeply(Exception):
    """Raised from a read: the C item builder must not go on with this file (see _DepthBound)."""


_NOT_OPENS = bytes(b for b in range(256) if b not in b"[{")
_GUARDED_READ = 8192  # bytes a read gives while the depth is watched: few enough opens in one read


class _DepthBound:
    """An upper bound of the nesting depth at the read position, for one byte count a read:
    every [ or { read since the parser last stood at a known depth counts as a level (those
    inside strings too: an overestimate, never an underestimate). Raises _NestedTooDeeply
    when the bound passes ``limit``; exports stay far below it, and a false alarm only
    costs the slower reading."""

    def __init__(self, limit: int):
        self.limit, self.known, self.since, self.last = limit, 0, 0, 0

    def feed(self, data: bytes) -> None:
        self.last = len(data.translate(None, _NOT_OPENS))
        self.since += self.last
        if self.known + self.since > self.limit:
            raise _NestedTooDeeply

    def at(self, depth: int) -> None:
        """The parser stands at ``depth`` somewhere in the last piece read."""
        self.known, self.since = depth, self.last


class _CountingReader:
    """A binary file whose ``read`` counts the newlines that pass through it, mends lone
    surrogate escapes (see ``_mend``) and, given a depth limit, stops a file nested deeper."""

    def __init__(self, fh: BinaryIO, depth_limit: int | None = None):
        self.fh, self.newlines, self.last, self.held = fh, 0, b"", b""
        self.guard = _DepthBound(depth_limit) if depth_limit is not None else None
        self.tell = BYTES_READ.get()
        start = fh.read(3)
        if start != _BOM:
            self.held = start
            self._count(start)

    def _count(self, data: bytes) -> None:
        if data:
            self.newlines += data.count(b"\n")
            self.last = data[-1:]

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing to learn whether the file gives bytes or text
            return b""
        if self.guard is not None and not 0 < size <= _GUARDED_READ:
            size = _GUARDED_READ
        while True:
            data = self.fh.read(size)
            self._count(data)
            if data and self.tell is not None:
                self.tell(self.fh.tell())
            out, self.held = _mend(self.held + data, final=not data)
            if out or not data:
                if out and self.guard is not None:
                    self.guard.feed(out)
                return out

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.last not in (b"", b"\n") else 0)


class _TooDeep(Exception):
    pass


_OPEN = ("start_map", "start_array")
_CLOSE = ("end_map", "end_array")


def _skip(events: Iterator[tuple[str, Any]], depth: int) -> None:
    """Consume the events of ``depth`` open containers."""
    for event, _ in events:
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if not depth:
                return


def _build(event: str, value: Any, events: Iterator[tuple[str, Any]]) -> Any:
    """The JSON value that starts with (event, value), built from ``events`` up to its end;
    _TooDeep (its events consumed) when it nests deeper than MAX_DEPTH."""
    if event not in _OPEN:
        return value
    root: dict | list = {} if event == "start_map" else []
    stack: list[dict | list] = [root]
    keys: list[str | None] = [None]
    for event, value in events:
        if event == "map_key":
            keys[-1] = value
            continue
        if event in _CLOSE:
            stack.pop()
            keys.pop()
            if not stack:
                return root
            continue
        if event in _OPEN:
            if len(stack) >= MAX_DEPTH:
                _skip(events, len(stack) + 1)
                raise _TooDeep
            value = {} if event == "start_map" else []
        top = stack[-1]
        if type(top) is list:
            top.append(value)
        else:
            top[keys[-1]] = value
        if event in _OPEN:
            stack.append(value)
            keys.append(None)
    raise ijson.IncompleteJSONError("the file ends inside an item")


_IN_ARRAY = object()  # a level of the path that is an array, not a key


def _arrays_at(events: Iterator[tuple[str, Any]], keys: tuple[str, ...]) -> Iterator[None]:
    """Stops just inside each array found at ``keys`` (map keys from the top; () for a
    top-level array); the caller consumes the array's events up to its end."""
    path: list[object] = []
    for event, value in events:
        if event == "map_key":
            path[-1] = value
        elif event == "start_map":
            path.append(None)
        elif event == "start_array":
            if len(path) == len(keys) and tuple(path) == keys:
                yield
            else:
                path.append(_IN_ARRAY)
        elif event in _CLOSE:
            path.pop()


def stream_items(fh: BinaryIO, prefix: str, where: str, stats: InputStats) -> Iterator[tuple[int, Any] | Unparsed]:
    """(0-based index, item) for each item of the array at ``prefix`` ("messages.item",
    "item") in an open binary file; an item nested too deeply, and a file that breaks off,
    as Unparsed; then stats.lines.

    Read with ijson's C item builder while the nesting stays within MAX_DEPTH; past it, again
    with items built here (see the module's docstring). The C parser also stops at a number
    outside 64-bit integers and doubles (``1e400``, a 400-digit id); the file is then read
    again with ijson's Python parser, which has no such limit. Either way the items already
    given are skipped."""
    keys = tuple(prefix.split(".")[:-1])
    given = 0  # items given so far, by any of the readers
    for read in _READERS:
        if given or read is not _READERS[0]:
            if not fh.seekable():
                break
            fh.seek(0)
        reader = _CountingReader(fh, MAX_DEPTH + len(keys) + 1 if read is _READERS[0] else None)
        index = -1
        try:
            for item in read(reader, prefix, keys):
                if reader.guard is not None:
                    reader.guard.at(len(keys) + 1)  # in the array, between two items
                index += 1
                if index < given:  # given by the reader before
                    continue
                given = index + 1  # counted once the item is whole: a file that breaks off inside one has not given it
                yield (index, item) if item is not _TooDeep else Unparsed(
                    Location(where, None, index + 1), "", f"nested deeper than {MAX_DEPTH} levels")
        except _NestedTooDeeply:
            continue
        except ijson.JSONError as exc:
            if "overflow" in str(exc) and read is not _READERS[-1]:
                continue
            stats.lines = reader.lines
            yield Unparsed(Location(where, reader.lines or None, given), "",
                           f"the JSON breaks off after item {given} ({str(exc)[:80]}); the rest is not read")
            return
        while reader.read(1 << 20):  # count the lines after the array too
            pass
        stats.lines = reader.lines
        return
    stats.lines = reader.lines  # a file that cannot be read again (not seekable)
    yield Unparsed(Location(where, reader.lines or None, given), "",
                   f"nested deeper than {MAX_DEPTH} levels after item {given}; the rest is not read")


def _c_items(reader: _CountingReader, prefix: str, keys: tuple[str, ...]) -> Iterator[Any]:
    return ijson.items(reader, prefix, use_float=True)


def _built_items(events: Iterator[tuple[str, Any]], keys: tuple[str, ...]) -> Iterator[Any]:
    """Items built from parser events, _TooDeep for one nested deeper than MAX_DEPTH."""
    for _ in _arrays_at(events, keys):
        for event, value in events:
            if event == "end_array":
                break
            try:
                yield _build(event, value, events)
            except _TooDeep:
                yield _TooDeep


def _items_from_c_events(reader: _CountingReader, prefix: str, keys: tuple[str, ...]) -> Iterator[Any]:
    return _built_items(ijson.basic_parse(reader, use_float=True), keys)


def _items_from_python_events(reader: _CountingReader, prefix: str, keys: tuple[str, ...]) -> Iterator[Any]:
    # The Python parser refuses 1e400 as a float but reads it as a Decimal: make that a float (inf).
    events = ijson.get_backend("python").basic_parse(reader, use_float=False)
    return _built_items(((event, float(value) if type(value) is Decimal else value) for event, value in events), keys)


_READERS = (_c_items, _items_from_c_events, _items_from_python_events)


def array_items(path: Path, prefix: str, stats: InputStats) -> Iterator[tuple[int, Any] | Unparsed]:
    """(index, item) for each item at ``prefix`` ("messages.item", "item"), then stats.lines."""
    with path.open("rb") as raw:
        yield from stream_items(raw, prefix, str(path), stats)


def message_objects(path: Path, prefix: str, stats: InputStats,
                    ref: str | None = None) -> Iterator[tuple[dict, Location] | Unparsed]:
    """Each JSON object at ``prefix`` with its location (1-based message number, and the
    value of its field ``ref``: the export's own message id); anything else, and a file that
    breaks off, as Unparsed."""
    where = str(path)
    for item in array_items(path, prefix, stats):
        if isinstance(item, Unparsed):
            yield item
            continue
        index, obj = item
        if type(obj) is not dict:
            yield Unparsed(Location(where, None, index + 1), excerpt(obj), "not a message object")
            continue
        own = obj.get(ref) if ref else None
        yield obj, Location(where, None, index + 1, own if type(own) is str else str(own) if type(own) is int else None)


def header_values(path: Path, keys: set[str], stop: str) -> dict[str, Any]:
    """Scalar values at the given dotted paths ("name", "guild.name") that come before the
    top-level key ``stop`` (e.g. the chat's name before its "messages" array)."""
    found: dict[str, Any] = {}
    deepest = max((key.count(".") + 1 for key in keys), default=0)
    at: list[str] = []  # the keys down to here; "item" for a level that is an array
    with path.open("rb") as raw:
        try:
            for event, value in ijson.basic_parse(_CountingReader(raw), use_float=True):
                if event == "map_key":
                    if len(at) == 1 and value == stop:
                        break
                    at[-1] = value
                elif event in _OPEN:
                    at.append("" if event == "start_map" else "item")
                elif event in _CLOSE:
                    at.pop()
                elif len(at) <= deepest and event in ("string", "number"):
                    dotted = ".".join(at)
                    if dotted in keys:
                        found[dotted] = value
        except ijson.JSONError:
            pass
    return found


def loads(line: str) -> Any:
    """One JSON Lines line; ValueError for anything that is not JSON, including a line nested
    too deeply for the parser. Lone surrogate escapes become U+FFFD."""
    try:
        return json.loads(mend_surrogates(line))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A short JSON rendering of a value for an Unparsed record."""
    if isinstance(value, str):
        return value[:limit]
    try:
        return json.dumps(value, ensure_ascii=False)[:limit]
    except (RecursionError, ValueError, TypeError):
        return "(nested too deeply to show)"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", str: "text"}.get(type(value), "a number")


def text_of(obj: dict, key: str) -> str | None:
    """A field that holds text: a string, or a number written as its digits (ids); None when
    missing or null; BadRecord for an object, a list or true/false."""
    value = obj.get(key)
    if value is None or type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return str(int(value)) if value.is_integer() else str(value)
    raise BadRecord(f"{key!r} is {_kind(value)}, not text")


def object_of(obj: dict, key: str) -> dict:
    """A field that holds an object; {} when missing or null; BadRecord for anything else."""
    value = obj.get(key)
    if value is None:
        return {}
    if type(value) is not dict:
        raise BadRecord(f"{key!r} is {_kind(value)}, not an object")
    return value


def list_of(obj: dict, key: str, item: type | None = None) -> list:
    """A field that holds a list (of ``item``, when given; nulls dropped); [] when missing or
    null; BadRecord for anything else."""
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list:
        raise BadRecord(f"{key!r} is {_kind(value)}, not a list")
    if item is None or not value:
        return value
    nulls = False
    for one in value:
        if type(one) is not item:
            if one is not None:
                raise BadRecord(f"{key!r} holds {_kind(one)}, not {_kind(item())}")
            nulls = True
    return [one for one in value if one is not None] if nulls else value


class RecentMessages:
    """Who wrote what in the last ``size`` messages, by the export's message id, so a reply
    that carries only the id of the message it quotes can show that message. Bounded: the
    oldest entry goes when a new one comes, and texts are kept short."""

    def __init__(self, size: int | None = None, chars: int = 200):
        self.size, self.chars = size or REMEMBERED, chars
        self._seen: OrderedDict[str, tuple[str, str]] = OrderedDict()  # popitem(last=False) is O(1); a dict's
        # "del d[next(iter(d))]" scans the deleted slots at its front first, 9 µs a message here

    def add(self, ref: str | None, sender: str, text: str) -> None:
        if ref is None:
            return
        seen = self._seen
        seen[ref] = (sender, text[: self.chars])  # an id seen again keeps its first place: ids do not repeat
        if len(seen) > self.size:
            seen.popitem(last=False)

    def quote(self, ref: str) -> Quote:
        """The quoted message when it was read, else its id (``#123``)."""
        found = self._seen.get(ref)
        return Quote(*found) if found else Quote(None, f"#{ref}")
