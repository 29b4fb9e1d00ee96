"""wechat-txt: the text export of WeChatMsg / MemoTrace (留痕).

1.x (WeChat 3.x; LC044/WeChatMsg ``app/util/exporter/exporter_txt.py``): a header line
``YYYY-MM-DD HH:MM:SS name``, the content lines, one blank line. A system line is a header
with no name and no content: ``YYYY-MM-DD HH:MM:SS <system text>`` followed directly by the
blank line. Media are ``[图片]``-style placeholders; a quoted reply ends with
``引用:<name>:<quoted text>`` (or ``引用:未知``); a link card is a block of indented
``[链接]:title:…``, ``description:…``, ``url:…``, ``name:…`` lines.

2.x (WeChat 3.x and 4.x; ``exporter/exporter_txt.py`` writes ``f'{title}\\n{to_text()}'`` per
message, joined by ``\\n\\n``): a message header is the same, but a system message's header is
the **bare timestamp** and its text is on the next line. The content is the message's own
``to_text()`` (``wxManager/model/message.py``): ``【图片】``, ``【视频】``, ``【语音】<transcript>``,
``【表情包】 <description>``, ``【文件】<name> <size> <path> …``, ``【红包】: <title>``,
``【发起转账】:<amount>`` + ``备注: …``, ``【分享链接】`` + ``标题：``/``描述：``/``链接: ``/``应用：``
lines, ``【位置分享】``, ``【名片】``, ``【视频号】``, ``【合并转发的聊天记录】``, ``【音视频通话】``,
``【笔记】``; a quote is the reply, then ``引用：<name>: <quoted to_text()>``. A 拍一拍 has a name
header and its template (``"张三" 拍了拍 "李四"``) as content: it is an event, as in 1.x.

A header is only a header at the start of the file or after a blank line, so a pasted chat
log inside a message stays content. Blank lines inside a message are content too: a blank
line only ends a record when a header (or the end of the file) follows it.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from functools import cache
from itertools import repeat

import regex

from chataudit.formats.base import (
    PLACEHOLDERS, Format, TextBlock, InputStats, Source, find_mentions, placeholder_kind, system_event,
    unparsed_lines,
)
from chataudit.formats.encoding import line_blocks
from chataudit.formats.qq_txt import qq_evidence
from chataudit.formats.system_events import match_system_text, plain_system_text
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, MessageRun, Quote, Unparsed

# ``time name`` (a message, or a 1.x system line) or the bare ``time`` (a 2.x system message).
HEADER = regex.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:$| (.*)$)")  # a 2.x name may be empty
# Only 2.x writes a bare timestamp line (its system messages).
V2_HINT = regex.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\r?$", regex.MULTILINE)
_LINK_PREFIX = "[链接]:title:"
_QUOTE_PREFIXES = ("引用:", "引用：")
# 拍一拍: 2.x writes it as a message (name header, the template as content); it is a notice.
_PAT = regex.compile(r"^(?:[\"“][^\"“”]+[\"”]|我|你) ?拍了拍 ?(?:[\"“][^\"“”]+[\"”]|我|你|自己)")
_PAT_STARTS = frozenset("\"“我你")  # the characters a _PAT match can start with
_V2_STARTS = ("【", "-", *"0123456789")  # the starts of the 2.x forms media_kind looks for past the placeholders
# The first characters of a content line that read_content may read as more than its text: a 1.x link card
# ([链接]:title:), a quote (引用), a 2.x form (【分享链接】, 【语音】…, a type number).
_SPECIAL_STARTS = frozenset(_LINK_PREFIX[0] + "".join(p[0] for p in _QUOTE_PREFIXES) + "".join(_V2_STARTS))

# The common record, MemoTrace's ``f'{time} {name}\n{content}\n\n'``: a named header, one content line with
# no space at either end, an empty line. Written for ``re``, whose \S is exactly ``not str.isspace()`` (what
# ``line.strip()`` tests); [0-9] is the ASCII part of HEADER's \d, so HEADER matches every header it matches.
_UNIT = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [^\n]*\n\S(?:[^\n]*\S)?\n\n"
_RUN = re.compile(f"^(?:{_UNIT})+", re.MULTILINE)

# 2.x ``to_text()`` shapes that carry more than the marker (exact markers are in PLACEHOLDERS).
_V2_KINDS: tuple[tuple[regex.Pattern[str], Kind], ...] = tuple((regex.compile(p, regex.DOTALL), k) for p, k in (
    (r"^【语音】", Kind.VOICE),
    (r"^【表情包】 ", Kind.STICKER),
    (r"^【文件】\S", Kind.FILE),
    (r"^【红包】: ", Kind.RED_PACKET),
    (r"^【(?:发起转账|已收款|已退还|非实时转账收款|发起非实时转账|未知)】:.*\n备注: ", Kind.TRANSFER),
    (r"^【位置分享】\n坐标: ", Kind.LOCATION),
    (r"^【名片】\n", Kind.CARD),
    (r"^【视频号】\n描述: ", Kind.LINK),
    (r"^【(?:合并转发的聊天记录|音视频通话|笔记)】\n", Kind.OTHER),
    (r"^-?\d+\n[{<]", Kind.OTHER),  # a type 2.x has no text for: its number and raw data
))
_AMOUNT = regex.compile(r"^【[^】]+】:\s*[¥￥]?\s*(\d+(?:\.\d+)?)")


class WeChatTxt(Format):
    name = "wechat-txt"
    title = Text("微信聊天记录文本导出", "WeChat text export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 TXT"
    versions = "MemoTrace 1.x (WeChat 3.x) and 2.x (WeChat 3.x/4.x: bare-timestamp system lines, 【图片】, 引用：)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        lines = head.splitlines()
        first = next((line for line in lines if line.strip()), "")
        if not HEADER.match(first):
            return 0.0
        qq, wechat = qq_evidence(head)
        if qq > wechat:  # 12-hour clocks, unpadded hours, name(QQ号) on every header: QQ's layout
            return 0.3
        headers = sum(1 for line in lines if HEADER.match(line))
        return 0.9 if headers >= 2 or len(lines) < 4 else 0.6

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed | MessageRun]:
        """Stream records. A header after a blank line is only a *candidate* until the next
        non-blank line decides: content right under it makes it a message; a blank line and
        then another header (or the end) makes it a system line; a blank line and then plain
        text means it was pasted text inside the previous message (``_Lines`` reads so, line by
        line). Most of a real export is the one shape a ``_UNIT`` matches, so the file is read
        in blocks of whole lines and runs of that shape are read a record at a time instead."""
        reader = _Reader(source.group or source.path.stem, str(source.path), source.tz,
                         v2=bool(V2_HINT.search(source.head)), runs=source.runs)
        lines = _Lines(reader)
        for first, text in line_blocks(source.path, source.encoding):
            stats.lines = first + text.count("\n") - 1
            yield from _read_block(lines, first, text)
        yield from lines.end()


def _read_block(lines: _Lines, first: int, text: str) -> Iterator[Message | Event | Unparsed | MessageRun]:
    """The records that a block of whole lines completes: runs of back-to-back ``_UNIT``\\ s are
    read by ``_read_run``, every other line by ``lines``, the state machine. After the machine
    has read a unit it is always ready for the next one, so a run it was not ready for loses
    only its first unit to it."""
    lineno, pos = first, 0  # the number of the line at pos
    for run in _RUN.finditer(text):
        start, end = run.span()
        lineno = yield from lines.feed(lineno, text[pos:start])
        pos = text.index("\n\n", start) + 2  # the end of the run's first unit
        if pos == end or not lines.ready():
            # a lone unit gains nothing from _read_run; one the machine is not ready for (a header
            # pasted right under a line of a message) is not a record
            lineno = yield from lines.feed(lineno, text[start:pos])
            start = pos
        if start < end:
            yield from lines.take_over()
            lineno = yield from _read_run(lines, lineno, text[start:end])
        pos = end
    yield from lines.feed(lineno, text[pos:])


def _read_run(lines: _Lines, first: int, run: str) -> Generator[Message | Event | Unparsed | MessageRun, None, int]:
    """The records of a run of ``_UNIT``\\ s that ``lines`` is ready for, a record per unit with no
    per-line work: each unit is complete once the next one starts. Plain messages (most of
    them) are collected as columns (``MessageRun``); a unit that reads as more than its kind
    and text goes to ``_Reader.finish``. The last unit is handed back to the machine as its
    open block, since what follows the run may still belong to it. The number of the line
    after the run."""
    reader = lines.reader
    time_of = reader.epoch if reader.runs else reader.timestamp  # what ``plain`` takes
    placeholders, special, pat_starts, pat, plain_text = (_plain_placeholders(), _SPECIAL_STARTS, _PAT_STARTS,
                                                          _PAT.match, Kind.TEXT)
    parts = run.split("\n")  # header, content and "" for each unit, then a last ""
    lineno = start = first
    headers: list[str] = []
    kinds: list[Kind] = []
    texts: list[str] = []
    times: list[float] | list[datetime] = []
    for header, content in zip(parts[0:-4:3], parts[1:-4:3]):
        kind = placeholders.get(content)
        if kind is None and content[0] not in special and "@" not in content:
            # not a placeholder, no special start, no @ (so no mention): read_content finds nothing in it
            # but its text, and finish() makes it a message unless it is a 拍一拍
            kind = None if content[0] in pat_starts and pat(content) else plain_text
        try:
            when = time_of(header)
        except ValueError:  # an impossible date or time: finish() reports the lines
            kind = None
        if kind is None:
            if texts:
                yield from reader.plain(start, headers, kinds, texts, times)
                headers, kinds, texts, times = [], [], [], []
            yield from reader.finish(_text_block(lineno, header, content))
            start = lineno + 3
        else:
            headers.append(header)
            kinds.append(kind)
            texts.append(content)
            times.append(when)
        lineno += 3
    if texts:
        yield from reader.plain(start, headers, kinds, texts, times)
    lines.hand_back(lineno, parts[-4], parts[-3])
    return lineno + 3


def _text_block(lineno: int, header: str, content: str) -> TextBlock:
    """A ``_UNIT`` as the state machine would have collected it."""
    return TextBlock(lineno, HEADER.match(header), [content])


@dataclass(slots=True)
class _Lines:
    """The line-by-line reading (see ``WeChatTxt.parse``), with its state kept between calls so
    that ``_read_block`` can take over from it and hand back to it."""

    reader: _Reader
    block: TextBlock | None = None  # the record being collected
    blanks: int = 0  # blank lines since the last non-blank line
    candidate: TextBlock | None = None  # a header after a blank line, not yet decided
    candidate_blanks: int = 0  # blank lines before the candidate

    def ready(self) -> bool:
        """Whether a header on the next line would be a candidate that, once content follows it,
        only closes the open block: no candidate pending, and a blank line (or nothing) before."""
        return self.candidate is None and (self.blanks > 0 or self.block is None)

    def take_over(self) -> Iterator[Message | Event | Unparsed]:
        """Close the open block, as the content under the next header would."""
        if self.block is not None:
            yield from self.reader.finish(self.block)
            self.block = None

    def hand_back(self, lineno: int, header: str, content: str) -> None:
        """The state after reading a ``_UNIT``: its record open, one blank line seen."""
        self.block = _text_block(lineno, header, content)
        self.blanks = 1

    def feed(self, first: int, text: str) -> Generator[Message | Event | Unparsed, None, int]:
        """Read whole lines (each ending in a newline) numbered from ``first``; the number of the
        line after them."""
        reader, path = self.reader, self.reader.path
        block, blanks, candidate, candidate_blanks = self.block, self.blanks, self.candidate, self.candidate_blanks
        lineno = first - 1
        for lineno, line in enumerate(text.split("\n")[:-1], first):
            if not line.strip():
                blanks += 1
                continue
            header = HEADER.match(line)
            if candidate is not None:
                if not blanks:  # content right under the candidate: a message header
                    if block is not None:
                        yield from reader.finish(block)
                    block, candidate = candidate, None
                elif header:  # candidate, blank, header: the candidate was a system line
                    if block is not None:
                        yield from reader.finish(block)
                    block, candidate = candidate, None
                    candidate, candidate_blanks, blanks = TextBlock(lineno, header), blanks, 0
                    continue
                else:  # candidate, blank, text: pasted text inside the previous record
                    if block is None:
                        yield from unparsed_lines(path, candidate.lineno, [candidate.header[0]],
                                                  "a header followed by text after a blank line, before any message")
                    else:
                        block.content.extend([""] * candidate_blanks)
                        block.content.append(candidate.header[0])
                        block.content.extend([""] * (blanks - 1))
                        blanks = 1
                    candidate = None
            if header and (blanks or (block is None and candidate is None)):
                candidate, candidate_blanks, blanks = TextBlock(lineno, header), blanks, 0
                continue
            if block is None:
                yield Unparsed(Location(path, lineno), line, "text before the first message header")
                blanks = 0
                continue
            block.content.extend([""] * blanks)
            block.content.append(line)
            blanks = 0
        self.block, self.blanks, self.candidate, self.candidate_blanks = block, blanks, candidate, candidate_blanks
        return lineno + 1

    def end(self) -> Iterator[Message | Event | Unparsed]:
        """The end of the file closes the open block and decides the last candidate."""
        if self.block is not None:
            yield from self.reader.finish(self.block)
        if self.candidate is not None:  # a last header with nothing under it: a system line
            yield from self.reader.finish(self.candidate)


class _Days(dict[str, datetime]):
    """Midnight of each ``YYYY-MM-DD``, in the export's zone, made on first use."""

    def __init__(self, tz: tzinfo) -> None:
        super().__init__()
        self.tz = tz

    def __missing__(self, day: str) -> datetime:
        midnight = self[day] = datetime(int(day[:4]), int(day[5:7]), int(day[8:10]), tzinfo=self.tz)
        return midnight


