"""wechat-txt: the text export of WeChatMsg / MemoTrace (留痕).

Layout (LC044/WeChatMsg ``exporter_txt.py``): a header line ``YYYY-MM-DD HH:MM:SS name``,
the content lines, one blank line. A system line is a header with no name and no content:
``YYYY-MM-DD HH:MM:SS <system text>`` followed directly by the blank line. A quoted reply
ends with ``引用:<name>:<quoted text>`` (the quoted text may run over several lines); a link
card is a block of indented ``[链接]:title:…``, ``description:…``, ``url:…``, ``name:…`` lines.

A header is only a header at the start of the file or after a blank line, so a pasted chat
log inside a message stays content. Blank lines inside a message are content too: a blank
line only ends a record when a header (or the end of the file) follows it.
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
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

HEADER = regex.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (\S.*)$")
_QUOTE_PREFIX = "引用:"
_LINK_PREFIX = "[链接]:title:"



class WeChatTxt(Format):
    name = "wechat-txt"
    title = Text("微信聊天记录文本导出", "WeChat text export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 TXT"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        lines = head.splitlines()
        first = next((line for line in lines if line.strip()), "")
        if not HEADER.match(first):
            return 0.0
        headers = sum(1 for line in lines if HEADER.match(line))
        return 0.9 if headers >= 2 or len(lines) < 4 else 0.6

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        """Stream records. A header after a blank line is only a *candidate* until the next
        non-blank line decides: content right under it makes it a message; a blank line and
        then another header (or the end) makes it a system line; a blank line and then plain
        text means it was pasted text inside the previous message."""
        group = source.group or source.path.stem
        path = str(source.path)
        block: TextBlock | None = None
        blanks = 0  # blank lines since the last non-blank line
        candidate: TextBlock | None = None  # a header after a blank line, not yet decided
        candidate_blanks = 0  # blank lines before the candidate

        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                blanks += 1
                continue
            header = HEADER.match(line)
            if candidate is not None:
                if not blanks:  # content right under the candidate: a message header
                    if block is not None:
                        yield from self._finish(block, group, source)
                    block, candidate = candidate, None
                elif header:  # candidate, blank, header: the candidate was a system line
                    if block is not None:
                        yield from self._finish(block, group, source)
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
            yield from self._finish(block, group, source)
        if candidate is not None:  # a last header with nothing under it: a system line
            yield from self._finish(candidate, group, source)

    def _finish(self, block: TextBlock, group: str, source: Source) -> Iterator[Message | Event | Unparsed]:
        loc = Location(str(source.path), block.lineno)
        try:
            ts = _timestamp(block.header[1], source.tz)
        except ValueError:
            yield from unparsed_lines(loc.path, block.lineno, [block.header[0], *block.content],
                                      f"impossible timestamp {block.header[1]}")
            return
        rest = block.header[2].strip()
        if not block.content:
            yield system_event(group, ts, rest, loc)
        else:
            yield _message(group, ts, rest, block.content, loc)


def _timestamp(stamp: str, tz) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` (checked by HEADER) without strptime, which is slow per record."""
    return datetime(int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
                    int(stamp[17:19]), tzinfo=tz)


def _message(group: str, ts: datetime, sender: str, content: list[str], loc: Location) -> Message:
    while content and not content[-1].strip():  # the link card's trailing whitespace line
        content = content[:-1]
    stripped = content[0].strip()
    if stripped.startswith(_LINK_PREFIX):
        return _link_card(group, ts, sender, content, loc)
    quote = None
    for i, line in enumerate(content):
        if line.startswith(_QUOTE_PREFIX):
            quote = _parse_quote("\n".join(content[i:])[len(_QUOTE_PREFIX):])
            content = content[:i]
            break
    text = "\n".join(content)
    kind = Kind.QUOTE if quote else placeholder_kind(text)
    return Message(group, ts, sender, kind, text, loc, mentions=find_mentions(text), quote=quote)


def _parse_quote(body: str) -> Quote:
    if body == "未知":
        return Quote(None, "")
    name, sep, text = body.partition(":")
    return Quote(name, text) if sep else Quote(None, body)


def _link_card(group: str, ts: datetime, sender: str, content: list[str], loc: Location) -> Message:
    fields: dict[str, str] = {}
    for line in content:
        key, _, value = line.strip().removeprefix("[链接]:").partition(":")
        fields.setdefault(key, value)
    title, description = fields.get("title", ""), fields.get("description", "")
    text = "\n".join(part for part in (title, description) if part and part != "None")
    url = fields.get("url") or None
    return Message(group, ts, sender, Kind.LINK, text, loc, url=url if url != "None" else None)
