"""A progress display for long runs: bytes read of all inputs, messages, messages per second.
On stderr and only when stderr is a terminal, so pipes, files and CI logs never see it.

The streaming readers (text lines, JSON arrays) report how far into their file they are
through ``formats.encoding.BYTES_READ``; a reader that does not (a Slack folder, a
spreadsheet) moves the bar when its file is done."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

from chataudit.formats.encoding import BYTES_READ
from chataudit.records import MessageRun

T = TypeVar("T")
EVERY = 5_000  # records between refreshes: cheap enough not to show in the profile


def input_bytes(path: Path) -> int:
    """The size the bar counts for an input: a file's size, a folder's files together."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


class Progress:
    def __init__(self, *, enabled: bool, paths: list[Path]):
        enabled = enabled and sys.stderr.isatty()
        self._sizes = {path: input_bytes(path) for path in paths} if enabled else {}
        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                 TextColumn("{task.fields[messages]:,} 条消息 · {task.fields[rate]:,.0f}/s"),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True) if enabled else None
        self._task = self._bar.add_task("审计", total=sum(self._sizes.values()), messages=0,
                                        rate=0) if self._bar else None
        self._done_bytes = 0  # of the inputs finished
        self._messages = 0

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def counting(self, records: Iterator[T], path: Path) -> Iterator[T]:
        """The records of one input, passed through; the bar follows the reader's position."""
        if self._bar is None:
            yield from records
            return
        size = self._sizes.get(path, 0)
        token = BYTES_READ.set(lambda position: self._bar.update(
            self._task, completed=self._done_bytes + min(position, size)))
        try:
            read = 0
            for record in records:
                read += len(record) if type(record) is MessageRun else 1
                if read >= EVERY:
                    self.advance([], read)
                    read = 0
                yield record
            self.advance([], read)
        finally:
            BYTES_READ.reset(token)

    def advance(self, finished: list[Path], messages: int) -> None:
        """Inputs finished (their whole size counts as read) and messages read since the last call."""
        if self._bar is None:
            return
        self._done_bytes += sum(self._sizes.get(path, 0) for path in finished)
        self._messages += messages
        task = self._bar.tasks[0]
        rate = self._messages / task.elapsed if task.elapsed else 0
        update = {"completed": self._done_bytes} if finished else {}
        self._bar.update(self._task, messages=self._messages, rate=rate, **update)
