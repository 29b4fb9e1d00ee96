"""Shared by the table-shaped formats: CSV rows with their line numbers, timestamps in the
shapes exports use, and column names matched in Chinese or English."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo

import regex

from chataudit.errors import InputError
from chataudit.formats.base import InputStats, Source

csv.field_size_limit(64 * 1024 * 1024)  # one cell may hold a long message; a 50 MB line is still bounded


def csv_rows(source: Source, stats: InputStats) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line of the row, {header: cell}) for every data row; counts physical lines."""
    try:
        with source.path.open("r", encoding=source.encoding, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            stats.lines = reader.line_num
            if header is None:
                return
            names = [h.strip().lstrip("\ufeff") for h in header]
            start = reader.line_num + 1
            for row in reader:
                stats.lines = reader.line_num
                if any(cell.strip() for cell in row):
                    yield start, {name: cell.replace("\r\n", "\n") for name, cell in zip(names, row, strict=False)}
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise InputError(f"bytes that are not valid {source.encoding} after line {stats.lines}",
                         where=str(source.path), fix="re-save the export in one encoding (UTF-8 recommended)") from None
    except csv.Error as exc:
        raise InputError(f"broken CSV after line {stats.lines} ({exc})", where=str(source.path),
                         fix="check the quoting of that row") from None


def csv_header(head: str) -> list[str]:
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    try:
        return [h.strip() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


_NUMBER = regex.compile(r"^\d{9,13}(?:\.\d+)?$")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
            "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y.%m.%d %H:%M:%S")


def parse_when(value: str, tz: tzinfo) -> datetime:
    """ISO 8601, common Chinese layouts, or epoch seconds/milliseconds; zone-less → ``tz``."""
    text = value.strip()
    if _NUMBER.match(text):
        seconds = float(text) / (1000 if len(text.split(".")[0]) >= 12 else 1)
        return datetime.fromtimestamp(seconds, timezone.utc).astimezone(tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a timestamp: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def pick_column(names: list[str], synonyms: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower(): n for n in names}
    for synonym in synonyms:
        if synonym.lower() in lowered:
            return lowered[synonym.lower()]
    return None
