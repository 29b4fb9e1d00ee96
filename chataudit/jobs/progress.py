"""A progress display for long runs: files done, messages read, messages per second. On stderr
and only when stderr is a terminal, so pipes, files and CI logs never see it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

T = TypeVar("T")
EVERY = 5_000  # records between refreshes: cheap enough not to show in the profile


class Progress:
    def __init__(self, *, enabled: bool, total: int):
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[messages]:,} 条消息 · {task.fields[rate]:,.0f}/s"),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True) if self.enabled else None
        self._task = self._bar.add_task("审计", total=total, messages=0, rate=0) if self._bar else None
        self._messages = 0

    def __enter__(self) -> "Progress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def counting(self, records: Iterator[T]) -> Iterator[T]:
        if self._bar is None:
            yield from records
            return
        for n, record in enumerate(records, 1):
            if n % EVERY == 0:
                self.advance(0, EVERY)
            yield record

    def advance(self, files: int, messages: int) -> None:
        if self._bar is None:
            return
        self._messages += messages
        task = self._bar.tasks[0]
        rate = self._messages / task.elapsed if task.elapsed else 0
        self._bar.update(self._task, advance=files, messages=self._messages, rate=rate)
