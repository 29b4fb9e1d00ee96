"""wecom-archive: 企业微信 会话内容存档 records (finance SDK GetChatData → DecryptData).

One JSON object a line, or a JSON array of them. Fields: ``msgid``, ``action`` (send, recall,
switch), ``from`` (userid; external contacts start with wo/wm), ``tolist``, ``roomid`` (empty
for one-to-one chats), ``msgtime`` (ms since epoch), ``msgtype`` and an object named after the
type: ``text.content``, ``image``, ``revoke.pre_msgid``, ``agree``/``disagree``, ``file``,
``link``, ``mixed``, ``redpacket`` (amounts in 分), ``docmsg``, ``markdown``, ``vote``,
``todo``, ``news``, ``weapp``, … A ``switch`` record (a member switched company) has ``time``
and ``user`` instead. Userids become names through ``[input.names]`` in the policy (or stay
userids).

A record that cannot be read (not JSON, a time no record can carry such as ``1e300``, a field
of the wrong type) is an unparsed record with its line or position and the reason; the
records after it are read.
"""

from __future__ import annotations

from collections.abc import Iterator

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions
from chataudit.formats.encoding import iter_lines
from chataudit.formats.jsonstream import BadRecord, excerpt, list_of, loads, message_objects, object_of, text_of
from chataudit.formats.tabular import EARLIEST, LATEST, from_epoch
from chataudit.i18n import Text
from chataudit.records import Event, EventKind, Kind, Location, Message, Unparsed

KINDS = {"text": Kind.TEXT, "markdown": Kind.TEXT, "image": Kind.IMAGE, "voice": Kind.VOICE, "video": Kind.VIDEO,
         "emotion": Kind.STICKER, "file": Kind.FILE, "link": Kind.LINK, "weapp": Kind.MINI_PROGRAM,
         "location": Kind.LOCATION, "card": Kind.CARD, "redpacket": Kind.RED_PACKET, "external_redpacket": Kind.RED_PACKET,
         "docmsg": Kind.LINK, "news": Kind.LINK, "mixed": Kind.TEXT, "chatrecord": Kind.OTHER, "vote": Kind.OTHER,
         "todo": Kind.TEXT}


class WeComArchive(Format):
    name = "wecom-archive"
    title = Text("企业微信会话内容存档", "WeCom (企业微信) chat archive")
    producer = "企业微信 会话内容存档 SDK (GetChatData → DecryptData), JSON Lines or a JSON array"
    versions = "会话内容存档 message format (finance SDK, 2020–): send/recall/switch, text to vote/todo/news"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head.lstrip("\ufeff \n\r\t[")[:2000]
        return 0.9 if '"msgid"' in start and ('"msgtime"' in start or '"time"' in start) and '"action"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        path = str(source.path)
        if _is_array(source.head):
            for item in message_objects(source.path, "item", stats):
                yield item if isinstance(item, Unparsed) else self._record(*item, source)
            return
        for lineno, line in iter_lines(source.path, source.encoding):
            stats.lines = lineno
            if not line.strip():
                continue
            try:
                row = loads(line)
            except ValueError as exc:
                yield Unparsed(Location(path, lineno), excerpt(line), f"not a JSON object ({str(exc)[:80]})")
                continue
            yield self._record(row, Location(path, lineno), source)

    def _record(self, row: object, loc: Location, source: Source) -> Message | Event | Unparsed:
        if not isinstance(row, dict):
            return Unparsed(loc, excerpt(row), "not a JSON object")
        try:
            return _record(row, loc, source)
        except BadRecord as exc:
            return Unparsed(loc, excerpt(row), str(exc))


def _is_array(head: str) -> bool:
    """A JSON array of records: "[" on a line of its own, or followed by the first record's
    "{" (or "]"). A JSON Lines file whose first line is "[[[…" (hostile) is not one."""
    start = head.lstrip("\ufeff \n\r\t")
    if not start.startswith("["):
        return False
    return start.split("\n", 1)[0].strip() == "[" or start[1:].lstrip()[:1] in ("{", "]")


