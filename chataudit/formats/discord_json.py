"""discord-json: DiscordChatExporter's JSON export.

``{"guild", "channel", "dateRange", "exportedAt", "messages": [...], "messageCount"}``; a
message has ``id``, ``type``, ``timestamp`` (ISO 8601 with offset), ``content``,
``author{id,name,nickname,isBot}``, ``attachments``, ``embeds``, ``stickers``, ``mentions``,
``reference{type,messageId}`` for replies and forwards, and (2.47) ``forwardedMessage``. The
array is streamed.

``type`` is DiscordChatExporter's ``MessageKind`` name (``Default``, ``RecipientAdd``,
``RecipientRemove``, ``Call``, ``ChannelNameChange``, ``ChannelIconChange``,
``ChannelPinnedMessage``, ``GuildMemberJoin``, ``ThreadCreated``, ``Reply``), or Discord's
type number for kinds the exporter has no name for (``"20"``: a slash command's reply). Only
``Default``, ``Reply`` and the application-command replies (20, 23) are chat; every other
type is a system event, and for those the exporter writes its own wording as ``content``
("Started a call that lasted 251 minutes.", "Left the group.").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.formats.jsonstream import (BadRecord, RecentMessages, excerpt, header_values, list_of,
                                          message_objects, object_of, text_of)
from chataudit.formats.tabular import parse_when
from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, Unparsed

CHAT = frozenset({"Default", "Reply", "0", "19", "20", "23", "ChatInputCommand", "ContextMenuCommand"})
EVENTS = {"GuildMemberJoin": EventKind.JOIN, "7": EventKind.JOIN, "RecipientAdd": EventKind.JOIN, "1": EventKind.JOIN,
          "RecipientRemove": EventKind.REMOVED, "2": EventKind.REMOVED, "ChannelNameChange": EventKind.RENAME,
          "4": EventKind.RENAME, "ChannelPinnedMessage": EventKind.ANNOUNCEMENT, "6": EventKind.ANNOUNCEMENT}
# anything else that is not chat (Call, ChannelIconChange, ThreadCreated, boosts, …) is unknown_system
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".heic")
VIDEO_EXT = (".mp4", ".mov", ".webm", ".mkv")


class DiscordJson(Format):
    name = "discord-json"
    title = Text("DiscordChatExporter JSON 导出", "DiscordChatExporter JSON export")
    producer = "DiscordChatExporter (Tyrrrz) → JSON"
    versions = "DiscordChatExporter 2.x JSON (JsonMessageWriter; MessageKind names as of 2.47)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head[:4000]
        return 0.9 if '"guild"' in start and '"channel"' in start and '"messages"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        found = header_values(source.path, {"guild.name", "channel.name"}, "messages")
        group = source.group or "/".join(str(found[k]) for k in ("guild.name", "channel.name") if k in found) \
            or source.path.stem
        recent = RecentMessages()
        for item in message_objects(source.path, "messages.item", stats, ref="id"):
            if isinstance(item, Unparsed):
                yield item
                continue
            msg, loc = item
            try:
                record = _record(group, msg, loc, source, recent)
            except BadRecord as exc:
                yield Unparsed(loc, excerpt(msg), str(exc))
                continue
            if type(record) is Message:
                recent.add(loc.ref, record.sender, record.text)
            yield record


def _name(person: dict) -> str:
    return text_of(person, "nickname") or text_of(person, "name") or text_of(person, "id") or ""


def _record(group: str, msg: dict, loc: Location, source: Source, recent: RecentMessages) -> Message | Event:
    when = text_of(msg, "timestamp")
    try:
        ts = parse_when(when or "", source.tz)
    except ValueError as exc:
        raise BadRecord(f"no valid timestamp ({str(exc)[:80]})") from None
    author = object_of(msg, "author")
    kind_name = text_of(msg, "type") or "Default"
    if kind_name not in CHAT:
        return _event(group, ts, kind_name, msg, author, loc)
    sender = _name(author)
    if not sender:
        raise BadRecord("a message with no author")
    text = text_of(msg, "content") or ""
    reference = object_of(msg, "reference")
    forwarded = object_of(msg, "forwardedMessage")
    if forwarded and not text:  # a forward keeps what it forwards in its own object
        text = text_of(forwarded, "content") or ""
    people = list_of(msg, "mentions", dict)
    mentions = tuple(name for name in map(_name, people) if name) if people else ()
    if "@everyone" in text or "@here" in text:
        mentions = (ALL_MEMBERS, *mentions)
    attachments = list_of(msg, "attachments", dict) or list_of(forwarded, "attachments", dict)
    stickers = list_of(msg, "stickers")
    kind = _attachment_kind(attachments, bool(stickers)) if attachments or stickers else Kind.TEXT
    quote = None
    replied = text_of(reference, "messageId") if reference else None
    if replied and text_of(reference, "type") != "Forward":
        quote = recent.quote(replied)
        kind = Kind.QUOTE if kind == Kind.TEXT else kind
    text = text or MEDIA_TEXT.get(kind, "")
    url = None
    for embed in list_of(msg, "embeds", dict):
        url = text_of(embed, "url")
        if url:
            break
    return Message(group, ts, sender, kind, text, loc, sender_id=text_of(author, "id") or None,
                   mentions=mentions, quote=quote, url=url)


def _event(group: str, ts: datetime, kind_name: str, msg: dict, author: dict, loc: Location) -> Event:
    """A system message. Its content is the exporter's wording (``GetFallbackContent``); who
    it is about is in ``mentions``, and a removal whose author is the removed person is a leave."""
    kind = EVENTS.get(kind_name, EventKind.UNKNOWN)
    text = text_of(msg, "content") or (f"Discord message type {kind_name}" if kind_name.isdigit() else kind_name)
    people = list_of(msg, "mentions", dict)
    targets = tuple(name for name in map(_name, people) if name)
    actor, via = _name(author) or None, None
    if kind == EventKind.JOIN and kind_name in ("GuildMemberJoin", "7"):
        targets, actor, via = (actor,) if actor else (), None, "link"
    elif kind == EventKind.JOIN:
        via = "invite"
    elif kind == EventKind.REMOVED:
        author_id = text_of(author, "id")
        leaving = (people and author_id is not None and text_of(people[0], "id") == author_id) or (
            not people and text.startswith("Left the group"))
        if leaving:
            kind, targets, actor = EventKind.LEAVE, (actor,) if actor else targets, None
    elif kind in (EventKind.RENAME, EventKind.ANNOUNCEMENT, EventKind.UNKNOWN):
        targets = ()
    return Event(group, ts, kind, text, loc, actor=actor, targets=targets, via=via)


def _attachment_kind(attachments: list[dict], sticker: bool) -> Kind:
    if sticker:
        return Kind.STICKER
    for att in attachments:
        name = (text_of(att, "fileName") or text_of(att, "url") or "").lower()
        if name.endswith(IMAGE_EXT):
            return Kind.IMAGE
        if name.endswith(VIDEO_EXT):
            return Kind.VIDEO
        if name:
            return Kind.FILE
    return Kind.TEXT