class _Clocks(dict[str, timedelta]):
    """The time since midnight of each ``HH:MM:SS``, made on first use."""

    def __missing__(self, clock: str) -> timedelta:
        checked = time(int(clock[:2]), int(clock[3:5]), int(clock[6:8]))  # datetime()'s range checks
        since = self[clock] = timedelta(hours=checked.hour, minutes=checked.minute, seconds=checked.second)
        return since


class _Epochs(dict[str, float | None]):
    """``timestamp()`` of each ``YYYY-MM-DD``'s midnight, made on first use, for a day whose UTC
    offset is the same all day: a time that day is then its midnight's plus the seconds since
    (``_Reader.epoch``). None for a day whose offset changes. The offset is looked up at
    every hour and at the day's last second: an offset that changed and changed back within
    the hour would be missed, and no zone has ever done that."""

    def __init__(self, days: _Days) -> None:
        super().__init__()
        self.days = days

    def __missing__(self, day: str) -> float | None:
        midnight = self.days[day]
        offset = midnight.utcoffset()
        moments = [midnight + timedelta(hours=hours) for hours in range(1, 24)]
        moments.append(midnight + timedelta(seconds=86399))
        steady = all(moment.utcoffset() == offset for moment in moments)
        epoch = self[day] = midnight.timestamp() if steady else None
        return epoch


