"""What the tests of the parsers' block reading (wechat-txt, whatsapp-txt, qq-txt) share: the
size of the reads, generated exports as files, the reading of a file through the whole input
pipeline, and inputs that stop it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import strategies as st

from chataudit.errors import InputError
from chataudit.formats import encoding
from chataudit.formats.base import Format, InputStats, Source
from chataudit.formats.encoding import iter_lines
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, Message, MessageRun, Unparsed
from tests.timeline import SHANGHAI

READ_SIZES = [64, 5000, encoding.CHUNK, 1 << 20]
"""Characters a read takes: a few lines, a few hundred, the parsers' own, more than the file."""


@contextmanager
def chunk(size: int) -> Iterator[None]:
    with mock.patch.object(encoding, "CHUNK", size):
        yield


ENCODINGS = ("utf-8", "utf-8", "utf-8-sig", "utf-16", "gb18030")


def saved(draw: Callable, text: str, encodings: Iterable[str] = ENCODINGS, blank_ends: int = 3) -> bytes:
    """A generated export's text as a file may end and be saved: without a final newline or with
    up to ``blank_ends`` at the end, with LF, CRLF or CR, in one of ``encodings``."""
    text = text.rstrip("\n") + "\n" * draw(st.integers(0, blank_ends))
    text = text.replace("\n", draw(st.sampled_from(["\n", "\n", "\r\n", "\r"])))
    return text.encode(draw(st.sampled_from(list(encodings))))


def written(tmp_path_factory: pytest.TempPathFactory, name: str, data: bytes) -> Path:
    """``data`` as the file ``name`` in a folder of its own."""
    path = tmp_path_factory.mktemp("gen") / name
    path.write_bytes(data)
    return path


def line_by_line(lines, source: Source, stats: InputStats) -> Iterator:
    """The reading before blocks: every line from ``iter_lines``, one at a time, through a
    parser's line-by-line state machine ``lines`` (its ``feed`` and ``end``) alone."""
    for lineno, line in iter_lines(source.path, source.encoding):
        stats.lines = lineno
        yield from lines.feed(lineno, line + "\n")
    yield from lines.end()


Read = tuple[list, InputStats | None, str | None]


def read(path: Path, fmt: str, parser: Format | None = None, runs: bool = False) -> Read:
    """Every record through the whole input pipeline (over-long lines, counting), the accounts,
    and the input error that stopped it, if any; ``parser`` reads instead of the format's own.
    With ``runs``, the source asks for runs of plain messages as columns, and each run's
    messages take its place (``expanded``)."""
    try:
        opened = open_input(path, fmt, SHANGHAI, None)
    except InputError as exc:  # an empty file
        return [], None, str(exc)
    if parser is not None:
        opened.format = parser
    if runs:
        opened.source = replace(opened.source, runs=True)
    records = []
    try:
        records.extend(expanded(opened.records()))
    except InputError as exc:
        return records, opened.stats, str(exc)
    return records, opened.stats, None


def expanded(records: Iterable[Message | Event | Unparsed | MessageRun]) -> Iterator[Message | Event | Unparsed]:
    """The records with each ``MessageRun`` replaced by its messages, once its columns are
    checked against them: the times, and the epoch seconds the batch engine reads."""
    for record in records:
        if type(record) is MessageRun:
            messages = list(record.messages())
            assert messages, "an empty run"
            assert record.moments() == [m.ts for m in messages]
            assert list(record.epochs) == [m.ts.timestamp() for m in messages]
            yield from messages
        else:
            yield record


def undecodable(good: str) -> pytest.MarkDecorator:
    """``data``: ``good`` twice with a bad byte between, and ``good`` as a truncated UTF-16 file."""
    return pytest.mark.parametrize("data", [good.encode() + b"\xff\xfe broken\n\n" + good.encode(),
                                            good.encode("utf-16") + b"\x00"], ids=["utf-8", "utf-16"])


def read_both(size: int, fast: Callable[[], Read], plain: Callable[[], Read]) -> Read:
    """``fast()`` with reads of ``size`` characters, asserted to give what ``plain()`` gives."""
    with chunk(size):
        got = fast()
    assert got == plain()
    return got
