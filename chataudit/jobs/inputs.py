"""Open inputs and stream their records with line accounting; shared by audit, parse, stats."""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from bisect import insort
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import BinaryIO

from chataudit.errors import InputError
from chataudit.formats.base import Format, InputOptions, InputStats, Source
from chataudit.formats.encoding import LONG_LINES, MAX_LINE
from chataudit.formats.registry import container_format, open_source
from chataudit.records import Event, Location, Message, MessageRun, Unparsed

UNPARSED_SAMPLES = 20
STDIN = "-"
_SPOOLS: list[tempfile.TemporaryDirectory] = []  # removed when the process ends


@dataclass(frozen=True, slots=True)
class InputFile:
    """An input as it is read (``path``) and as reports name it (``shown``): the same, except
    for standard input and pipes, which are read once into a temporary file."""

    path: Path
    shown: str


def as_input(path: Path) -> InputFile:
    """A regular file, folder or archive as it is; ``-``, a pipe, a FIFO or a device read once
    into a temporary file (sniffing reads the head and then reopens, which a pipe cannot do)."""
    if str(path) == STDIN:
        return InputFile(_spool(sys.stdin.buffer, "stdin"), STDIN)
    try:
        if path.is_file() or path.is_dir():
            return InputFile(path, str(path))
        if not path.exists():
            raise InputError("file not found", where=str(path), fix="check the path")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO nobody writes to must not hang the open
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror})", where=str(path), fix="check the path and its permissions") from None
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as stream:
        return InputFile(_spool(stream, path.name), str(path))


def _spool(stream: BinaryIO, name: str) -> Path:
    """Copy a stream to a temporary file of the same name (formats look at the name), in
    blocks: memory stays flat whatever the size."""
    folder = tempfile.TemporaryDirectory(prefix="chataudit-")
    _SPOOLS.append(folder)
    target = Path(folder.name) / (name or "stdin")
    with target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    return target


@dataclass(slots=True)
class OpenInput:
    path: Path
    format: Format
    source: Source
    stats: InputStats
    shown: str  # the name reports use (standard input: "-")
    forced: bool = False  # the format was named with --format, not sniffed

    def nothing_read(self) -> str | None:
        """Why a forced format gave no record, once the input is read: the user named the
        wrong layout. It replaces the reader's own notes (a date order of no dates helps nobody)."""
        stats = self.stats
        if not self.forced or stats.messages or stats.events:
            return None
        try:
            guess = f"; it looks like {_sniffed(self.path)}"
        except InputError:
            guess = ""
        return (f"--format {self.format.name} read no message or event from its {stats.lines} line(s): "
                f"the file is in another layout{guess}")

    def records(self) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """Every record of the input; counts messages, events and unparsed lines as it goes.
        A decoding failure anywhere in any parser (a truncated UTF-16 file) is an input error.
        Runs of plain messages come as ``MessageRun``\\ s only if the source asks for them."""
        try:
            yield from self._records()
        except UnicodeDecodeError:
            raise InputError(f"bytes that are not valid {self.source.encoding} after line {self.stats.lines}",
                             where=self.shown, fix="re-save the export in one encoding (UTF-8 recommended)") from None

    def _records(self) -> Iterator[Message | Event | Unparsed | MessageRun]:
        long_lines: list[tuple[int, int]] = []
        token = LONG_LINES.set(long_lines)
        try:
            for record in self._counted(self.format.parse(self.source, self.stats)):
                yield record
                if long_lines:
                    yield from self._counted(self._rest_of_long_lines(long_lines))
            yield from self._counted(self._rest_of_long_lines(long_lines))
        finally:
            LONG_LINES.reset(token)

    def _shown(self, path: str) -> str:
        return path.replace(str(self.path), self.shown, 1)

    def _rest_of_long_lines(self, long_lines: list[tuple[int, int]]) -> Iterator[Unparsed]:
        for lineno, skipped in long_lines:
            yield Unparsed(Location(self.shown, lineno), "", f"the line is longer than {MAX_LINE:,} characters: "
                           f"the first {MAX_LINE:,} were read, the other {skipped:,} were not")
        long_lines.clear()

    def _counted(self, records: Iterator[Message | Event | Unparsed | MessageRun]
                 ) -> Iterator[Message | Event | Unparsed | MessageRun]:
        stats = self.stats
        renamed = self.shown != str(self.path)
        for record in records:
            if type(record) is MessageRun:
                stats.messages += len(record)
                yield replace(record, path=self._shown(record.path)) if renamed else record
                continue
            if renamed:
                record = replace(record, loc=replace(record.loc, path=self._shown(record.loc.path)))
            if isinstance(record, Message):
                stats.messages += 1
            elif isinstance(record, Event):
                stats.events += 1
            else:
                stats.unparsed_lines += 1
                if record.loc.line is not None:
                    _sample(stats.unparsed_samples, record.loc.line)
            yield record