@dataclass(slots=True)
class _Reader:
    group: str
    path: str
    tz: tzinfo
    v2: bool  # a 2.x export: a named header with nothing under it is an empty message, not a system line
    runs: bool = False  # plain messages as MessageRuns (Source.runs)
    days: _Days = field(init=False)
    clocks: _Clocks = field(init=False, default_factory=_Clocks)
    epochs: _Epochs = field(init=False)

    def __post_init__(self) -> None:
        self.days = _Days(self.tz)
        self.epochs = _Epochs(self.days)

    def timestamp(self, stamp: str) -> datetime:
        """``YYYY-MM-DD HH:MM:SS`` (checked by HEADER; a header line may follow it) as the day's
        midnight plus the time of day, both cached: most messages share their day, and strptime
        is slow per record. ValueError if there is no such date or time."""
        return self.days[stamp[:10]] + self.clocks[stamp[11:19]]

    def times(self, stamps: Sequence[str]) -> list[datetime]:
        """``timestamp`` of each."""
        days, clocks = self.days, self.clocks
        return [days[stamp[:10]] + clocks[stamp[11:19]] for stamp in stamps]

    def epoch(self, stamp: str) -> float:
        """``timestamp(stamp).timestamp()``, without the ``datetime`` on a day whose UTC offset
        does not change (``_Epochs``). ValueError if there is no such date or time."""
        day, since = self.epochs[stamp[:10]], self.clocks[stamp[11:19]].seconds
        return day + since if day is not None else self.timestamp(stamp).timestamp()

    def plain(self, first: int, headers: list[str], kinds: list[Kind], texts: list[str],
              times: list[float] | list[datetime]) -> Iterator[Message | MessageRun]:
        """Plain messages from consecutive ``_UNIT``\\ s (headers already checked), the first at
        line ``first``: as one ``MessageRun`` when the source asks for runs (``times`` are then
        epoch seconds), else one by one (``times`` are their ``ts``)."""
        senders = [header[20:].strip() for header in headers]
        lines = range(first, first + 3 * len(texts), 3)
        if self.runs:
            return iter((MessageRun(self.path, [self.group] * len(texts), senders, kinds, texts, lines, headers, times,
                                    self.times),))
        return map(Message, repeat(self.group), times, senders, kinds, texts, map(Location, repeat(self.path), lines))

    def finish(self, block: TextBlock) -> Iterator[Message | Event | Unparsed]:
        loc = Location(self.path, block.lineno)
        try:
            ts = self.timestamp(block.header[1])
        except ValueError:
            yield from unparsed_lines(self.path, block.lineno, [block.header[0], *block.content],
                                      f"impossible timestamp {block.header[1]}")
            return
        name = block.header[2]
        if name is None:  # 2.x: the bare timestamp, the system text on the lines under it
            self.v2 = True
            yield system_event(self.group, ts, plain_system_text("\n".join(block.content)), loc)
        elif not block.content:  # 1.x: a system line; 2.x: a message the exporter had no text for
            name = name.strip()
            if self.v2 and match_system_text(name) is None:
                yield Message(self.group, ts, name, Kind.TEXT, "", loc)
            else:
                yield system_event(self.group, ts, name, loc)
        elif len(block.content) == 1 and _PAT.match(block.content[0]):
            yield system_event(self.group, ts, block.content[0].strip(), loc)
        else:
            yield _message(self.group, ts, name.strip(), block.content, loc)


