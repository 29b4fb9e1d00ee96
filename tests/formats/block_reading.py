"""What the tests of the parsers' block reading (wechat-txt, whatsapp-txt) share: the size of
the reads, the reading of a file through the whole input pipeline, and inputs that stop it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest

from chataudit.errors import InputError
from chataudit.formats import encoding
from chataudit.formats.base import Format, InputStats
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, Message, MessageRun, Unparsed
from tests.timeline import SHANGHAI

READ_SIZES = [64, 5000, encoding.CHUNK, 1 << 20]
"""Characters a read takes: a few lines, a few hundred, the parsers' own, more than the file."""


@contextmanager
def chunk(size: int) -> Iterator[None]:
    with mock.patch.object(encoding, "CHUNK", size):
        yield


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
