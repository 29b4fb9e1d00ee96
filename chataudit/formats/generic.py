"""generic-csv / generic-jsonl: any table of messages, mapped by column name.

The mapping comes from ``--map timestamp=时间,sender=发送人,text=内容`` or ``[input.mapping]``
in the policy; without one, common Chinese and English column names are recognised. Needed:
a timestamp and a sender; optional: text, group, sender_id, kind. A row with an empty sender
is a system line. Timestamps may be ISO 8601, ``YYYY-MM-DD HH:MM:SS`` and similar, or epoch
seconds or milliseconds. A row whose timestamp is not one, or (JSON Lines) whose mapped field
holds an object or a list, is an unparsed record with the reason; the rows after it are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain

from chataudit.errors import InputError
from chataudit.formats.base import (
    Format, InputStats, RunBuilder, Source, find_mentions, placeholder_kind, system_event,
)
from chataudit.formats.encoding import iter_lines
from chataudit.formats.jsonstream import BadRecord, excerpt, loads, text_of
from chataudit.formats.tabular import csv_cells, csv_header, header_names, parse_when, pick_column
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, MessageRun, Unparsed

SYNONYMS = {
    "timestamp": ("timestamp", "time", "datetime", "date", "时间", "发送时间", "日期时间", "消息时间", "日期", "ts"),
    "sender": ("sender", "from", "author", "user", "name", "发送人", "发送者", "发言人", "昵称", "群昵称", "成员"),
    "text": ("text", "content", "message", "msg", "body", "内容", "消息", "消息内容", "聊天内容"),
    "group": ("group", "chat", "channel", "room", "群", "群名", "群聊", "群名称"),
    "sender_id": ("sender_id", "user_id", "userid", "uid", "wxid", "账号", "微信号"),
    "kind": ("kind", "type", "msgtype", "类型", "消息类型"),
}
KINDS = {k.value: k for k in Kind}


def column_map(names: list[str], given: dict[str, str], where: str) -> dict[str, str]:
    mapping = {key: pick_column(names, SYNONYMS[key]) for key in SYNONYMS}
    mapping.update(given)
    unknown = set(given) - set(SYNONYMS)
    if unknown:
        raise InputError(f"--map names unknown field(s) {', '.join(sorted(unknown))}", where=where,
                         fix=f"map some of: {', '.join(SYNONYMS)}")
    missing = [key for key in ("timestamp", "sender") if not mapping.get(key) or mapping[key] not in names]
    if missing:
        raise InputError(f"no column for {', '.join(missing)} (columns: {', '.join(names[:12])})", where=where,
                         fix="pass --map timestamp=COLUMN,sender=COLUMN,text=COLUMN")
    return {key: col for key, col in mapping.items() if col}


def row_record(row: dict, mapping: dict[str, str], source: Source, loc: Location,
               run: RunBuilder | None = None) -> Message | Event | Unparsed | None:
    """A record from a row of named fields (a JSON object, or a CSV row as a dict); None when
    it belongs to a group another ``--jobs`` part audits (``Source.share``), or went into ``run``."""
    def field(key: str) -> str:  # CSV cells are text; a JSON field may be a number, or the wrong type
        return (text_of(row, mapping[key]) or "") if key in mapping else ""

    try:
        return _record(field, source, loc.path, loc.line, run)
    except BadRecord as exc:
        return Unparsed(loc, excerpt(row), str(exc))


def _record(field: Callable[[str], str], source: Source, path: str, line: int | None,
            run: RunBuilder | None) -> Message | Event | None:
    """The record of a row whose mapped fields ``field`` reads, each only when needed (a JSON
    field of the wrong type is an error only where it is used). A row of a group this
    ``--jobs`` part does not audit is left out, once every field a full record reads has been
    read: it is unparsed exactly when the full record would be. A message without a mention
    goes into ``run`` when there is one, and None is returned."""
    group = source.group or field("group").strip() or source.path.stem
    when = field("timestamp").strip()
    try:
        ts = parse_when(when, source.tz)
    except ValueError as exc:
        why = "" if str(exc).startswith("not a timestamp") else f" ({exc})"  # out of range: say so
        raise BadRecord(f"bad timestamp {when[:40]!r}{why}") from None
    text = field("text")
    sender = field("sender").strip()
    if sender:
        kind, sender_id = field("kind").strip().lower(), field("sender_id").strip()
    share = source.share
    if share is not None and not share.owns(group):
        share.skip(ts, bool(sender))
        return None
    if not sender:
        return system_event(group, ts, text.strip(), Location(path, line))
    kind, mentions = KINDS.get(kind) or placeholder_kind(text), find_mentions(text)
    if run is not None and not mentions:
        if share is not None:
            share.keep(ts)
        run.add(group, ts, sender, kind, text, line, sender_id or None)
        return None
    return Message(group, ts, sender, kind, text, Location(path, line), sender_id=sender_id or None, mentions=mentions)


def _csv_records(rows: Iterator[tuple[int, list[str]]], names: list[str], mapping: dict[str, str],
                 source: Source) -> Iterator[Message | Event | Unparsed | MessageRun]:
    """The records of CSV rows. A row with as many cells as the header reads its fields by
    position (the last column of a repeated name, as a dict of the row would); a ragged row,
    or one that is not a record, goes through ``row_record``, which says why."""
    width, path = len(names), str(source.path)
    last = {name: index for index, name in enumerate(names)}
    at = {key: last[column] for key, column in mapping.items() if column in last}
    run = RunBuilder(path) if source.runs else None
    for lineno, cells in rows:
        if len(cells) == width:
            try:
                record = _record(lambda key: cells[at[key]] if key in at else "", source, path, lineno, run)
            except BadRecord:
                record = row_record(dict(zip(names, cells, strict=False)), mapping, source, Location(path, lineno), run)
        else:
            record = row_record(dict(zip(names, cells, strict=False)), mapping, source, Location(path, lineno), run)
        yield from _in_order(record, run)
    if run is not None:
        yield from run.take()


def _in_order(record: Message | Event | Unparsed | None,
              run: RunBuilder | None) -> Iterator[Message | Event | Unparsed | MessageRun]:
    """What a row gives, after the plain messages collected before it (a full run goes too)."""
    if run is not None and (record is not None or run.full):
        yield from run.take()
    if record is not None:
        yield record


class GenericCsv(Format):
    name = "generic-csv"
    title = Text("通用 CSV（按列名映射）", "Generic CSV (columns mapped by name)")
    producer = "any tool or spreadsheet; --map or [input.mapping] names the columns"
    versions = "any CSV with a header row (UTF-8, UTF-16 or GB18030); ISO 8601, 年月日 or epoch times"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        names = csv_header(head)
        if len(names) < 2:
            return 0.0
        found = [pick_column(names, SYNONYMS[key]) for key in ("timestamp", "sender")]
        return 0.6 if all(found) else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        rows = csv_cells(source, stats)
        header, first = next(rows, None), next(rows, None)
        if first is None:  # no data row: no column map to check either
            return
        names = header_names(header[1])
        mapping = column_map(names, source.options.mapping, str(source.path))
        yield from _csv_records(chain([first], rows), names, mapping, source)


class GenericJsonl(Format):
    name = "generic-jsonl"
    title = Text("通用 JSON Lines（按字段映射）", "Generic JSON Lines (fields mapped by name)")
    producer = "any tool; one JSON object a line; --map or [input.mapping] names the fields"
    versions = "any JSON Lines; a field may hold text or a number; ISO 8601, 年月日 or epoch times"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
        try:
            row = loads(first)
        except ValueError:  # not JSON, or nested too deeply to be a row
            return 0.0
        if not isinstance(row, dict):
            return 0.0
        found = [pick_column(list(row), SYNONYMS[key]) for key in ("timestamp", "sender")]
        return 0.6 if all(found) else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        mapping = None
        path = str(source.path)
        run = RunBuilder(path) if source.runs else None
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                continue
            loc = Location(path, lineno)
            try:
                row = loads(line.lstrip("\ufeff"))
            except ValueError as exc:
                yield from _in_order(Unparsed(loc, excerpt(line), f"not a JSON object ({str(exc)[:80]})"), run)
                continue
            if not isinstance(row, dict):
                yield from _in_order(Unparsed(loc, excerpt(line), "not a JSON object"), run)
                continue
            mapping = mapping or column_map(list(row), source.options.mapping, path)
            yield from _in_order(row_record(row, mapping, source, loc, run), run)
        if run is not None:
            yield from run.take()