@dataclass(frozen=True, slots=True)
class Content:
    """What a message's text says, read from the export's wording (1.x or 2.x ``to_text()``)."""

    kind: Kind
    text: str
    quote: Quote | None = None
    url: str | None = None
    amount: float | None = None


def read_content(lines: list[str]) -> Content:
    """The kind, text, quote, link and amount of a message's content lines (1.x or 2.x)."""
    while lines and not lines[-1].strip():  # link cards and 2.x multi-line forms end in a blank line
        lines = lines[:-1]
    if not lines:
        return Content(Kind.TEXT, "")
    first = lines[0].strip()
    if first.startswith(_LINK_PREFIX):
        return _link_card_v1(lines)
    if first == "【分享链接】":
        return _link_card_v2(lines)
    quote = None
    for i, line in enumerate(lines):
        if line.startswith(_QUOTE_PREFIXES):
            quote = _parse_quote(line[2], "\n".join(lines[i:])[3:])
            lines = lines[:i]
            break
    text = "\n".join(lines)
    if quote is not None:
        return Content(Kind.QUOTE, text, quote)
    kind = media_kind(text)
    amount = None
    if kind == Kind.TRANSFER:
        m = _AMOUNT.match(text)
        amount = float(m[1]) if m else None
    return Content(kind, text, amount=amount)


