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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo

import regex

from chataudit.formats.base import (
    Format, TextBlock, InputStats, Source, find_mentions, placeholder_kind, system_event, unparsed_lines,
)
from chataudit.formats.encoding import iter_lines
from chataudit.formats.qq_txt import qq_evidence
from chataudit.formats.system_events import match_system_text, plain_system_text
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

# ``time name`` (a message, or a 1.x system line) or the bare ``time`` (a 2.x system message).
HEADER = regex.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:$| (.*)$)")  # a 2.x name may be empty
# Only 2.x writes a bare timestamp line (its system messages).
V2_HINT = regex.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\r?$", regex.MULTILINE)
_LINK_PREFIX = "[链接]:title:"
_QUOTE_PREFIXES = ("引用:", "引用：")
# 拍一拍: 2.x writes it as a message (name header, the template as content); it is a notice.
_PAT = regex.compile(r"^(?:[\"“][^\"“”]+[\"”]|我|你) ?拍了拍 ?(?:[\"“][^\"“”]+[\"”]|我|你|自己)")

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

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        """Stream records. A header after a blank line is only a *candidate* until the next
        non-blank line decides: content right under it makes it a message; a blank line and
        then another header (or the end) makes it a system line; a blank line and then plain
        text means it was pasted text inside the previous message."""
        reader = _Reader(source.group or source.path.stem, str(source.path), source.tz,
                         v2=bool(V2_HINT.search(source.head)))
        block: TextBlock | None = None
        blanks = 0  # blank lines since the last non-blank line
        candidate: TextBlock | None = None  # a header after a blank line, not yet decided
        candidate_blanks = 0  # blank lines before the candidate
        path = reader.path

        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
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
        if block is not None:
            yield from reader.finish(block)
        if candidate is not None:  # a last header with nothing under it: a system line
            yield from reader.finish(candidate)


@dataclass(slots=True)
class _Reader:
    group: str
    path: str
    tz: tzinfo
    v2: bool  # a 2.x export: a named header with nothing under it is an empty message, not a system line

    def finish(self, block: TextBlock) -> Iterator[Message | Event | Unparsed]:
        loc = Location(self.path, block.lineno)
        try:
            ts = _timestamp(block.header[1], self.tz)
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


def _timestamp(stamp: str, tz: tzinfo) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` (checked by HEADER) without strptime, which is slow per record."""
    return datetime(int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
                    int(stamp[17:19]), tzinfo=tz)


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
    if kind != Kind.TEXT or not text.startswith(("【", "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")):
        return kind
    for pattern, found in _V2_KINDS:
        if pattern.match(text):
            return found
    return Kind.TEXT


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
