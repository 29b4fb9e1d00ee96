"""whatsapp-txt: WhatsApp's "Export chat" text file, Android and iOS layouts.

Android: ``09/10/2023, 08:55 - 王建国: text`` (no seconds; system lines have no ``name:``).
iOS: ``[09/10/2023, 08:55:10] 王建国: text``, lines often start with U+200E, attachments are
``‎<attached: 00000012-PHOTO-….jpg>``, and system lines carry the group name as sender with the
text marked by U+200E. Both use 12- or 24-hour clocks (``8:55 am``, ``8:55 PM`` with a narrow
no-break space) and the locale's date order. Lines without a timestamp continue the message
above. The day/month order is read from the whole file (a first number above 12 means
day-first, a second above 12 month-first); when the file never tells, the policy's
``[input] date_order`` decides, else day-first, and the input says it was ambiguous.
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
from chataudit.records import Event, Kind, Location, Message, Unparsed

LRM = "\u200e"
HEADER = regex.compile(
    r"^\u200e?(?P<bracket>\[)?(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{2,4}),?\s"
    r"(?P<h>\d{1,2})[:.](?P<min>\d{2})(?:[:.](?P<s>\d{2}))?(?:[\s\u202f\u00a0]?(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
    r"(?(bracket)\]\s|\s[-–]\s)(?P<rest>.*)$"
)
ATTACHED = regex.compile(r"<attached: \d+-(?P<what>[A-Z]+)-[^>]*>")
ATTACHMENT_KINDS = {"PHOTO": Kind.IMAGE, "VIDEO": Kind.VIDEO, "AUDIO": Kind.VOICE, "STICKER": Kind.STICKER,
                    "GIF": Kind.STICKER, "CONTACT": Kind.CARD}


class WhatsAppTxt(Format):
    name = "whatsapp-txt"
    title = Text("WhatsApp 导出聊天", "WhatsApp chat export")
    producer = "WhatsApp → Export chat (Android and iOS, without media)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        lines = [line for line in head.splitlines() if line.strip()][:30]
        hits = sum(1 for line in lines if HEADER.match(line))
        if not lines or not HEADER.match(lines[0]):
            return 0.0
        return 0.9 if hits >= max(2, len(lines) // 3) else 0.55

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        order, ambiguous = self._date_order(source)
        if ambiguous:
            stats.notes.append(f"day/month order could not be told from the file; read as {order} "
                               "(set [input] date_order in the policy)")
        group = source.group or _group_name(source.path.stem)
        block: TextBlock | None = None
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            header = HEADER.match(line)
            if header:
                if block is not None:
                    yield from self._finish(block, group, order, source)
                block = TextBlock(lineno, header)
            elif block is not None:
                block.content.append(line)
            elif line.strip():
                yield Unparsed(Location(str(source.path), lineno), line, "text before the first message")
        if block is not None:
            yield from self._finish(block, group, order, source)

    @staticmethod
    def _date_order(source: Source) -> tuple[str, bool]:
        """"ymd", "dmy" or "mdy" from every header of the file, and whether it stayed ambiguous."""
        day_first = month_first = False
        for _, line in iter_lines(source.path, source.encoding):
            m = HEADER.match(line)
            if m is None:
                continue
            if len(m["a"]) == 4:
                return "ymd", False
            day_first |= int(m["a"]) > 12
            month_first |= int(m["b"]) > 12
            if day_first or month_first:
                break
        if day_first != month_first:
            return ("dmy" if day_first else "mdy"), False
        return source.options.date_order or "dmy", True

    def _finish(self, block: TextBlock, group: str, order: str, source: Source) -> Iterator[Message | Event | Unparsed]:
        h = block.header
        loc = Location(str(source.path), block.lineno)
        try:
            ts = _timestamp(h, order).replace(tzinfo=source.tz)
        except ValueError:
            yield from unparsed_lines(loc.path, block.lineno, [h[0], *block.content], "impossible timestamp")
            return
        rest = h["rest"]
        name, sep, first = rest.partition(": ")
        if not sep:
            yield system_event(group, ts, "\n".join([rest, *block.content]).strip(LRM).strip(), loc)
            return
        text = "\n".join([first, *block.content])
        if text.startswith(LRM) and not ATTACHED.search(text):  # iOS: a system line, the group as sender
            yield system_event(group, ts, text.strip(LRM), loc)
            return
        text = text.replace(LRM, "")
        yield Message(group, ts, name.strip(LRM).strip(), _kind(text), text, loc, mentions=find_mentions(text))


def _kind(text: str) -> Kind:
    attached = ATTACHED.search(text)
    if attached:
        return ATTACHMENT_KINDS.get(attached["what"], Kind.FILE)
    return placeholder_kind(text)


def _timestamp(h: regex.Match, order: str) -> datetime:
    a, b, c = int(h["a"]), int(h["b"]), int(h["c"])
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a) if order == "dmy" else (c, a, b)
    if year < 100:
        year += 2000
    hour = int(h["h"])
    if h["ampm"]:
        pm = h["ampm"].lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return datetime(year, month, day, hour, int(h["min"]), int(h["s"] or 0))


def _group_name(stem: str) -> str:
    for prefix in ("WhatsApp Chat with ", "WhatsApp Chat - ", "与", "WhatsApp 聊天 - "):
        if stem.startswith(prefix):
            return stem[len(prefix):] or stem
    return stem
