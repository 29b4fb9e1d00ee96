"""wecom-archive: 企业微信 会话内容存档 records (finance SDK GetChatData → DecryptData).

One JSON object a line, or a JSON array of them. Fields: ``msgid``, ``action`` (send, recall,
switch), ``from`` (userid; external contacts start with wo/wm), ``tolist``, ``roomid`` (empty
for one-to-one chats), ``msgtime`` (ms since epoch), ``msgtype`` and an object named after the
type: ``text.content``, ``image``, ``revoke.pre_msgid``, ``agree``/``disagree``, ``file``,
``link``, ``mixed``, ``redpacket`` (amounts in 分), ``docmsg``, ``markdown``, … Userids
become names through ``[input.names]`` in the policy (or stay userids).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions
from chataudit.formats.encoding import iter_lines
from chataudit.formats.jsonstream import message_objects
from chataudit.i18n import Text
from chataudit.records import Event, EventKind, Kind, Location, Message, Unparsed

KINDS = {"text": Kind.TEXT, "markdown": Kind.TEXT, "image": Kind.IMAGE, "voice": Kind.VOICE, "video": Kind.VIDEO,
         "emotion": Kind.STICKER, "file": Kind.FILE, "link": Kind.LINK, "weapp": Kind.MINI_PROGRAM,
         "location": Kind.LOCATION, "card": Kind.CARD, "redpacket": Kind.RED_PACKET, "external_redpacket": Kind.RED_PACKET,
         "docmsg": Kind.LINK, "news": Kind.LINK, "mixed": Kind.TEXT, "chatrecord": Kind.OTHER}


class WeComArchive(Format):
    name = "wecom-archive"
    title = Text("企业微信会话内容存档", "WeCom (企业微信) chat archive")
    producer = "企业微信 会话内容存档 SDK (GetChatData → DecryptData), JSON Lines or a JSON array"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head.lstrip("\ufeff \n\r\t[")[:2000]
        return 0.9 if '"msgid"' in start and '"msgtime"' in start and '"action"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        path = str(source.path)
        if source.head.lstrip("\ufeff \n\r\t").startswith("["):
            for item in message_objects(source.path, "item", stats):
                yield item if isinstance(item, Unparsed) else self._record(*item, source)
            return
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                yield Unparsed(Location(path, lineno), line[:500], "not a JSON object")
                continue
            yield self._record(row, Location(path, lineno), source)

    def _record(self, row: object, loc: Location, source: Source) -> Message | Event | Unparsed:
        if not isinstance(row, dict) or not isinstance(row.get("msgtime"), (int, float)):
            return Unparsed(loc, json.dumps(row, ensure_ascii=False)[:500], "no msgtime (ms) in this record")
        ts = datetime.fromtimestamp(row["msgtime"] / 1000, timezone.utc).astimezone(source.tz)
        names = source.options.names
        sender_id = str(row.get("from") or "")
        sender = names.get(sender_id, sender_id)
        group = source.group or str(row.get("roomid") or "") or "单聊"
        group = names.get(group, group)
        action, msgtype = row.get("action"), str(row.get("msgtype") or "")
        if action == "recall" or msgtype == "revoke":
            return Event(group, ts, EventKind.RECALL, f"{sender} 撤回了一条消息", loc, actor=sender)
        if action == "switch":
            return Event(group, ts, EventKind.UNKNOWN, f"{sender} 切换了企业", loc, actor=sender)
        body = row.get(msgtype) if isinstance(row.get(msgtype), dict) else {}
        text, url, amount = _content(msgtype, body)
        return Message(group, ts, sender, KINDS.get(msgtype, Kind.OTHER), text, loc, sender_id=sender_id or None,
                       mentions=find_mentions(text), url=url, amount=amount)


def _content(msgtype: str, body: dict) -> tuple[str, str | None, float | None]:
    """(text, url, amount in 元) of one archived message."""
    if msgtype == "text":
        return str(body.get("content", "")), None, None
    if msgtype == "markdown":
        return str((body.get("info") or {}).get("content", "")), None, None
    if msgtype in ("link", "docmsg"):
        return str(body.get("title", "")), body.get("link_url") or None, None
    if msgtype == "file":
        return f"[文件] {body.get('filename', '')}", None, None
    if msgtype in ("redpacket", "external_redpacket"):
        cents = body.get("totalamount")
        return f"[红包] {body.get('wish', '')}".strip(), None, cents / 100 if isinstance(cents, (int, float)) else None
    if msgtype == "mixed":
        parts = []
        for item in (body.get("item") or []):
            if isinstance(item, dict) and item.get("type") == "text":
                try:
                    parts.append(str(json.loads(item.get("content") or "{}").get("content", "")))
                except (ValueError, AttributeError):
                    parts.append(str(item.get("content", "")))
        return "\n".join(parts), None, None
    if msgtype in ("agree", "disagree"):
        return ("[同意会话存档]" if msgtype == "agree" else "[不同意会话存档]"), None, None
    return MEDIA_TEXT.get(KINDS.get(msgtype, Kind.OTHER), f"[{msgtype or 'unknown'}]"), None, None
