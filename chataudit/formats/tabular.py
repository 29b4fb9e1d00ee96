"""Shared by the table-shaped formats: CSV rows with their line numbers, timestamps in the
shapes exports use, and column names matched in Chinese or English."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo

import regex

from chataudit.errors import InputError
from chataudit.formats.base import InputStats, Source

csv.field_size_limit(64 * 1024 * 1024)  # one cell may hold a long message; a 50 MB line is still bounded


def csv_rows(source: Source, stats: InputStats) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line of the row, {header: cell}) for every data row; counts physical lines."""
    rows = csv_cells(source, stats)
    for _, header in rows:
        names = header_names(header)
        for start, row in rows:
            yield start, dict(zip(names, row, strict=False))


def header_names(header: list[str]) -> list[str]:
    return [h.strip().lstrip("\ufeff") for h in header]


def csv_cells(source: Source, stats: InputStats) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, its cells) for the header row and then every data row that is
    not blank, each cell's CRLFs made LFs; counts physical lines. Nothing when the file is empty."""
    try:
        with source.path.open("r", encoding=source.encoding, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            stats.lines = reader.line_num
            if header is None:
                return
            yield 1, header
            start = reader.line_num + 1
            for row in reader:
                stats.lines = reader.line_num
                if any(map(str.strip, row)):
                    yield start, [cell.replace("\r\n", "\n") for cell in row]
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


# The instants a record may carry: every zone and every rule window can still be added to them
# (a year of margin on each side of what datetime holds); anything outside is an unparsed record.
EARLIEST = datetime(2, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9998, 12, 31, tzinfo=timezone.utc)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FIRST_SECOND, _LAST_SECOND = (EARLIEST - _EPOCH).total_seconds(), (LATEST - _EPOCH).total_seconds()
_INNER_YEARS = range(EARLIEST.year + 1, LATEST.year)  # no offset (under a day) can take these out of range


def aware(moment: datetime, tz: tzinfo) -> datetime:
    """``moment`` with ``tz`` when it has no zone; ValueError when it is not an instant a record
    can carry (year 1 at +14:00, year 9999 at -14:00: Python cannot even convert them to UTC)."""
    if moment.tzinfo is None:
        moment = datetime.combine(moment, moment.time(), tz)  # replace(tzinfo=tz), three times faster
    if moment.year in _INNER_YEARS:
        return moment
    try:
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(f"outside the years {EARLIEST.year}–{LATEST.year}")
    return moment


def from_epoch(seconds: float, tz: tzinfo) -> datetime:
    """Epoch seconds as an aware time in ``tz``; ValueError for NaN, infinities and anything
    outside the years a record can carry (``1e300``)."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or not _FIRST_SECOND <= seconds <= _LAST_SECOND:
        raise ValueError(f"epoch time outside the years {EARLIEST.year}–{LATEST.year}")
    try:
        return datetime.fromtimestamp(seconds, tz)
    except (OverflowError, OSError):  # a platform whose time_t stops short (before 1970 on Windows)
        return (_EPOCH + timedelta(seconds=seconds)).astimezone(tz)


def parse_when(value: str, tz: tzinfo) -> datetime:
    """ISO 8601, common Chinese layouts, or epoch seconds/milliseconds; zone-less → ``tz``.
    ValueError for anything else, and for instants no record can carry (see ``aware``)."""
    text = value.strip()
    if (len(text) <= 13 or "." in text) and _NUMBER.match(text):  # a longer text without "." is no number
        return from_epoch(float(text) / (1000 if len(text.split(".")[0]) >= 12 else 1), tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _numeric_layout(text)
    if moment is None:
        for fmt in _FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a timestamp: {value!r}") from None
    return aware(moment, tz)


_NUMERIC_LAYOUT = re.compile("|".join([
    r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2}) ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?",  # %Y-%m-%d, %Y/%m/%d
    r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日 ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?",
    r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2})",  # %Y.%m.%d only with seconds
]))


def _numeric_layout(text: str) -> datetime | None:
    """The time of a text in a layout of ``_FORMATS`` (``2023/1/2 8:30`` as spreadsheets save it,
    ``2023年1月2日 08:30``), read without ``strptime``, which costs 20–80 µs a row as it tries
    the formats in turn; None for any other text, and for a date or time that does not exist,
    which ``strptime`` then rejects as it always did. What this reads, the formats read alike:
    ASCII digits, one space, the same separator twice."""
    m = _NUMERIC_LAYOUT.fullmatch(text)
    if m is None:
        return None
    fields = [int(f) for f in m.groups() if f is not None and f.isdigit()]
    try:
        return datetime(*fields)
    except ValueError:
        return None


def pick_column(names: list[str], synonyms: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower(): n for n in names}
    for synonym in synonyms:
        if synonym.lower() in lowered:
            return lowered[synonym.lower()]
    return None
