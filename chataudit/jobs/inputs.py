"""Open inputs and stream their records with line accounting; shared by audit, parse, stats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from chataudit.errors import InputError
from chataudit.formats.base import Format, InputOptions, InputStats, Source
from chataudit.formats.registry import container_format, open_source
from chataudit.records import Event, Message, Unparsed

UNPARSED_SAMPLES = 20


@dataclass(slots=True)
class OpenInput:
    path: Path
    format: Format
    source: Source
    stats: InputStats

    def records(self) -> Iterator[Message | Event | Unparsed]:
        """Every record of the input; counts messages, events and unparsed lines as it goes.
        A decoding failure anywhere in any parser (a truncated UTF-16 file) is an input error."""
        try:
            yield from self._records()
        except UnicodeDecodeError:
            raise InputError(f"bytes that are not valid {self.source.encoding} after line {self.stats.lines}",
                             where=str(self.path), fix="re-save the export in one encoding (UTF-8 recommended)") from None

    def _records(self) -> Iterator[Message | Event | Unparsed]:
        stats = self.stats
        for record in self.format.parse(self.source, stats):
            if isinstance(record, Message):
                stats.messages += 1
            elif isinstance(record, Event):
                stats.events += 1
            else:
                stats.unparsed_lines += 1
                if len(stats.unparsed_samples) < UNPARSED_SAMPLES and record.loc.line is not None:
                    stats.unparsed_samples.append(record.loc.line)
            yield record


def open_input(path: Path, fmt: str, tz: tzinfo, group: str | None,
               options: InputOptions | None = None) -> OpenInput:
    parser, source = open_source(path, fmt, tz, group, options)
    return OpenInput(path, parser, source, InputStats())


def expand(paths: list[Path]) -> list[Path]:
    """The inputs to read: files as given; a folder that is one export (Slack) as is; any
    other folder as the files inside it, in name order (hidden files skipped)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError("file not found", where=str(path), fix="check the path")
        if not path.is_dir() or container_format(path):
            found.append(path)
            continue
        inside = sorted(p for p in path.rglob("*") if p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not inside:
            raise InputError("folder has no files", where=str(path), fix="pass the export files")
        found.extend(inside)
    return found


def check_strict(opened: "OpenInput") -> None:
    """--strict: any unparsed line is an error, naming the first few."""
    stats = opened.stats
    if stats.unparsed_lines:
        where = ", ".join(map(str, stats.unparsed_samples[:5])) or "?"
        raise InputError(f"{stats.unparsed_lines} line(s) could not be parsed (lines {where})",
                         where=str(opened.path), fix="`chataudit parse` shows them; drop --strict to audit the rest")


def within(records: Iterator[Message | Event | Unparsed], since: datetime | None,
           until: datetime | None) -> Iterator[Message | Event]:
    """The parsed records inside [since, until); unparsed ones are already counted."""
    for record in records:
        if isinstance(record, Unparsed):
            continue
        if since is not None and record.ts < since:
            continue
        if until is not None and record.ts >= until:
            continue
        yield record
