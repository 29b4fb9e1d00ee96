"""telegram-json: Telegram Desktop's "Export chat history" in machine-readable JSON (result.json).

``{"name", "type", "id", "messages": [...]}``, as ``export_output_json.cpp`` writes it; a
message has ``id``, ``type`` (``message``, ``service``, or ``unsupported`` with nothing else),
``date`` (local wall time), ``date_unixtime`` (absolute, preferred), ``from`` (null for a
deleted account), ``from_id`` (``"user123"``; a plain number in old exports, 0 included),
``text`` (a string, or a list mixing strings and entity objects such as
``{"type": "text_link", "text": "here", "href": "https://…"}``), ``text_entities``,
``reply_to_message_id`` (and ``reply_to_peer_id`` when the quoted message is in another
chat), media (``photo``, ``file`` with ``media_type``, ``poll{question, answers[{text}]}``,
``todo_list``, ``location_information``, ``contact_information``…). Service messages have
``actor``, ``action`` (``invite_members``, ``remove_members``, ``join_group_by_link`` with
``inviter``, ``edit_group_title``, ``pin_message``, ``phone_call``…) and ``members``. The
``messages`` array is streamed.

A link's hidden address (``text_link``) is written after its words, "words <address>" (angle
brackets end a link for the link finder, where a ")" would be taken into it), so link rules
see it; a poll's text is its question and options; a
reply quotes the message it answers when that was among the last messages read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.formats.jsonstream import (BadRecord, RecentMessages, excerpt, header_values, list_of,
                                          message_objects, object_of, text_of)
from chataudit.formats.tabular import from_epoch, parse_when
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
    versions = "Telegram Desktop 1.3.8–6.x result.json (export_output_json.cpp; numeric from_id of old exports too)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        start = head[:4000]
        if '"messages"' in start and ('"date_unixtime"' in start or '"from_id"' in start or '"text_entities"' in start):
            return 0.9
        return 0.6 if filename == "result.json" and '"messages"' in start else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        group = source.group or str(header_values(source.path, {"name"}, "messages").get("name") or source.path.stem)
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


def _record(group: str, msg: dict, loc: Location, source: Source, recent: RecentMessages) -> Message | Event:
    kind = text_of(msg, "type")
    if kind == "unsupported":
        raise BadRecord("a message Telegram Desktop could not export (\"type\": \"unsupported\")")
    try:
        ts = _when(msg, source)
    except ValueError as exc:  # no date at all, or a broken one
        raise BadRecord(f"no valid date ({str(exc)[:80]})") from None
    return _service(group, ts, msg, loc) if kind == "service" else _message(group, ts, msg, loc, recent)


def _when(msg: dict, source: Source) -> datetime:
    unix = text_of(msg, "date_unixtime")
    if unix:
        return from_epoch(float(unix), source.tz)
    date = text_of(msg, "date")
    if not date:
        raise ValueError("neither date_unixtime nor date")
    return parse_when(date, source.tz)


def flatten(text: object, key: str = "text") -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Telegram's text (a string or a list of strings and entities) → plain text, the people
    it mentions, and the addresses of its links (a text_link's hidden address is written
    after its words: "words <address>")."""
    if text is None or isinstance(text, str):
        return text or "", (), ()
    if not isinstance(text, list):
        raise BadRecord(f"{key!r} is neither text nor a list of text parts")
    parts: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    for piece in text:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        if not isinstance(piece, dict):
            raise BadRecord(f"{key!r} holds a part that is neither text nor an entity")
        value, kind = text_of(piece, "text") or "", text_of(piece, "type")
        if kind == "text_link":
            href = text_of(piece, "href") or ""
            parts.append(f"{value} <{href}>" if href and href != value else value)
            links.append(href)
            continue
        parts.append(value)
        if kind == "link":
            links.append(value)
        elif kind in ("mention", "mention_name"):
            name = value.lstrip("@")
            mentions.append(ALL_MEMBERS if name in ("all", "everyone") else name)
    return "".join(parts), tuple(dict.fromkeys(mentions)), tuple(link for link in links if link)