def media_kind(text: str) -> Kind:
    """A placeholder's kind: 1.x ``[图片]`` and 2.x ``【图片】`` markers, and 2.x's longer forms."""
    kind = placeholder_kind(text)
    if kind != Kind.TEXT or not text.startswith(_V2_STARTS):
        return kind
    for pattern, found in _V2_KINDS:
        if pattern.match(text):
            return found
    return Kind.TEXT


@cache
def _plain_placeholders() -> dict[str, Kind]:
    """The placeholders that, alone on a message's line, read as just their kind and text (no
    quote, link, amount, mention or 拍一拍): the fast reading takes them from here. Worked out by
    the general reading itself, so that the two cannot drift apart."""
    return {text: kind for text, kind in PLACEHOLDERS.items()
            if read_content([text]) == Content(kind, text) and not find_mentions(text) and not _PAT.match(text)}


def _message(group: str, ts: datetime, sender: str, lines: list[str], loc: Location) -> Message:
    c = read_content(lines)
    return Message(group, ts, sender, c.kind, c.text, loc, mentions=find_mentions(c.text), quote=c.quote,
                   url=c.url, amount=c.amount)


def _parse_quote(colon: str, body: str) -> Quote:
    """1.x ``引用:name:text`` / ``引用:未知``; 2.x ``引用：name: text``."""
    if body == "未知":
        return Quote(None, "")
    name, sep, text = body.partition(": " if colon == "：" else ":")
    if not sep and colon == "：":
        name, sep, text = body.partition(":")
    return Quote(name, text) if sep else Quote(None, body)


def _link_card_v1(lines: list[str]) -> Content:
    fields: dict[str, str] = {}
    for line in lines:
        key, _, value = line.strip().removeprefix("[链接]:").partition(":")
        fields.setdefault(key, value)
    title, description = fields.get("title", ""), fields.get("description", "")
    text = "\n".join(part for part in (title, description) if part and part != "None")
    url = fields.get("url") or None
    return Content(Kind.LINK, text, url=url if url != "None" else None)


def _link_card_v2(lines: list[str]) -> Content:
    """``【分享链接】`` / ``标题：…`` / ``描述：…`` (may run over lines) / ``链接: …`` / ``应用：…``."""
    title: list[str] = []
    description: list[str] = []
    url = None
    into = title
    for line in lines[1:]:
        if line.startswith("标题："):
            into = title
            title.append(line[3:])
        elif line.startswith("描述："):
            into = description
            description.append(line[3:])
        elif line.startswith("链接: ") and url is None:
            url = line[4:].strip() or None
            into = []
        elif line.startswith("应用："):
            into = []
        else:
            into.append(line)
    text = "\n".join(part for part in ("\n".join(title).strip(), "\n".join(description).strip()) if part)
    return Content(Kind.LINK, text, url=url)
