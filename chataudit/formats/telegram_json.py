"""telegram-json: Telegram Desktop's "Export chat history" in machine-readable JSON (result.json).

``{"name", "type", "id", "messages": [...]}``; a message has ``id``, ``type`` (``message`` or
``service``), ``date`` (local wall time), ``date_unixtime`` (absolute, preferred), ``from``,
``from_id``, ``text`` (a string, or a list mixing strings and entity objects) and
``text_entities``; service messages have ``actor``, ``action`` (``invite_members``,
``remove_members``, ``join_group_by_link``, ``edit_group_title``…) and ``members``. The
``messages`` array is streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.formats.jsonstream import header_values, message_objects
from chataudit.formats.tabular import parse_when
from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, Quote, Unparsed

MEDIA = {"sticker": Kind.STICKER, "animation": Kind.STICKER, "voice_message": Kind.VOICE, "audio_file": Kind.VOICE,
         "video_file": Kind.VIDEO, "video_message": Kind.VIDEO}
ACTIONS = {"invite_members": EventKind.JOIN, "join_group_by_link": EventKind.JOIN, "join_group_by_request": EventKind.JOIN,
           "remove_members": EventKind.REMOVED, "edit_group_title": EventKind.RENAME, "pin_message": EventKind.ANNOUNCEMENT}


class TelegramJson(Format):
    name = "telegram-json"
    title = Text("Telegram 桌面版 JSON 导出", "Telegram Desktop JSON export")
    producer = "Telegram Desktop → Export chat history → JSON (result.json)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head[:4000]
        if '"messages"' in start and ('"date_unixtime"' in start or '"from_id"' in start or '"text_entities"' in start):
            return 0.9
        return 0.6 if filename == "result.json" and '"messages"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        group = source.group or str(header_values(source.path, {"name"}, "messages").get("name") or source.path.stem)
        for item in message_objects(source.path, "messages.item", stats):
            if isinstance(item, Unparsed):
                yield item
                continue
            msg, loc = item
            try:
                ts = _when(msg, source)
            except (KeyError, ValueError, TypeError, OverflowError):  # no date at all, or a broken one
                yield Unparsed(loc, str(msg.get("date"))[:100], "no valid date")
                continue
            yield _service(group, ts, msg, loc) if msg.get("type") == "service" else _message(group, ts, msg, loc)


def _when(msg: dict, source: Source) -> datetime:
    if msg.get("date_unixtime"):
        return datetime.fromtimestamp(int(msg["date_unixtime"]), timezone.utc).astimezone(source.tz)
    return parse_when(str(msg["date"]), source.tz)


def flatten(text: object) -> tuple[str, tuple[str, ...]]:
    """Telegram's text (a string or a list of strings and entities) → plain text and mentions."""
    if isinstance(text, str):
        return text, ()
    parts, mentions = [], []
    for piece in text if isinstance(text, list) else ():
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict):
            value = str(piece.get("text", ""))
            parts.append(value)
            if piece.get("type") in ("mention", "mention_name"):
                mentions.append(ALL_MEMBERS if value.lstrip("@") in ("all", "everyone") else value.lstrip("@"))
    return "".join(parts), tuple(dict.fromkeys(mentions))


def _message(group: str, ts: datetime, msg: dict, loc: Location) -> Message:
    text, mentions = flatten(msg.get("text", ""))
    kind = MEDIA.get(str(msg.get("media_type") or ""), Kind.TEXT)
    if "photo" in msg:
        kind = Kind.IMAGE
    elif "file" in msg and kind == Kind.TEXT:
        kind = Kind.FILE
    elif "location_information" in msg:
        kind = Kind.LOCATION
    quote = Quote(None, f"#{msg['reply_to_message_id']}") if msg.get("reply_to_message_id") else None
    if quote and kind == Kind.TEXT:
        kind = Kind.QUOTE
    sender = str(msg.get("from") or msg.get("from_id") or "")
    text = text or MEDIA_TEXT.get(kind, "")
    return Message(group, ts, sender, kind, text, loc, sender_id=str(msg.get("from_id") or "") or None,
                   mentions=mentions, quote=quote)


def _service(group: str, ts: datetime, msg: dict, loc: Location) -> Event:
    action, actor = str(msg.get("action") or ""), str(msg.get("actor") or "") or None
    members = tuple(str(m) for m in msg.get("members") or () if m)
    kind = ACTIONS.get(action, EventKind.UNKNOWN)
    if action == "join_group_by_link" or (action == "join_group_by_request"):
        members, via = (actor,) if actor else (), "link"
        actor = msg.get("inviter") or None
    else:
        via = "invite" if action == "invite_members" else None
    if action == "remove_members" and actor and members == (actor,):
        kind, actor = EventKind.LEAVE, None
    return Event(group, ts, kind, flatten(msg.get("text", ""))[0] or _describe(kind, actor, members, msg), loc,
                 actor=actor, targets=members, via=via)


def _describe(kind: EventKind, actor: str | None, members: tuple[str, ...], msg: dict) -> str:
    """Telegram leaves a service message's text empty; say what happened, in WhatsApp's words."""
    who = ", ".join(members)
    if kind == EventKind.JOIN:
        return f"{actor} added {who}" if actor and msg.get("action") == "invite_members" else f"{who} joined"
    if kind == EventKind.LEAVE:
        return f"{who} left"
    if kind == EventKind.REMOVED:
        return f"{actor} removed {who}"
    if kind == EventKind.RENAME:
        return f"{actor} changed the group name to \"{msg.get('title', '')}\""
    return " ".join(filter(None, [actor, str(msg.get("action") or "service")]))
