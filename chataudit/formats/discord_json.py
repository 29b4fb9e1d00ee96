"""discord-json: DiscordChatExporter's JSON export.

``{"guild", "channel", "dateRange", "exportedAt", "messages": [...], "messageCount"}``; a
message has ``id``, ``type`` (``Default``, ``Reply``, ``GuildMemberJoin``, ``RecipientAdd``,
``RecipientRemove``, ``ChannelNameChange``, ``ChannelPinnedMessage``…), ``timestamp`` (ISO 8601
with offset), ``content``, ``author{id,name,nickname,isBot}``, ``attachments``, ``embeds``,
``stickers``, ``mentions`` and ``reference`` for replies. The array is streamed.
"""

from __future__ import annotations

from collections.abc import Iterator

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.formats.jsonstream import header_values, message_objects
from chataudit.formats.tabular import parse_when
from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, Quote, Unparsed

EVENTS = {"GuildMemberJoin": EventKind.JOIN, "RecipientAdd": EventKind.JOIN, "RecipientRemove": EventKind.REMOVED,
          "ChannelNameChange": EventKind.RENAME, "ChannelPinnedMessage": EventKind.ANNOUNCEMENT}
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".heic")
VIDEO_EXT = (".mp4", ".mov", ".webm", ".mkv")


class DiscordJson(Format):
    name = "discord-json"
    title = Text("DiscordChatExporter JSON 导出", "DiscordChatExporter JSON export")
    producer = "DiscordChatExporter (Tyrrrz) → JSON"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head[:4000]
        return 0.9 if '"guild"' in start and '"channel"' in start and '"messages"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        found = header_values(source.path, {"guild.name", "channel.name"}, "messages")
        group = source.group or "/".join(str(found[k]) for k in ("guild.name", "channel.name") if k in found) \
            or source.path.stem
        for item in message_objects(source.path, "messages.item", stats):
            if isinstance(item, Unparsed):
                yield item
                continue
            msg, loc = item
            try:
                ts = parse_when(str(msg["timestamp"]), source.tz)
            except (KeyError, ValueError):
                yield Unparsed(loc, str(msg.get("timestamp"))[:100], "no valid timestamp")
                continue
            yield _record(group, ts, msg, loc)


def _name(person: object) -> str:
    if not isinstance(person, dict):
        return ""
    return str(person.get("nickname") or person.get("name") or person.get("id") or "")


def _record(group, ts, msg: dict, loc: Location) -> Message | Event:
    author = msg.get("author") or {}
    kind_name = str(msg.get("type") or "Default")
    if kind_name in EVENTS:
        targets = tuple(_name(m) for m in msg.get("mentions") or ()) or (_name(author),)
        actor = _name(author) if kind_name != "GuildMemberJoin" else None
        return Event(group, ts, EVENTS[kind_name], str(msg.get("content") or kind_name), loc,
                     actor=actor, targets=targets if kind_name != "ChannelNameChange" else (),
                     via="link" if kind_name == "GuildMemberJoin" else "invite" if kind_name == "RecipientAdd" else None)
    text = str(msg.get("content") or "")
    mentions = tuple(_name(m) for m in msg.get("mentions") or () if _name(m))
    if "@everyone" in text or "@here" in text:
        mentions = (ALL_MEMBERS, *mentions)
    kind = _attachment_kind(msg.get("attachments") or [], bool(msg.get("stickers")), text)
    quote = None
    if msg.get("reference"):
        quote = Quote(None, f"#{(msg.get('reference') or {}).get('messageId', '')}")
        kind = Kind.QUOTE if kind == Kind.TEXT else kind
    text = text or MEDIA_TEXT.get(kind, "")
    embeds = msg.get("embeds") or []
    url = next((e.get("url") for e in embeds if isinstance(e, dict) and e.get("url")), None)
    return Message(group, ts, _name(author), kind, text, loc, sender_id=str(author.get("id") or "") or None,
                   mentions=mentions, quote=quote, url=url)


def _attachment_kind(attachments: list, sticker: bool, text: str) -> Kind:
    if sticker:
        return Kind.STICKER
    for att in attachments:
        name = str((att or {}).get("fileName") or (att or {}).get("url") or "").lower() if isinstance(att, dict) else ""
        if name.endswith(IMAGE_EXT):
            return Kind.IMAGE
        if name.endswith(VIDEO_EXT):
            return Kind.VIDEO
        if name:
            return Kind.FILE
    return Kind.TEXT
