"""What the tests of the parsers' block reading (wechat-txt, whatsapp-txt) share: the size of
the reads, the reading of a file through the whole input pipeline, and inputs that stop it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest

from chataudit.errors import InputError
from chataudit.formats import encoding
from chataudit.formats.base import Format, InputStats
from chataudit.jobs.inputs import open_input
from tests.timeline import SHANGHAI

READ_SIZES = [64, 5000, encoding.CHUNK, 1 << 20]
"""Characters a read takes: a few lines, a few hundred, the parsers' own, more than the file."""


@contextmanager
def chunk(size: int) -> Iterator[None]:
    with mock.patch.object(encoding, "CHUNK", size):
        yield


Read = tuple[list, InputStats | None, str | None]


def read(path: Path, fmt: str, parser: Format | None = None) -> Read:
    """Every record through the whole input pipeline (over-long lines, counting), the accounts,
    and the input error that stopped it, if any; ``parser`` reads instead of the format's own."""
    try:
        opened = open_input(path, fmt, SHANGHAI, None)
    except InputError as exc:  # an empty file
        return [], None, str(exc)
    if parser is not None:
        opened.format = parser
    records = []
    try:
        records.extend(opened.records())
    except InputError as exc:
        return records, opened.stats, str(exc)
    return records, opened.stats, None


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
