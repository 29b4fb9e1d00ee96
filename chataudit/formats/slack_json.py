"""slack-json: a Slack workspace export, as its folder or its .zip.

``channels.json`` and ``users.json`` at the top, then one folder per channel with one
``YYYY-MM-DD.json`` per day holding that day's messages (``ts`` as a string of epoch seconds,
``user``, ``text`` with ``<@U123>`` mentions, ``subtype`` such as ``channel_join``). Each
channel is a group. Day files are small and read one at a time. A zip entry that points
outside the export (``../``) or would unpack past the size limits is not read; it is counted.
"""

from __future__ import annotations

import html
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import regex

from chataudit.errors import InputError
from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, Unparsed

MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one day file or users.json, unpacked
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # the whole export, unpacked
DAY_FILE = regex.compile(r"^(?P<channel>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
MENTION = regex.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>|<!(?P<what>channel|here|everyone)(?:\|[^>]*)?>")
LINK = regex.compile(r"<(?P<url>(?:https?|mailto):[^|>]+)(?:\|(?P<label>[^>]*))?>")
EVENTS = {"channel_join": EventKind.JOIN, "group_join": EventKind.JOIN, "channel_leave": EventKind.LEAVE,
          "group_leave": EventKind.LEAVE, "channel_name": EventKind.RENAME, "channel_topic": EventKind.ANNOUNCEMENT,
          "channel_purpose": EventKind.ANNOUNCEMENT}


class _Container:
    """A Slack export as a folder or a zip: its member names and their bytes, within limits."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        self.read_total = 0
        self.refused: list[str] = []

    def names(self) -> list[str]:
        if self.zip is None:
            return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*.json") if p.is_file())
        names = []
        for info in self.zip.infolist():
            pure = PurePosixPath(info.filename)
            if pure.is_absolute() or ".." in pure.parts:
                self.refused.append(info.filename)
            elif not info.is_dir():
                names.append(info.filename)
        return sorted(names)

    def load(self, name: str) -> object:
        if self.zip is None:
            data = (self.path / name).read_bytes()
        else:
            info = self.zip.getinfo(name)
            if info.file_size > MAX_MEMBER_BYTES or self.read_total + info.file_size > MAX_TOTAL_BYTES:
                raise ValueError(f"{name} unpacks to {info.file_size} bytes, over the limit")
            with self.zip.open(info) as fh:
                data = fh.read(MAX_MEMBER_BYTES + 1)
            if len(data) > MAX_MEMBER_BYTES:
                raise ValueError(f"{name} unpacks past {MAX_MEMBER_BYTES} bytes")
        self.read_total += len(data)
        return json.loads(data.decode("utf-8-sig"))


class SlackJson(Format):
    name = "slack-json"
    title = Text("Slack 工作区导出", "Slack workspace export")
    producer = "Slack → Workspace settings → Import/Export data → Export (folder or .zip)"

    @staticmethod
    def sniff_path(path: Path) -> float:
        if path.is_dir():
            return 0.95 if (path / "channels.json").is_file() or (path / "users.json").is_file() else 0.0
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return 0.0
        return 0.95 if "channels.json" in names or "users.json" in names else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        try:
            box = _Container(source.path)
            names = box.names()
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"cannot open the Slack export ({exc})", where=str(source.path)) from None
        for bad in box.refused:
            yield Unparsed(Location(f"{source.path}:{bad}"), bad, "zip entry points outside the export; not read")
        users = self._users(box, names, source)
        for name in names:
            day = DAY_FILE.match(name)
            if day is None:
                continue
            where = f"{source.path}:{name}"
            try:
                messages = box.load(name)
            except (ValueError, OSError, zipfile.BadZipFile) as exc:
                yield Unparsed(Location(where), "", f"day file not read: {str(exc)[:120]}")
                continue
            if not isinstance(messages, list):
                yield Unparsed(Location(where), "", "day file is not a list of messages")
                continue
            stats.lines += len(messages)
            group = source.group or f"#{day['channel']}"
            for index, msg in enumerate(messages):
                yield _record(group, msg, users, source, Location(where, None, index))

    @staticmethod
    def _users(box: _Container, names: list[str], source: Source) -> dict[str, str]:
        users = dict(source.options.names)
        if "users.json" not in names:
            return users
        try:
            listed = box.load("users.json")
        except (ValueError, OSError):
            return users
        for user in listed if isinstance(listed, list) else ():
            if isinstance(user, dict) and user.get("id"):
                profile = user.get("profile") or {}
                users.setdefault(user["id"], profile.get("display_name") or profile.get("real_name")
                                 or user.get("real_name") or user.get("name") or user["id"])
        return users


def _record(group: str, msg: object, users: dict[str, str], source: Source, loc: Location) -> Message | Event | Unparsed:
    if not isinstance(msg, dict):
        return Unparsed(loc, str(msg)[:200], "not a message object")
    try:
        ts = datetime.fromtimestamp(float(msg["ts"]), timezone.utc).astimezone(source.tz)
    except (KeyError, ValueError, TypeError, OverflowError):
        return Unparsed(loc, json.dumps(msg, ensure_ascii=False)[:200], "no valid ts")
    user_id = str(msg.get("user") or msg.get("bot_id") or "")
    profile = msg.get("user_profile") or {}
    sender = users.get(user_id) or profile.get("display_name") or profile.get("real_name") \
        or msg.get("username") or user_id
    text, mentions = _plain(str(msg.get("text") or ""), users)
    subtype = str(msg.get("subtype") or "")
    if subtype in EVENTS:
        inviter = users.get(str(msg.get("inviter") or ""), msg.get("inviter"))
        kind = EVENTS[subtype]
        actor = inviter if kind == EventKind.JOIN else sender if kind != EventKind.LEAVE else None
        return Event(group, ts, kind, text, loc, actor=actor, targets=(sender,) if kind != EventKind.RENAME else (),
                     via="invite" if inviter else None)
    files = msg.get("files") or []
    kind = _file_kind(files) if files else Kind.QUOTE if msg.get("thread_ts") not in (None, msg.get("ts")) else Kind.TEXT
    return Message(group, ts, sender, kind, text or MEDIA_TEXT.get(kind, ""), loc, sender_id=user_id or None,
                   mentions=mentions)


def _plain(text: str, users: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    mentions: list[str] = []

    def mention(m: regex.Match) -> str:
        if m["what"]:
            mentions.append(ALL_MEMBERS)
            return f"@{m['what']}"
        name = users.get(m["id"]) or m["label"] or m["id"]
        mentions.append(name)
        return f"@{name}"

    text = MENTION.sub(mention, text)
    text = LINK.sub(lambda m: m["url"] if not m["label"] else f"{m['label']} ({m['url']})", text)
    return html.unescape(text), tuple(dict.fromkeys(mentions))


def _file_kind(files: list) -> Kind:
    mime = str((files[0] or {}).get("mimetype") or "") if isinstance(files[0], dict) else ""
    if mime.startswith("image/"):
        return Kind.IMAGE
    if mime.startswith("video/"):
        return Kind.VIDEO
    if mime.startswith("audio/"):
        return Kind.VOICE
    return Kind.FILE
