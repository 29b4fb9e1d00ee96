"""Detect a text file's encoding from its first bytes and stream its lines.

Order: a BOM decides (UTF-8, UTF-16); otherwise the head must decode as UTF-8, else as
GB18030 (a superset of GBK and GB2312). A NUL byte outside UTF-16 means binary data.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

from chataudit.errors import InputError

HEAD_BYTES = 64 * 1024
BYTES_READ: ContextVar[Callable[[int], None] | None] = ContextVar("chataudit_bytes_read", default=None)
"""Set by the progress display: the streaming readers tell it, now and then, how many bytes
of the file they have read."""
_TELL_EVERY = 4096  # lines
MAX_LINE = 1 << 20
"""Characters of one line that are read. A chat line is never near this; a file with no line
break at all (2 GB) would otherwise be read into memory whole."""
LONG_LINES: ContextVar[list[tuple[int, int]] | None] = ContextVar("chataudit_long_lines", default=None)
"""Set by the input being read: (line number, characters not read) for each over-long line,
so that the rest of the line is counted as unparsed, with its length."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except FileNotFoundError:
        raise InputError("file not found", where=str(path), fix="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", where=str(path)) from None


def detect_encoding(head: bytes, path: Path) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        raise InputError("binary data, not a text or JSON chat export", where=str(path),
                         fix="export the chat as text/CSV/JSON and pass that file")
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    raise InputError("not readable as UTF-8, UTF-16 or GB18030 text", where=str(path),
                     fix="re-save the export as UTF-8")


def _decodes(head: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(head, final=len(head) < HEAD_BYTES)  # a cut multi-byte tail is fine
    except UnicodeDecodeError:
        return False
    return True


def decode_head(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)


def iter_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end) for every line; streams the file."""
    lineno = 0
    tell = BYTES_READ.get()
    try:
        with path.open("r", encoding=encoding, newline=None) as fh:
            while line := fh.readline(MAX_LINE):
                lineno += 1
                if tell is not None and not lineno % _TELL_EVERY:
                    tell(fh.buffer.tell())
                if len(line) == MAX_LINE and not line.endswith("\n"):
                    _long_line(lineno, _skip_rest_of_line(fh))
                yield lineno, line.rstrip("\n")
    except UnicodeDecodeError:
        raise InputError(f"bytes that are not valid {encoding} after line {lineno}",
                         where=str(path),
                         fix="re-save the export in one encoding (UTF-8 recommended)") from None


def _skip_rest_of_line(fh) -> int:
    """Read past the rest of an over-long line, a block at a time; its length in characters."""
    skipped = 0
    while block := fh.readline(MAX_LINE):
        if block.endswith("\n"):
            return skipped + len(block) - 1
        skipped += len(block)
    return skipped


def _long_line(lineno: int, skipped: int) -> None:
    found = LONG_LINES.get()
    if skipped and found is not None:
        found.append((lineno, skipped))


CHUNK = 1 << 16
"""Characters read at a time: enough for thousands of lines, few enough that the progress
display (``BYTES_READ``) hears of every few thousand. Tests make it tiny."""


class _LongLine(Exception):
    """A line longer than ``MAX_LINE``: only ``iter_lines`` caps and reports it."""


def line_blocks(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(number of the first line, whole lines each ending in a newline): the lines ``iter_lines``
    gives, read ``CHUNK`` characters at a time. A line longer than ``MAX_LINE`` or bytes that do
    not decode hand the rest of the file over to ``iter_lines`` itself, from the first line not
    yet given, so that the capped line, ``LONG_LINES`` and the error's line number stay its own."""
    done = 0  # lines given
    try:
        for text in _chunks(path, encoding):
            yield done + 1, text
            done += text.count("\n")
    except (UnicodeDecodeError, _LongLine):
        yield from ((lineno, line + "\n") for lineno, line in iter_lines(path, encoding) if lineno > done)


def _chunks(path: Path, encoding: str) -> Iterator[str]:
    """Whole lines, a read at a time, through the same text file object as ``iter_lines`` (its
    decoder, BOM handling and ``\\r``/``\\r\\n`` line ends); a last line without a newline gets one.
    Tells ``BYTES_READ`` after every read, for the progress display."""
    tell = BYTES_READ.get()
    rest = ""  # the start of the line the last read cut
    with path.open("r", encoding=encoding, newline=None) as fh:
        while chunk := fh.read(CHUNK):
            if tell is not None:
                tell(fh.buffer.tell())
            text = rest + chunk
            if len(text) > MAX_LINE and max(map(len, text.split("\n"))) > MAX_LINE:  # one iter_lines caps
                raise _LongLine
            cut = text.rfind("\n") + 1
            rest = text[cut:]
            if cut:
                yield text[:cut]
    if rest:
        yield rest + "\n"