def _message(group: str, ts: datetime, msg: dict, loc: Location, recent: RecentMessages) -> Message:
    text, mentions, links = flatten(msg.get("text"))
    kind = MEDIA.get(text_of(msg, "media_type") or "", Kind.TEXT)
    if "photo" in msg:
        kind = Kind.IMAGE
    elif "file" in msg and kind == Kind.TEXT:
        kind = Kind.FILE
    elif "location_information" in msg or "place_name" in msg:
        kind = Kind.LOCATION
    elif "contact_information" in msg:
        kind = Kind.CARD
    shown = (_poll(msg) if "poll" in msg else "") or (_todo(msg) if "todo_list" in msg else "")
    if shown:
        kind, text = Kind.OTHER, "\n".join(filter(None, [text, shown]))
    quote = None
    replied = text_of(msg, "reply_to_message_id")
    if replied:  # a message in another chat (reply_to_peer_id) is not among ours: keep its id
        quote = recent.quote(replied) if msg.get("reply_to_peer_id") is None else Quote(None, f"#{replied}")
        kind = Kind.QUOTE if kind == Kind.TEXT else kind
    sender_id = text_of(msg, "from_id")  # "user123", or a number (0 too) in old exports
    sender = text_of(msg, "from") or sender_id or text_of(msg, "author") or group  # a channel's own post
    return Message(group, ts, sender, kind, text or MEDIA_TEXT.get(kind, ""), loc, sender_id=sender_id,
                   mentions=mentions, quote=quote, url=links[0] if links else None)


def _poll(msg: dict) -> str:
    """A poll's question and options, one a line."""
    poll = object_of(msg, "poll")
    if not poll:
        return ""
    options = [flatten(answer.get("text"), "answers")[0] for answer in list_of(poll, "answers", dict)]
    return "\n".join(filter(None, [flatten(poll.get("question"), "question")[0], *options]))


def _todo(msg: dict) -> str:
    """A to-do list's title and items, one a line (Telegram Desktop 6.x)."""
    todo = object_of(msg, "todo_list")
    if not todo:
        return ""
    items = [flatten(item.get("text"), "todo_list")[0] for item in list_of(todo, "answers", dict)]
    return "\n".join(filter(None, [flatten(todo.get("title"), "title")[0], *items]))


def _service(group: str, ts: datetime, msg: dict, loc: Location) -> Event:
    action, actor = text_of(msg, "action") or "", text_of(msg, "actor")
    members = tuple(list_of(msg, "members", str))
    kind = ACTIONS.get(action, EventKind.UNKNOWN)
    if action in ("join_group_by_link", "join_group_by_request"):
        members, via = (actor,) if actor else (), "link"
        actor = text_of(msg, "inviter")
    else:
        via = "invite" if action == "invite_members" else None
    if action == "remove_members" and actor and members == (actor,):
        kind, actor = EventKind.LEAVE, None
    text = flatten(msg.get("text"))[0] or _describe(kind, actor, members, action, text_of(msg, "title"))
    return Event(group, ts, kind, text, loc, actor=actor or None, targets=members, via=via)


def _describe(kind: EventKind, actor: str | None, members: tuple[str, ...], action: str, title: str | None) -> str:
    """Telegram leaves a service message's text empty; say what happened, in WhatsApp's words."""
    who = ", ".join(members)
    if kind == EventKind.JOIN:
        return f"{actor} added {who}" if actor and action == "invite_members" else f"{who} joined"
    if kind == EventKind.LEAVE:
        return f"{who} left"
    if kind == EventKind.REMOVED:
        return f"{actor} removed {who}"
    if kind == EventKind.RENAME:
        return f"{actor} changed the group name to \"{title or ''}\""
    return " ".join(filter(None, [actor, WORDS.get(action, action or "service")]))


WORDS = {"pin_message": "pinned a message", "phone_call": "called", "group_call": "started a video chat",
         "create_group": "created the group", "edit_group_photo": "changed the group photo",
         "delete_group_photo": "removed the group photo", "clear_history": "cleared the history",
         "migrate_to_supergroup": "upgraded the group to a supergroup", "take_screenshot": "took a screenshot"}
