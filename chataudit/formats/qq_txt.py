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

A sender line is only a header at the start of a section or a message, or after a blank line:
under a line of a message it is pasted text. The file is read in blocks of whole lines; most of a
group's section is one shape (``_UNIT``: a sender line with an id, its lines, an empty line), and
each of those opens its record at once, while every other line goes through the line-by-line
reading (``_Lines``).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

import regex

from chataudit.formats.base import (
    Format, RunBuilder, TextBlock, InputStats, Source, find_mentions, placeholder_kind, system_event,
    unparsed_lines,
)
from chataudit.formats.encoding import line_blocks
from chataudit.i18n import Text
from chataudit.records import Event, Location, Message, MessageRun, Unparsed

_WHEN = r"^(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{2}:\d{2})(?: ?([AP]M))? (?:【(?P<title>[^】]*)】)?"
SENDER = regex.compile(_WHEN + r"(?P<name>.*?)(?:\((?P<qq>\d{4,12})\)|<(?P<mail>[^<>\s]+@[^<>\s]+)>)$")
NAMED = regex.compile(_WHEN + r"(?P<name>\S.*?)\s*$")  # a private chat: no id after the name
OBJECT = regex.compile(r"^消息对象[:：](.*)$")
PREAMBLE = regex.compile(r"^(?:消息记录（此消息记录为文本格式，不支持重新导入）|=+|消息分组[:：].*)$")
SYSTEM_IDS = frozenset({"10000", "1000000"})
SYSTEM_NAME = "系统消息"  # the sender of system notices

# A sender line with an id, found in a block of lines: a line SENDER reads with the same groups.
# Written for ``re``: [0-9] is the ASCII part of SENDER's \d; [^\n] and [^】\n] are what SENDER's
# ``.*?`` and [^】] take in within a line; re's \s takes in all that regex's does (and \x1c-\x1f), and an
# address that starts with @ (``<@a@b.c>``) is left to SENDER, so the e-mails it reads are some of
# SENDER's, each read one way (SENDER's ``[^<>\s]+@`` tries every @ of ``<a@@@…``).
FAST_SENDER = re.compile(
    r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}) ([0-9]{1,2}:[0-9]{2}:[0-9]{2})(?: ?([AP]M))? (?:【(?P<title>[^】\n]*)】)?"
    r"(?P<name>[^\n]*?)(?:\((?P<qq>[0-9]{4,12})\)|<(?P<mail>[^<>\s@]+@[^<>\s]+)>)$", re.MULTILINE)
# The common record of a group: such a sender line, the lines under it, an empty line. The lines under
# it (``content``) are not blank (re's \S is exactly what ``str.strip`` keeps; a line is matched one way,
# at its first \S, or lines with no empty line after them would be tried in every way) and no 消息对象
# line (the one line that ends a record right under another). The match is the sender line alone (what
# a TextBlock's header is); the lookahead holds the rest.
_UNIT = re.compile(FAST_SENDER.pattern + r"(?=\n(?P<content>(?:(?!消息对象[:：])[^\S\n]*\S[^\n]*\n)+)\n)",
                   re.MULTILINE)

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
        lines = _Lines.of(source)
        for first, text in line_blocks(source.path, source.encoding):
            stats.lines = first + text.count("\n") - 1
            yield from _read_block(lines, first, text)
        yield from lines.end()


def _read_block(lines: _Lines, first: int, text: str) -> Iterator[Message | Event | Unparsed | MessageRun]:
    """The records that a block of whole lines completes. A ``_UNIT`` whose sender line ``lines``
    would read as a header (``ready``) opens its record directly; the lines between units go
    through ``lines.feed``, and so does a unit it is not ready for (a sender line right under a
    line of a message is text of that message). After a unit it is always ready for the next."""
    lineno, pos = first, 0  # the number of the line at pos
    search = _UNIT.search
    while unit := search(text, pos):
        start, end = unit.start(), unit.end("content") + 1
        if start != pos:
            lineno = yield from lines.feed(lineno, text[pos:start])
        if lines.ready():
            content = unit["content"].split("\n")[:-1]
            yield from lines.begin(lineno, unit, content)
            lineno += len(content) + 2
        else:
            lineno = yield from lines.feed(lineno, text[start:end])
        pos = end
    yield from lines.feed(lineno, text[pos:])


