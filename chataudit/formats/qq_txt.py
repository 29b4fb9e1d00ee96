"""qq-txt: the text export of QQ 消息管理器 (PC QQ → 消息管理器 → 导出为 .txt).

Layout: an optional preamble (``消息记录（此消息记录为文本格式，不支持重新导入）``, ``=====``
rules, ``消息分组:…``, ``消息对象:…``; an export of one conversation may come without it), then
messages: a sender line, the content lines, one blank line. The sender line is
``date time name(QQ号)`` or ``date time name<e-mail>`` in groups, and ``date time name`` with
no id in a private chat. The hour is not zero-padded (``8:55:10``); 12-hour locales write
``8:56:02 PM`` (``12:12:29 AM`` is 00:12:29); a title such as ``【管理员】`` may prefix the name.
A new ``消息对象`` section starts another conversation (group). System notices come from
``系统消息(10000)`` or ``系统消息(1000000)`` with the notice as content.

Documented by public parsers of these files: hikariyo/qq-chat-history (``<e-mail>`` ids,
private chats without ids), and the snapshot tests of a TRPG log tool's ``parser_chat``
("exported from log": AM/PM, e-mail ids, private chat).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import regex

from chataudit.formats.base import (
    Format, RunBuilder, TextBlock, InputStats, Source, find_mentions, placeholder_kind, system_event,
    unparsed_lines,
)
from chataudit.formats.encoding import iter_lines
from chataudit.i18n import Text
from chataudit.records import Event, Location, Message, MessageRun, Unparsed

_WHEN = r"^(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{2}:\d{2})(?: ?([AP]M))? (?:【(?P<title>[^】]*)】)?"
SENDER = regex.compile(_WHEN + r"(?P<name>.*?)(?:\((?P<qq>\d{4,12})\)|<(?P<mail>[^<>\s]+@[^<>\s]+)>)$")
NAMED = regex.compile(_WHEN + r"(?P<name>\S.*?)\s*$")  # a private chat: no id after the name
OBJECT = regex.compile(r"^消息对象[:：](.*)$")
PREAMBLE = regex.compile(r"^(?:消息记录（此消息记录为文本格式，不支持重新导入）|=+|消息分组[:：].*)$")
SYSTEM_IDS = frozenset({"10000", "1000000"})

# For telling QQ from WeChat when there is no preamble: any line that starts like a header.
_STAMP = regex.compile(r"^\d{4}-(\d{1,2})-(\d{1,2}) (\d{1,2}):\d{2}:\d{2}(?:( ?[AP]M)(?= |$))?(?: (.*))?$")
_ID_END = regex.compile(r"(?:\(\d{4,12}\)|<[^<>\s]+@[^<>\s]+>)$")


def qq_evidence(head: str) -> tuple[int, int]:
    """How strongly the header lines of ``head`` look like QQ's and like WeChat's.

    Only QQ writes a 12-hour clock, an unpadded hour, month or day (``2019-9-3 8:43:38 PM``)
    and ends every group sender with ``(QQ号)`` or ``<e-mail>``; only WeChat pads the hour
    (``08:55:10``) and writes a bare timestamp (a MemoTrace 2.x system line). A header is a
    line at the start or after a blank line."""
    qq = wechat = 0
    blank = True
    for line in head.splitlines():
        if not line.strip():
            blank = True
            continue
        m = _STAMP.match(line) if blank else None
        blank = False
        if m is None:
            continue
        month, day, hour, meridiem, rest = m.groups()
        if meridiem or len(hour) == 1 or len(month) == 1 or len(day) == 1:
            qq += 2
        elif hour.startswith("0"):
            wechat += 2
        if rest is None:
            wechat += 2
        elif _ID_END.search(rest):
            qq += 1
        elif not meridiem:
            wechat += 1
    return qq, wechat


class QQTxt(Format):
    name = "qq-txt"
    title = Text("QQ 消息管理器文本导出", "QQ message manager text export")
    producer = "QQ 消息管理器 → 导出消息记录 (.txt)"
    versions = "PC QQ 消息管理器 .txt, with or without the 消息记录 preamble; 24- or 12-hour clock; QQ号, e-mail or no id"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        if "消息记录（此消息记录为文本格式" in head[:300] or "消息对象:" in head[:2000]:
            return 0.95
        lines = [line.lstrip("\ufeff") for line in head.splitlines() if line.strip()][:20]
        if not any(SENDER.match(line) or NAMED.match(line) for line in lines):
            return 0.0
        qq, wechat = qq_evidence(head)
        return 0.92 if qq > wechat else 0.4

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        group = source.group or source.path.stem
        # no runs in a --jobs part: they would pass its filter by group (engine._own), and qq-txt
        # is not split (its sections are one conversation after another, not in time order)
        run = RunBuilder(str(source.path)) if source.runs and source.share is None else None
        block: TextBlock | None = None
        blanks = 0
        ids = False  # this conversation's senders carry ids: a line without one is not a header
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                blanks += 1
                continue
            if lineno == 1:
                line = line.lstrip("\ufeff")
            section = OBJECT.match(line)
            if section or (PREAMBLE.match(line) and (block is None or blanks)):
                if block is not None:
                    yield from self._finish(block, group, source, run)
                    block = None
                if section:
                    ids = False
                    if not source.group:
                        group = section[1].strip() or group
                blanks = 0
                continue
            if block is None or blanks:
                header = SENDER.match(line)
                if header is None and not ids:
                    header = NAMED.match(line)
                elif header is not None and header["name"].strip() != "系统消息":
                    ids = True
                if header is not None:
                    if block is not None:
                        yield from self._finish(block, group, source, run)
                    block, blanks = TextBlock(lineno, header), 0
                    continue
            if block is None:
                if run is not None:
                    yield from run.take()
                yield Unparsed(Location(str(source.path), lineno), line, "text outside any message")
            else:
                block.content.extend([""] * blanks)
                block.content.append(line)
            blanks = 0
        if block is not None:
            yield from self._finish(block, group, source, run)
        if run is not None:
            yield from run.take()

    def _finish(self, block: TextBlock, group: str, source: Source,
                run: RunBuilder | None) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """The block's records, after the plain messages collected before them (a full run
        goes too); a plain message goes into ``run`` when there is one."""
        records = self._records(block, group, source, run)
        if run is not None and (records or run.full):
            yield from run.take()
        yield from records

    def _records(self, block: TextBlock, group: str, source: Source,
                 run: RunBuilder | None) -> Sequence[Message | Event | Unparsed]:
        """What one block reads as: a message, a system event, or its lines unparsed; nothing
        when the message went into ``run``."""
        h = block.header
        path = str(source.path)
        try:
            ts = _timestamp(h[1], h[2], h[3]).replace(tzinfo=source.tz)
        except ValueError:
            return list(unparsed_lines(path, block.lineno, [h[0], *block.content], "impossible timestamp"))
        groups = h.groupdict()
        name, qq = h["name"].strip(), groups.get("qq") or groups.get("mail")
        text = "\n".join(block.content)
        if qq in SYSTEM_IDS and name.startswith("系统消息"):
            return [system_event(group, ts, text.strip(), Location(path, block.lineno))]
        kind, mentions = placeholder_kind(text), find_mentions(text)
        if run is not None and not mentions:
            run.add(group, ts, name, kind, text, block.lineno, qq)
            return ()
        return [Message(group, ts, name, kind, text, Location(path, block.lineno), sender_id=qq, mentions=mentions)]


def _timestamp(day: str, clock: str, meridiem: str | None) -> datetime:
    """``2020-3-4`` and ``8:05:09``, padded or not; ``12:12:29 AM`` is 00:12:29, ``12:00:00 PM`` noon."""
    year, month, date = day.split("-")
    hour, minute, second = clock.split(":")
    moment = datetime(int(year), int(month), int(date), int(hour), int(minute), int(second))
    if meridiem is not None and not 1 <= moment.hour <= 12:
        raise ValueError(f"{clock} {meridiem} is not a 12-hour time")
    if meridiem == "PM" and moment.hour < 12:
        moment = moment.replace(hour=moment.hour + 12)
    elif meridiem == "AM" and moment.hour == 12:
        moment = moment.replace(hour=0)
    return moment