def _sample(samples: list[int], line: int) -> None:
    """Keep the ``UNPARSED_SAMPLES`` first line numbers, in order, whatever order the unparsed
    records come in: a reader that hands plain messages over in runs reports an over-long
    line's note later among its other unparsed lines than one that does not."""
    if len(samples) < UNPARSED_SAMPLES:
        insort(samples, line)
    elif line < samples[-1]:
        samples.pop()
        insort(samples, line)


def open_input(given: Path | InputFile, fmt: str, tz: tzinfo, group: str | None,
               options: InputOptions | None = None) -> OpenInput:
    file = given if isinstance(given, InputFile) else as_input(given)
    try:
        parser, source = open_source(file.path, fmt, tz, group, options)
    except InputError as exc:
        if exc.where != str(file.path):
            raise
        raise InputError(exc.what, where=file.shown, fix=exc.fix) from None
    return OpenInput(file.path, parser, source, InputStats(), file.shown, forced=fmt != "auto")


def _sniffed(path: Path) -> str:
    return open_source(path, "auto", timezone.utc, None)[0].name


def expand(paths: list[Path]) -> list[InputFile]:
    """The inputs to read: files as given; a folder that is one export (Slack, an unpacked
    WhatsApp chat) as is; any other folder as the exports inside it, in path order (hidden
    ones skipped), where a sub-folder that is one export stays one input; standard input and
    pipes read once."""
    found: list[InputFile] = []
    for path in paths:
        file = as_input(path)
        if not file.path.is_dir() or container_format(file.path):
            found.append(file)
            continue
        inside = sorted(_exports_in(path), key=str)
        if not inside:
            raise InputError("folder has no files", where=str(path), fix="pass the export files")
        found.extend(InputFile(p, str(p)) for p in inside)
    return found


def _exports_in(folder: Path) -> Iterator[Path]:
    for child in folder.iterdir():
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from ([child] if container_format(child) else _exports_in(child))
        elif child.is_file():
            yield child


def check_strict(opened: "OpenInput") -> None:
    """--strict: any unparsed line is an error, naming the first few."""
    stats = opened.stats
    if stats.unparsed_lines:
        where = ", ".join(map(str, stats.unparsed_samples[:5])) or "?"
        raise InputError(f"{stats.unparsed_lines} line(s) could not be parsed (lines {where})",
                         where=opened.shown, fix="`chataudit parse` shows them; drop --strict to audit the rest")


def within(records: Iterator[Message | Event | Unparsed | MessageRun], since: datetime | None,
           until: datetime | None) -> Iterator[Message | Event | MessageRun]:
    """The parsed records inside [since, until); unparsed ones are already counted."""
    for record in records:
        if isinstance(record, Unparsed):
            continue
        if type(record) is MessageRun:
            if since is not None or until is not None:
                record = record.where([(since is None or ts >= since) and (until is None or ts < until)
                                       for ts in record.moments()])
            if record:
                yield record
            continue
        if since is not None and record.ts < since:
            continue
        if until is not None and record.ts >= until:
            continue
        yield record
