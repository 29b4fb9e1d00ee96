"""wechat-csv: the CSV export of WeChatMsg / MemoTrace (UTF-8 with BOM, for Excel).

1.x (WeChat 3.x; LC044/WeChatMsg ``app/util/exporter/exporter_csv.py``): header
``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime`` and
``Remark,NickName,Sender`` — the sender's contact as the exporting account sees it (the remark
when set, else their own nickname; not the group nickname). ``Type`` is WeChat's message type;
``StrContent`` holds XML for app messages (links, files, quotes, red packets), from which the
title and URL are taken.

2.x (WeChat 3.x and 4.x; ``exporter/exporter_csv.py``): header
``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息``. ``类型`` is the type in words
(``MessageType.name`` in ``wxManager/model/message.py``: 文本, 图片, 系统消息, 引用消息, 拍一拍…),
``发送人`` the display name, ``时间`` ``YYYY-MM-DD HH:MM:SS``, ``内容`` the message's ``to_text()``
(the same text the 2.x TXT export writes), ``备注``/``昵称`` the sender's contact, ``更多信息`` the
constant ``more``. Columns are read by name in both.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import regex

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions, system_event
from chataudit.formats.system_events import plain_system_text
from chataudit.formats.tabular import csv_header, csv_rows, parse_when
from chataudit.formats.wechat_txt import Content, read_content
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

REQUIRED = {"Type", "CreateTime", "StrContent"}
REQUIRED_V2 = {"类型", "发送人", "时间", "内容"}
TYPES = {"1": Kind.TEXT, "3": Kind.IMAGE, "34": Kind.VOICE, "43": Kind.VIDEO, "47": Kind.STICKER,
         "48": Kind.LOCATION, "42": Kind.CARD}
APP_SUBTYPES = {"5": Kind.LINK, "3": Kind.LINK, "6": Kind.FILE, "57": Kind.QUOTE, "2000": Kind.TRANSFER,
                "2001": Kind.RED_PACKET, "33": Kind.MINI_PROGRAM, "36": Kind.MINI_PROGRAM}
SYSTEM_TYPES = {"10000", "10002"}
# 2.x ``类型`` words (MessageType.name); 系统消息 and 拍一拍 are notices, not messages.
TYPE_NAMES = {
    "文本": Kind.TEXT, "图片": Kind.IMAGE, "视频": Kind.VIDEO, "语音": Kind.VOICE, "表情包": Kind.STICKER,
    "音视频通话": Kind.OTHER, "文件": Kind.FILE, "位置分享": Kind.LOCATION, "分享链接": Kind.LINK,
    "红包": Kind.RED_PACKET, "转账": Kind.TRANSFER, "引用消息": Kind.QUOTE, "合并转发的聊天记录": Kind.OTHER,
    "小程序": Kind.MINI_PROGRAM, "视频号": Kind.LINK, "音乐分享": Kind.LINK, "收藏笔记": Kind.OTHER,
    "个人/公众号名片": Kind.CARD, "企业微信名片": Kind.CARD, "未知类型": Kind.OTHER,
}
SYSTEM_NAMES = {"系统消息", "拍一拍"}
_TAG = {tag: regex.compile(rf"<{tag}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{tag}>", regex.DOTALL)
        for tag in ("title", "url", "des", "displayname", "content", "feedesc")}
_MARKUP = regex.compile(r"<[^>]{0,200}>")


class WeChatCsv(Format):
    name = "wechat-csv"
    title = Text("微信聊天记录 CSV 导出", "WeChat CSV export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 CSV"
    versions = "MemoTrace 1.x (localId,Type,StrContent,… columns) and 2.x (消息ID,类型,发送人,时间,内容,…)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        names = set(csv_header(head))
        return 0.95 if REQUIRED <= names or REQUIRED_V2 | {"消息ID"} <= names else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        group = source.group or source.path.stem.removesuffix("_utf8")
        path = str(source.path)
        for lineno, row in csv_rows(source, stats):
            loc = Location(path, lineno)
            if "StrContent" not in row and "内容" in row:
                yield _row_v2(group, row, source, loc)
                continue
            try:
                ts = parse_when(row.get("CreateTime") or row.get("StrTime") or "", source.tz)
            except ValueError:
                yield Unparsed(loc, ",".join(row.values()), "no valid CreateTime/StrTime")
                continue
            kind_code, content = (row.get("Type") or "").strip(), row.get("StrContent") or ""
            if kind_code in SYSTEM_TYPES:
                yield system_event(group, ts, html.unescape(plain_system_text(content)), loc)
                continue
            sender = (row.get("Remark") or "").strip() or (row.get("NickName") or "").strip() \
                or (row.get("Sender") or "").strip() or ("我" if row.get("IsSender") == "1" else "")
            yield _message(group, ts, sender, row, kind_code, content, loc)


def _row_v2(group: str, row: dict[str, str], source: Source, loc: Location) -> Message | Event | Unparsed:
    ref = (row.get("消息ID") or "").strip() or None
    loc = Location(loc.path, loc.line, ref=ref)
    try:
        ts = parse_when(row.get("时间") or "", source.tz)
    except ValueError:
        return Unparsed(loc, ",".join(row.values()), f"no valid 时间 {row.get('时间', '')!r}")
    type_name, content = (row.get("类型") or "").strip(), row.get("内容") or ""
    if type_name in SYSTEM_NAMES:
        return system_event(group, ts, plain_system_text(content), loc)
    sender = (row.get("发送人") or "").strip()
    read = read_content(content.split("\n"))
    kind = TYPE_NAMES.get(type_name, read.kind)  # 类型 decides; the wording only when 类型 is new
    if kind != read.kind:  # e.g. a 文本 that starts with 【图片】 or has a line 引用：…: the text as sent
        read = Content(kind, content.rstrip("\n"))
    return Message(group, ts, sender, kind, read.text, loc, mentions=find_mentions(read.text),
                   quote=read.quote, url=read.url, amount=read.amount)


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
    text = "\n".join(part for part in (title, _field(content, "des")) if part) or _plain(content) \
        or MEDIA_TEXT.get(kind, "")  # 3.9 keeps app messages in CompressContent, which 1.x does not export
    return Message(group, ts, sender, kind, text, loc, sender_id=sender_id, url=_field(content, "url") or None)


def _field(xml: str, tag: str) -> str:
    m = _TAG[tag].search(xml)
    return html.unescape(m[1]).strip() if m else ""


def _plain(content: str) -> str:
    """System texts carry bits of markup (revoke links, CDATA); keep the words."""
    return html.unescape(_MARKUP.sub("", content.replace("<![CDATA[", "").replace("]]>", ""))).strip()
