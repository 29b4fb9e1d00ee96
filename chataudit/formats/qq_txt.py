"""qq-txt: the text export of QQ 消息管理器 (PC QQ → 消息管理器 → 导出为 .txt).

Layout: a preamble (``消息记录（此消息记录为文本格式，不支持重新导入）``, ``=====`` rules,
``消息分组:…``, ``消息对象:…``), then messages: a sender line ``date time name(QQ号)`` or
``date time name<e-mail>`` (the hour may be unpadded; some locales write ``8:56:02 PM``; a
title such as ``【管理员】`` may prefix the name), the content lines, one blank line. A new
``消息对象`` section starts another conversation (group). System notices come from
``系统消息(10000)`` with the notice as content.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import regex

from chataudit.formats.base import (
    Format, TextBlock, InputStats, Source, find_mentions, placeholder_kind, system_event, unparsed_lines,
)
from chataudit.formats.encoding import iter_lines
from chataudit.i18n import Text
from chataudit.records import Event, Location, Message, Unparsed

SENDER = regex.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{2}:\d{2})(?: ?([AP]M))? (?:【(?P<title>[^】]*)】)?"
    r"(?P<name>.*?)(?:\((?P<qq>\d{4,12})\)|<(?P<mail>[^<>\s]+@[^<>\s]+)>)$"
)
OBJECT = regex.compile(r"^消息对象[:：](.*)$")
PREAMBLE = regex.compile(r"^(?:消息记录（此消息记录为文本格式，不支持重新导入）|=+|消息分组[:：].*)$")
SYSTEM_IDS = frozenset({"10000", "1000000"})


class QQTxt(Format):
    name = "qq-txt"
    title = Text("QQ 消息管理器文本导出", "QQ message manager text export")
    producer = "QQ 消息管理器 → 导出消息记录 (.txt)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        if "消息记录（此消息记录为文本格式" in head[:300] or "消息对象:" in head[:2000]:
            return 0.95
        lines = [line for line in head.splitlines() if line.strip()][:20]
        hits = sum(1 for line in lines if SENDER.match(line))
        return 0.7 if hits >= 2 else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        group = source.group or source.path.stem
        block: TextBlock | None = None
        blanks = 0
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                blanks += 1
                continue
            section = OBJECT.match(line)
            header = SENDER.match(line)
            if section or (PREAMBLE.match(line) and (block is None or blanks)):
                if block is not None:
                    yield from self._finish(block, group, source)
                    block = None
                if section and not source.group:
                    group = section[1].strip() or group
                blanks = 0
                continue
            if header and (block is None or blanks):
                if block is not None:
                    yield from self._finish(block, group, source)
                block, blanks = TextBlock(lineno, header), 0
                continue
            if block is None:
                yield Unparsed(Location(str(source.path), lineno), line, "text outside any message")
            else:
                block.content.extend([""] * blanks)
                block.content.append(line)
            blanks = 0
        if block is not None:
            yield from self._finish(block, group, source)

    def _finish(self, block: TextBlock, group: str, source: Source) -> Iterator[Message | Event | Unparsed]:
        h = block.header
        loc = Location(str(source.path), block.lineno)
        try:
            ts = _timestamp(h[1], h[2], h[3]).replace(tzinfo=source.tz)
        except ValueError:
            yield from unparsed_lines(loc.path, block.lineno, [h[0], *block.content], "impossible timestamp")
            return
        name, qq = h["name"].strip(), h["qq"] or h["mail"]
        text = "\n".join(block.content)
        if qq in SYSTEM_IDS and name.startswith("系统消息"):
            yield system_event(group, ts, text.strip(), loc)
            return
        yield Message(group, ts, name, placeholder_kind(text), text, loc, sender_id=qq,
                      mentions=find_mentions(text))


def _timestamp(day: str, clock: str, meridiem: str | None) -> datetime:
    moment = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")
    if meridiem == "PM" and moment.hour < 12:
        moment = moment.replace(hour=moment.hour + 12)
    elif meridiem == "AM" and moment.hour == 12:
        moment = moment.replace(hour=0)
    return moment
