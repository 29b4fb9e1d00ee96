"""Open inputs and stream their records with line accounting; shared by audit, parse, stats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from chataudit.formats.base import Format, InputStats, Source
from chataudit.formats.registry import open_source
from chataudit.records import Event, Message, Unparsed

UNPARSED_SAMPLES = 20


@dataclass(slots=True)
class OpenInput:
    path: Path
    format: Format
    source: Source
    stats: InputStats

    def records(self) -> Iterator[Message | Event | Unparsed]:
        """Every record of the input; counts messages, events and unparsed lines as it goes."""
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


def open_input(path: Path, fmt: str, tz: tzinfo, group: str | None) -> OpenInput:
    parser, source = open_source(path, fmt, tz, group)
    return OpenInput(path, parser, source, InputStats())


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
