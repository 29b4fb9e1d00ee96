"""`chataudit parse`: the normalised records as JSON Lines, for debugging and pipelines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import tzinfo
from pathlib import Path

from chataudit.formats.base import InputOptions
from chataudit.jobs.inputs import check_strict, open_input
from chataudit.records import Event, Message, Unparsed
from chataudit.report.base import json_text


def record_json(record: Message | Event | Unparsed) -> dict:
    data = asdict(record)
    data = {"type": type(record).__name__.lower(), **data}
    if "ts" in data:
        data["ts"] = record.ts.isoformat()
    for key in ("kind",):
        if key in data:
            data[key] = str(data[key])
    data["loc"] = {key: value for key, value in data["loc"].items() if value is not None}
    return {key: value for key, value in data.items() if value not in (None, (), [], {})}


def parse_lines(path: Path, fmt: str, tz: tzinfo, group: str | None,
                options: InputOptions | None = None, strict: bool = False) -> Iterator[str]:
    opened = open_input(path, fmt, tz, group, options)
    for record in opened.records():
        yield json_text(record_json(record), separators=(",", ":"))
    if strict:
        check_strict(opened)
    stats = opened.stats
    if why := opened.nothing_read():
        stats.notes[:] = [why]
    yield json_text({"type": "summary", "path": opened.shown, "format": opened.format.name,
                      "encoding": opened.source.encoding, "lines": stats.lines, "messages": stats.messages,
                      "events": stats.events, "unparsed_lines": stats.unparsed_lines,
                      **({"notes": stats.notes} if stats.notes else {})})