@dataclass(slots=True)
class _Lines:
    """The line-by-line reading, with its state kept between calls so that ``_read_block`` can
    open records too."""

    reader: _Reader
    named: bool  # --group names every conversation, not its 消息对象 line
    block: TextBlock | None = None  # the record being collected
    blanks: int = 0  # blank lines since the last other line
    ids: bool = False  # this conversation's senders carry ids: a line without one is not a header

    @staticmethod
    def of(source: Source) -> _Lines:
        """The reading of ``source`` from its start."""
        # no runs in a --jobs part: they would pass its filter by group (engine._own), and qq-txt
        # is not split (its sections are one conversation after another, not in time order)
        run = RunBuilder(str(source.path)) if source.runs and source.share is None else None
        reader = _Reader(str(source.path), source.tz, source.group or source.path.stem, run)
        return _Lines(reader, named=bool(source.group))

    def ready(self) -> bool:
        """Whether a sender line as the next line would open a record."""
        return self.block is None or self.blanks > 0

    def begin(self, lineno: int, header: re.Match[str],
              content: list[str]) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """A ``_UNIT`` at ``lineno`` that opens a record: the open one is complete, and the state is
        what reading the unit's lines leaves (its record open, one blank line seen)."""
        self.ids = self.ids or _has_id(header)
        done, self.block, self.blanks = self.block, TextBlock(lineno, header, content), 1  # type: ignore[arg-type]
        return () if done is None else self.reader.finish(done)

    def feed(self, first: int, text: str) -> Generator[Message | Event | Unparsed | MessageRun, None, int]:
        """Read whole lines (each ending in a newline) numbered from ``first``; the number of the
        line after them."""
        reader = self.reader
        block, blanks, ids = self.block, self.blanks, self.ids
        lineno = first - 1
        for lineno, line in enumerate(text.split("\n")[:-1], first):
            if not line.strip():
                blanks += 1
                continue
            if lineno == 1:
                line = line.lstrip("\ufeff")
            section = OBJECT.match(line)
            if section or (PREAMBLE.match(line) and (block is None or blanks)):
                if block is not None:
                    yield from reader.finish(block)
                    block = None
                if section:
                    ids = False
                    if not self.named:
                        reader.group = section[1].strip() or reader.group
                blanks = 0
                continue
            if block is None or blanks:
                header = SENDER.match(line)
                if header is None and not ids:
                    header = NAMED.match(line)
                elif header is not None:
                    ids = ids or _has_id(header)
                if header is not None:
                    if block is not None:
                        yield from reader.finish(block)
                    block, blanks = TextBlock(lineno, header), 0
                    continue
            if block is None:
                yield from reader.outside(lineno, line)
            else:
                block.content.extend([""] * blanks)
                block.content.append(line)
            blanks = 0
        self.block, self.blanks, self.ids = block, blanks, ids
        return lineno + 1

    def end(self) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """The end of the file completes the open record, and hands over the run."""
        if self.block is not None:
            yield from self.reader.finish(self.block)
        yield from self.reader.take()


@dataclass(slots=True)
class _Reader:
    """What a record's lines say, in the conversation being read; with a ``run`` (``Source.runs``),
    plain messages are collected in it as columns."""

    path: str
    tz: tzinfo
    group: str  # --group, else the 消息对象 being read, else the file's name
    run: RunBuilder | None

    def finish(self, block: TextBlock) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """The block's records, after the plain messages collected before them (a full run
        goes too); a plain message goes into ``run`` when there is one."""
        records = self._records(block)
        if self.run is not None and (records or self.run.full):
            yield from self.run.take()
        yield from records

    def outside(self, lineno: int, line: str) -> Iterator[Unparsed | MessageRun]:
        """A line that is in no message, after the run collected before it."""
        yield from self.take()
        yield Unparsed(Location(self.path, lineno), line, "text outside any message")

    def take(self) -> Iterator[MessageRun]:
        """The run collected so far, if any."""
        if self.run is not None:
            yield from self.run.take()

    def _records(self, block: TextBlock) -> Sequence[Message | Event | Unparsed]:
        """What one block reads as: a message, a system event, or its lines unparsed; nothing
        when the message went into ``run``."""
        h = block.header
        path, group = self.path, self.group
        try:
            ts = _timestamp(h[1], h[2], h[3], self.tz)
        except ValueError:
            return list(unparsed_lines(path, block.lineno, [h[0], *block.content], "impossible timestamp"))
        groups = h.groupdict()
        name, qq = h["name"].strip(), groups.get("qq") or groups.get("mail")
        text = "\n".join(block.content)
        if qq in SYSTEM_IDS and name.startswith(SYSTEM_NAME):
            return [system_event(group, ts, text.strip(), Location(path, block.lineno))]
        kind, mentions = placeholder_kind(text), find_mentions(text)
        if self.run is not None and not mentions:
            self.run.add(group, ts, name, kind, text, block.lineno, qq)
            return ()
        return [Message(group, ts, name, kind, text, Location(path, block.lineno), sender_id=qq, mentions=mentions)]


def _has_id(header: regex.Match | re.Match) -> bool:
    """Whether a sender line with an id tells that its conversation's senders carry ids; a system
    notice's (``系统消息(10000)``) does not."""
    return header["name"].strip() != SYSTEM_NAME


def _timestamp(day: str, clock: str, meridiem: str | None, tz: tzinfo) -> datetime:
    """``2020-3-4`` and ``8:05:09``, padded or not; ``12:12:29 AM`` is 00:12:29, ``12:00:00 PM``
    noon. Made with its zone at once: ``replace(tzinfo=…)`` costs about as much as the rest."""
    year, month, date = day.split("-")
    hour, minute, second = map(int, clock.split(":"))
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"{clock} {meridiem} is not a 12-hour time")
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    return datetime(int(year), int(month), int(date), hour, minute, second, tzinfo=tz)