def _record(row: dict, loc: Location, source: Source) -> Message | Event:
    ref = text_of(row, "msgid")
    if ref:
        loc = Location(loc.path, loc.line, loc.index, ref)
    action = text_of(row, "action")
    ms = row["msgtime"] if "msgtime" in row else row.get("time")  # a switch record has "time"
    if type(ms) not in (int, float):
        raise BadRecord("no msgtime (ms) in this record")
    try:
        ts = from_epoch(ms / 1000, source.tz)
    except (ValueError, OverflowError):  # 1e300, NaN, an integer too large for a float
        raise BadRecord(f"msgtime {excerpt(ms, 40)} (ms) is outside the years {EARLIEST.year}–{LATEST.year}") from None
    names = source.options.names
    sender_id = text_of(row, "from") or text_of(row, "user") or ""
    sender = names.get(sender_id, sender_id)
    group = source.group or text_of(row, "roomid") or "单聊"
    group = names.get(group, group)
    msgtype = text_of(row, "msgtype") or ""
    if action == "recall" or msgtype == "revoke":
        return Event(group, ts, EventKind.RECALL, f"{sender} 撤回了一条消息", loc, actor=sender)
    if action == "switch":
        return Event(group, ts, EventKind.UNKNOWN, f"{sender} 切换了企业", loc, actor=sender)
    body = row.get(msgtype)
    body = body if isinstance(body, dict) else {}
    text, url, amount = _content(msgtype, body)
    return Message(group, ts, sender, KINDS.get(msgtype, Kind.OTHER), text, loc, sender_id=sender_id or None,
                   mentions=find_mentions(text), url=url, amount=amount)


def _content(msgtype: str, body: dict) -> tuple[str, str | None, float | None]:
    """(text, url, amount in 元) of one archived message."""
    if msgtype == "text":
        return text_of(body, "content") or "", None, None
    if msgtype == "markdown":
        return text_of(object_of(body, "info"), "content") or "", None, None
    if msgtype in ("link", "docmsg"):
        return text_of(body, "title") or "", text_of(body, "link_url") or None, None
    if msgtype == "file":
        return f"[文件] {text_of(body, 'filename') or ''}", None, None
    if msgtype in ("redpacket", "external_redpacket"):
        cents = body.get("totalamount")
        amount = cents / 100 if type(cents) in (int, float) else None
        return f"[红包] {text_of(body, 'wish') or ''}".strip(), None, amount
    if msgtype == "mixed":
        parts = []
        for item in list_of(body, "item", dict):
            if text_of(item, "type") == "text":
                content = text_of(item, "content") or ""
                try:  # the content is itself JSON text: {"content": "…"}
                    inner = loads(content)
                    parts.append((text_of(inner, "content") or "") if isinstance(inner, dict) else content)
                except ValueError:
                    parts.append(content)
        return "\n".join(parts), None, None
    if msgtype == "vote":  # 101 starts a vote, 102 is someone voting: the title and the options either way
        return "\n".join([text_of(body, "votetitle") or "", *list_of(body, "voteitem", str)]).strip(), None, None
    if msgtype == "todo":
        return "\n".join(filter(None, [text_of(body, "title"), text_of(body, "content")])), None, None
    if msgtype == "news":
        items = list_of(object_of(body, "info"), "item", dict)
        titles = [text_of(item, "title") or "" for item in items]
        return "\n".join(filter(None, titles)) or MEDIA_TEXT[Kind.LINK], next(
            (text_of(item, "url") for item in items if text_of(item, "url")), None), None
    if msgtype == "weapp":
        return f"[小程序] {text_of(body, 'title') or text_of(body, 'displayname') or ''}".strip(), None, None
    if msgtype in ("agree", "disagree"):
        return ("[同意会话存档]" if msgtype == "agree" else "[不同意会话存档]"), None, None
    return MEDIA_TEXT.get(KINDS.get(msgtype, Kind.OTHER), f"[{msgtype or 'unknown'}]"), None, None
