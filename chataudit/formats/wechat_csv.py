"""wechat-csv: the CSV export of WeChatMsg / MemoTrace (UTF-8 with BOM, for Excel).

Header (LC044/WeChatMsg ``exporter_csv.py``): ``localId,TalkerId,Type,SubType,IsSender,
CreateTime,Status,StrContent,StrTime`` and, for groups, ``Remark,NickName,Sender`` — the
sender's contact as the exporting account sees it (the remark when set, else their own
nickname; not the group nickname). Columns are read by name. ``Type`` is WeChat's message
type; ``StrContent`` holds XML for app messages (links, files, quotes, red packets), from
which the title and URL are taken.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import regex

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions, system_event
from chataudit.formats.tabular import csv_header, csv_rows, parse_when
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

REQUIRED = {"Type", "CreateTime", "StrContent"}
TYPES = {"1": Kind.TEXT, "3": Kind.IMAGE, "34": Kind.VOICE, "43": Kind.VIDEO, "47": Kind.STICKER,
         "48": Kind.LOCATION, "42": Kind.CARD}
APP_SUBTYPES = {"5": Kind.LINK, "3": Kind.LINK, "6": Kind.FILE, "57": Kind.QUOTE, "2000": Kind.TRANSFER,
                "2001": Kind.RED_PACKET, "33": Kind.MINI_PROGRAM, "36": Kind.MINI_PROGRAM}
SYSTEM_TYPES = {"10000", "10002"}
_TAG = {tag: regex.compile(rf"<{tag}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{tag}>", regex.DOTALL)
        for tag in ("title", "url", "des", "displayname", "content", "feedesc")}
_MARKUP = regex.compile(r"<[^>]{0,200}>")


class WeChatCsv(Format):
    name = "wechat-csv"
    title = Text("微信聊天记录 CSV 导出", "WeChat CSV export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 CSV"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        return 0.95 if REQUIRED <= set(csv_header(head)) else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        group = source.group or source.path.stem.removesuffix("_utf8")
        path = str(source.path)
        for lineno, row in csv_rows(source, stats):
            loc = Location(path, lineno)
            try:
                ts = parse_when(row.get("CreateTime") or row.get("StrTime") or "", source.tz)
            except ValueError:
                yield Unparsed(loc, ",".join(row.values()), "no valid CreateTime/StrTime")
                continue
            kind_code, content = (row.get("Type") or "").strip(), row.get("StrContent") or ""
            if kind_code in SYSTEM_TYPES:
                yield system_event(group, ts, _plain(content), loc)
                continue
            sender = (row.get("Remark") or "").strip() or (row.get("NickName") or "").strip() \
                or (row.get("Sender") or "").strip() or ("我" if row.get("IsSender") == "1" else "")
            yield _message(group, ts, sender, row, kind_code, content, loc)


def _message(group, ts, sender, row, kind_code: str, content: str, loc: Location) -> Message:
    sender_id = (row.get("Sender") or "").strip() or None
    if kind_code != "49":
        kind = TYPES.get(kind_code, Kind.OTHER)
        text = content if kind == Kind.TEXT else MEDIA_TEXT[kind]
        return Message(group, ts, sender, kind, text, loc, sender_id=sender_id, mentions=find_mentions(text))
    kind = APP_SUBTYPES.get((row.get("SubType") or "").strip(), Kind.OTHER)
    title = _field(content, "title")
    if kind == Kind.QUOTE:
        quote = Quote(_field(content, "displayname") or None, _field(content, "content"))
        return Message(group, ts, sender, kind, title, loc, sender_id=sender_id, quote=quote,
                       mentions=find_mentions(title))
    text = "\n".join(part for part in (title, _field(content, "des")) if part) or _plain(content)
    return Message(group, ts, sender, kind, text, loc, sender_id=sender_id, url=_field(content, "url") or None)


def _field(xml: str, tag: str) -> str:
    m = _TAG[tag].search(xml)
    return html.unescape(m[1]).strip() if m else ""


def _plain(content: str) -> str:
    """System texts carry bits of markup (revoke links, CDATA); keep the words."""
    return html.unescape(_MARKUP.sub("", content.replace("<![CDATA[", "").replace("]]>", ""))).strip()
