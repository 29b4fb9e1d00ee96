"""slack-json: a Slack workspace export, as its folder or its .zip.

``channels.json``, ``users.json`` (``org_users.json`` on Enterprise Grid) and
``integration_logs.json`` at the top (also when the whole
export sits in one folder inside the zip), then one folder per channel (a DM's folder is named
by its id) with one ``YYYY-MM-DD.json`` per day holding an array of that day's messages (``ts``
as a string of epoch seconds, ``user``, ``text`` with ``<@U123>`` mentions, ``subtype`` such as
``channel_join``). Each channel is a group. Learned from Slack's help page on reading an export,
slack-export-viewer's reader and message model, and a public export
(tests/fixtures/slack-json/README.md names them).

What a row can be, besides a person's message:

- ``bot_message``: ``text`` is often empty and the content is in ``attachments``
  (``pretext``/``title``/``text``/``fields``, else ``fallback``) or ``blocks``; the sender is
  the bot, named from ``bot_profile.name``, then ``username``, then the bot users in
  ``users.json`` (``profile.bot_id``) and ``integration_logs.json`` (``service_id``/``app_id`` →
  ``service_type``/``app_type``), then the bot id;
- legacy ``file_share`` with a singular ``file`` (text ``<@U…|name> uploaded a file: <…|title>
  and commented: …``): a file message with the comment as its text; ``file_comment``: the
  sender is ``comment.user``, the text ``comment.comment``;
- ``channel_join``/``leave``/``name``/``topic``/``purpose`` (and the ``group_*`` forms of private
  channels): events; archive, pin, bot and reminder notices: system events by their user.

Nobody ends up with an empty sender: the user's display name (``--names`` first, then
``users.json``, then the row's ``user_profile``), else the bot's name, else the id, else
``(unknown sender)``. Link unfurls (``attachments`` Slack generated from a URL in the text) are
not message text.

Day files are streamed item by item (``jsonstream.array_items``), never loaded whole, through
:mod:`chataudit.formats.archive`, which gives a folder the same limits as a zip. An entry that is
not read is one unparsed record with its reason: ``../`` names, symbolic links (never followed),
encrypted or deflate64 entries, a bad CRC, files past the size limits, nested archives, day files
a folder deeper than a channel folder, ``.JSON`` in upper case, and anything else that is not
part of the layout. Lone surrogates (``\\ud83d``) in any string are replaced by U+FFFD.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import regex

from chataudit.errors import InputError
from chataudit.formats import archive
from chataudit.formats.archive import JSON_BREAKS, OPEN_ERRORS, ArchiveError, Entry, Export, Member
from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source
from chataudit.formats.jsonstream import array_items
from chataudit.formats.tabular import from_epoch
from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, Unparsed

MAX_MEMBER_BYTES = archive.MAX_MEMBER_BYTES  # one day file or users.json, unpacked
MAX_TOTAL_BYTES = archive.MAX_TOTAL_BYTES  # the whole export, unpacked
MAX_TEXT = 200_000  # characters; Slack itself cuts a message at 40,000
MAX_TOKEN = 4 * 1024 * 1024  # bytes of one JSON string or number in a day file
UNKNOWN_SENDER = "(unknown sender)"
META = ("channels.json", "users.json", "org_users.json", "groups.json", "dms.json", "mpims.json",
        "integration_logs.json")  # with content_flags.json and canvases.json, the export's top-level files
DAY = regex.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
DAY_ANY_CASE = regex.compile(r"^\d{4}-\d{2}-\d{2}\.json$", regex.IGNORECASE)
ARCHIVES = (".zip", ".tar", ".tgz", ".gz", ".7z", ".rar", ".bz2", ".xz")
MEDIA_FOLDERS = {"attachments", "__uploads", "files"}  # where slackdump-style exports keep the files
MENTION = regex.compile(r"<@(?P<id>[UWB][A-Z0-9]+)(?:\|(?P<label>[^>]*))?>|<!(?P<what>channel|here|everyone)(?:\|[^>]*)?>")
LINK = regex.compile(r"<(?P<url>(?:https?|mailto):[^|>]+)(?:\|(?P<label>[^>]*))?>")
LEGACY_UPLOAD = regex.compile(r"^<@[UW][A-Z0-9]+(?:\|[^>]*)?> (?:uploaded|shared) a file: <[^>]*>"
                              r"(?: and commented: (?P<comment>.*))?$", regex.DOTALL)
BOT_ADDED = regex.compile(r"<https?://[^|>]+/services/(?P<id>B[A-Z0-9]+)\|(?P<name>[^>]+)>")
SURROGATE = regex.compile(r"[\ud800-\udfff]")
EVENTS = {"channel_join": EventKind.JOIN, "group_join": EventKind.JOIN, "channel_leave": EventKind.LEAVE,
          "group_leave": EventKind.LEAVE, "channel_name": EventKind.RENAME, "group_name": EventKind.RENAME,
          "channel_topic": EventKind.ANNOUNCEMENT, "group_topic": EventKind.ANNOUNCEMENT,
          "channel_purpose": EventKind.ANNOUNCEMENT, "group_purpose": EventKind.ANNOUNCEMENT}
NOTICES = {"channel_archive", "channel_unarchive", "group_archive", "group_unarchive", "pinned_item", "unpinned_item",
           "bot_add", "bot_remove", "bot_enable", "bot_disable", "reminder_add", "sh_room_created",
           "channel_convert_to_private", "channel_convert_to_public", "channel_posting_permissions"}


class SlackJson(Format):
    name = "slack-json"
    title = Text("Slack 工作区导出", "Slack workspace export")
    producer = "Slack → Workspace settings → Import/Export data → Export (folder or .zip)"
    versions = ("Slack JSON exports 2015– (legacy file/file_comment rows, bot_message with attachments, "
                "bot_profile, blocks, integration_logs.json, org_users.json); slackdump's standard export")

    @staticmethod
    def sniff_path(path: Path) -> float:
        try:
            if path.is_dir():
                if any((path / name).is_file() for name in META[:3]):
                    return 0.95
                inner = [p for p in path.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
                return 0.95 if len(inner) == 1 and inner[0].is_dir() and not inner[0].is_symlink() \
                    and any((inner[0] / name).is_file() for name in META[:3]) else 0.0
            with archive.zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except OPEN_ERRORS:
            return 0.0
        root = _root(names)
        return 0.95 if any(root + name in names for name in META[:3]) else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        try:
            export = Export(source.path, max_member=MAX_MEMBER_BYTES, max_total=MAX_TOTAL_BYTES)
        except (ArchiveError, OSError) as exc:
            raise InputError(f"cannot open the Slack export ({exc})", where=str(source.path)) from None
        with export:
            yield from self._read(export, source, stats)

    def _read(self, export: Export, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        root = _root([entry.name for entry in export.entries])
        meta: dict[str, Entry] = {}
        days: list[Entry] = []
        media = 0
        for entry in export.entries:
            where = Location(f"{source.path}:{entry.name}")
            if entry.problem:
                yield Unparsed(where, entry.name, entry.problem)
                continue
            what, reason = _classify(entry.name[len(root):] if entry.name.startswith(root) else None)
            if what == "meta":
                meta[entry.name[len(root):]] = entry
            elif what == "day":
                days.append(entry)
            elif what == "media":
                media += 1
            else:
                yield Unparsed(where, entry.name, reason or "not read")
        if media:
            stats.notes.append(f"{media} attached file(s) in the export are not read (the messages name them)")
        users, bots = dict(source.options.names), dict(source.options.names)
        for name, read in (("users.json", _add_user), ("org_users.json", _add_user),
                           ("integration_logs.json", _add_integration)):
            if name in meta:
                yield from _directory(export, meta[name], read, users, bots)
        done = 0
        for entry in days:
            share = entry.info.compress_size if entry.info is not None else entry.size
            yield from self._day(export, entry, root, users, bots, source, stats, done, share)
            done += share

    def _day(self, export: Export, entry: Entry, root: str, users: dict[str, str], bots: dict[str, str],
             source: Source, stats: InputStats, done: int, share: int) -> Iterator[Message | Event | Unparsed]:
        where = f"{source.path}:{entry.name}"
        group = source.group or f"#{entry.name[len(root):].split('/', 1)[0]}"
        try:
            member = export.member(entry)
            member.max_run, member.run_breaks = MAX_TOKEN, JSON_BREAKS
            if export.zip is not None:
                member.verify()  # a damaged entry is one unparsed record, not a stream of half-read messages
            start = _first_byte(member)
        except ArchiveError as exc:
            yield Unparsed(Location(where), "", f"day file not read: {exc}")
            return
        if start != b"[":
            yield Unparsed(Location(where), "", "day file is not a list of messages" if start else "day file is empty")
            return
        scratch = InputStats()
        try:
            with member.progress(done, share):
                for item in array_items(member, "item", scratch):  # type: ignore[arg-type]
                    if isinstance(item, Unparsed):
                        yield item
                        continue
                    index, msg = item
                    stats.lines += 1
                    yield _safe_record(group, msg, users, bots, source, Location(where, None, index + 1))
        except ArchiveError as exc:
            yield Unparsed(Location(where), "", f"day file stopped: {exc}")
        except UnicodeDecodeError:
            yield Unparsed(Location(where), "", "day file stopped: bytes that are not valid UTF-8")


def _root(names: list[str]) -> str:
    """"" when the export's files are at the top; "folder/" when the zip holds one folder with them."""
    if any(name in META for name in names):
        return ""
    tops = {name.split("/", 1)[0] for name in names if "/" in name and not name.startswith("__MACOSX/")}
    if len(tops) == 1:
        top = next(iter(tops))
        if any(f"{top}/{name}" in names for name in META):
            return top + "/"
    return ""


def _classify(rel: str | None) -> tuple[str, str | None]:
    """What an entry is in the layout: "meta", "day", "media", or "skip" with the reason."""
    if rel is None:
        return "skip", "outside the export's folder; not read"
    parts = rel.split("/")
    lower = rel.lower()
    if lower.endswith(ARCHIVES):
        return "skip", "nested archive inside the export; not read"
    if len(parts) == 1:
        if rel.endswith(".json"):
            return "meta", None
        if lower.endswith(".json"):
            return "skip", "upper-case .JSON name (Slack writes .json); not read"
        return "skip", "not part of a Slack export's layout; not read"
    if parts[0] in MEDIA_FOLDERS or any(part in MEDIA_FOLDERS for part in parts[1:-1]):
        return "media", None
    if len(parts) == 2:
        if DAY.match(parts[1]):
            return "day", None
        if DAY_ANY_CASE.match(parts[1]) or lower.endswith(".json") and not rel.endswith(".json"):
            return "skip", "upper-case .JSON name (Slack writes .json); not read"
        if rel.endswith(".json"):
            return "skip", "not a day file (YYYY-MM-DD.json) in a channel folder; not read"
        return "skip", "not part of a Slack export's layout; not read"
    if DAY_ANY_CASE.match(parts[-1]):
        return "skip", f"day file {len(parts) - 2} folder(s) deeper than a channel folder; not read"
    return "skip", "not part of a Slack export's layout; not read"


def _first_byte(member: Member) -> bytes:
    """The first byte of the JSON, past a BOM and white space (b"" for an empty file)."""
    with member.open("rb") as fh:
        while True:
            chunk = fh.read(4096)
            if not chunk:
                return b""
            chunk = chunk.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
            if chunk:
                return chunk[:1]


def _directory(export: Export, entry: Entry, read, users: dict[str, str], bots: dict[str, str]) -> Iterator[Unparsed]:
    """Names from users.json or integration_logs.json (an array, or ``{"logs": [...]}`` as the
    API returns it); a file that can't be read is counted."""
    where = f"{export.path}:{entry.name}"
    try:
        member = export.member(entry)
        member.max_run, member.run_breaks = MAX_TOKEN, JSON_BREAKS
        if export.zip is not None:
            member.verify()
        prefix = "logs.item" if _first_byte(member) == b"{" else "item"
        with member.progress(0, 0):  # the progress display counts the day files
            for item in array_items(member, prefix, InputStats()):  # type: ignore[arg-type]
                if isinstance(item, Unparsed):
                    yield Unparsed(item.loc, item.text, f"{entry.name}: {item.reason}; names after it fall back to ids")
                elif isinstance(item[1], dict):
                    read(item[1], users, bots)
    except ArchiveError as exc:
        yield Unparsed(Location(where), "", f"{entry.name} not read: {exc}; senders are shown by id")
    except UnicodeDecodeError:
        yield Unparsed(Location(where), "", f"{entry.name} is not valid UTF-8; senders are shown by id")


def _add_user(user: dict, users: dict[str, str], bots: dict[str, str]) -> None:
    uid = _s(user.get("id"))
    if not uid:
        return
    profile = _dict(user.get("profile"))
    name = (_s(profile.get("display_name")) or _s(profile.get("real_name")) or _s(user.get("real_name"))
            or _s(user.get("name")) or uid)
    users.setdefault(uid, name)
    for key in ("bot_id", "api_app_id"):
        if _s(profile.get(key)):
            bots.setdefault(_s(profile.get(key)), name)


def _add_integration(log: dict, users: dict[str, str], bots: dict[str, str]) -> None:
    name = _s(log.get("service_type")) or _s(log.get("app_type")) or _s(log.get("bot_name"))
    if name:
        for key in ("bot_id", "service_id", "app_id"):
            if _s(log.get(key)):
                bots.setdefault(_s(log.get(key)), name)


def _safe_record(group: str, msg: object, users: dict[str, str], bots: dict[str, str], source: Source,
                 loc: Location) -> Message | Event | Unparsed:
    """A row as a record; a row whose shape is wrong in a way not foreseen is unparsed, never a crash."""
    if not isinstance(msg, dict):
        return Unparsed(loc, _snippet(msg), "not a message object")
    try:
        return _record(group, msg, users, bots, source, loc)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, OverflowError) as exc:
        return Unparsed(loc, _snippet(msg), f"malformed message ({type(exc).__name__})")


def _record(group: str, msg: dict, users: dict[str, str], bots: dict[str, str], source: Source,
            loc: Location) -> Message | Event | Unparsed:
    ts_text = _s(msg.get("ts"))
    try:
        ts = from_epoch(float(ts_text), source.tz)
    except (ValueError, OverflowError, OSError):
        return Unparsed(loc, _snippet(msg), "no valid ts")
    loc = Location(loc.path, loc.line, loc.index, ts_text)
    subtype = _s(msg.get("subtype"))
    comment = _dict(msg.get("comment"))
    user_id = _s(comment.get("user")) if subtype == "file_comment" and comment.get("user") else _s(msg.get("user"))
    bot_id = _s(msg.get("bot_id"))
    sender = _sender(msg, subtype, user_id, bot_id, users, bots)
    text = _s(msg.get("text"))
    if subtype == "bot_add":
        for found in BOT_ADDED.finditer(text):
            bots.setdefault(found["id"], found["name"])
    if subtype in EVENTS or subtype in NOTICES:
        plain, _ = _plain(text, users)
        if subtype in NOTICES:
            return Event(group, ts, EventKind.UNKNOWN, plain, loc, actor=sender)
        inviter_id = _s(msg.get("inviter"))
        inviter = users.get(inviter_id, inviter_id) if inviter_id else None
        kind = EVENTS[subtype]
        actor = inviter if kind == EventKind.JOIN else sender if kind != EventKind.LEAVE else None
        return Event(group, ts, kind, plain, loc, actor=actor,
                     targets=(sender,) if kind != EventKind.RENAME else (), via="invite" if inviter else None)
    single = _dict(msg.get("file"))
    files = [f for f in msg.get("files") or [] if isinstance(f, dict)] if isinstance(msg.get("files"), list) else []
    if not files and single:
        files = [single]
    if subtype == "file_comment" and comment:
        text = _s(comment.get("comment")) or text
    elif subtype in ("file_share", "file_mention") and single and not msg.get("files"):
        upload = LEGACY_UPLOAD.match(text)
        initial = _s(_dict(single.get("initial_comment")).get("comment"))
        if upload:
            text = upload["comment"] or initial
    extra = _attachments_text(msg.get("attachments"))
    if not text.strip() and not extra:
        text = _blocks_text(msg.get("blocks"))
    if extra:
        text = f"{text}\n{extra}" if text.strip() else extra
    if len(text) > MAX_TEXT:
        return Unparsed(loc, text[:200], f"message text of {len(text):,} characters, more than Slack allows; not read")
    text, mentions = _plain(text, users)
    if subtype in ("file_share", "file_comment", "file_mention"):
        mentions = tuple(m for m in mentions if m != sender)
    thread = _s(msg.get("thread_ts"))
    kind = _file_kind(files) if files and subtype != "file_comment" else \
        Kind.QUOTE if thread and thread != ts_text else Kind.TEXT
    if not text.strip() and kind in MEDIA_TEXT:
        title = _s(files[0].get("title")) or _s(files[0].get("name")) if files else ""
        text = f"{MEDIA_TEXT[kind]} {title}".strip()
    return Message(group, ts, sender, kind, text, loc, sender_id=user_id or bot_id or None, mentions=mentions)


def _sender(msg: dict, subtype: str, user_id: str, bot_id: str, users: dict[str, str], bots: dict[str, str]) -> str:
    """The name a person would recognise; never empty."""
    if user_id:
        profile = _dict(msg.get("user_profile"))
        name = users.get(user_id) or _s(profile.get("display_name")) or _s(profile.get("real_name"))
        if name:
            return name
    if bot_id or subtype == "bot_message":
        profile = _dict(msg.get("bot_profile"))
        app_id = _s(msg.get("app_id")) or _s(profile.get("app_id"))
        name = (_s(profile.get("name")) or _s(msg.get("username")) or bots.get(bot_id) or bots.get(app_id)
                or users.get(bot_id))
        if name:
            return name
    return _s(msg.get("username")) or user_id or bot_id or UNKNOWN_SENDER


def _attachments_text(attachments: object) -> str:
    """What an app or bot put in ``attachments``; link previews Slack made from the text are left out."""
    if not isinstance(attachments, list):
        return ""
    parts: list[str] = []
    for att in attachments[:100]:
        if not isinstance(att, dict) or att.get("from_url") or att.get("original_url") or att.get("is_app_unfurl") \
                or att.get("is_msg_unfurl"):
            continue
        own = [_s(att.get(key)) for key in ("pretext", "author_name", "title", "text")]
        for field in att.get("fields") or [] if isinstance(att.get("fields"), list) else []:
            if isinstance(field, dict):
                own.append(": ".join(p for p in (_s(field.get("title")), _s(field.get("value"))) if p))
        own = [p for p in own if p.strip()]
        parts.extend(own or [_s(att.get("fallback"))])
    return "\n".join(p for p in parts if p.strip())


def _blocks_text(blocks: object) -> str:
    """The text of Block Kit blocks (rich_text, section, context…), depth- and size-limited."""
    out: list[str] = []
    stack: list[tuple[object, int]] = [(blocks, 0)]
    seen = 0
    while stack and seen < 10_000:
        node, depth = stack.pop()
        seen += 1
        if depth > 12:
            continue
        if isinstance(node, list):
            stack.extend((child, depth + 1) for child in reversed(node))
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind == "user" and _s(node.get("user_id")):
                out.append(f"<@{_s(node.get('user_id'))}>")
            elif kind == "link" and _s(node.get("url")):
                out.append(f"<{_s(node.get('url'))}|{_s(node.get('text'))}>" if node.get("text") else f"<{_s(node.get('url'))}>")
            elif kind == "broadcast" and _s(node.get("range")):
                out.append(f"<!{_s(node.get('range'))}>")
            elif isinstance(node.get("text"), str):
                out.append(node["text"])
            elif isinstance(node.get("text"), dict):
                stack.append((node["text"], depth + 1))
            if kind in ("rich_text_section", "section", "rich_text_list", "rich_text_quote", "context") and out \
                    and not out[-1].endswith("\n"):
                out.append("\n")
            for key in ("elements", "fields"):
                if isinstance(node.get(key), list):
                    stack.append((node[key], depth + 1))
    return SURROGATE.sub("\ufffd", "".join(out)).strip()


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
    return SURROGATE.sub("\ufffd", html.unescape(text)), tuple(dict.fromkeys(mentions))


def _file_kind(files: list[dict]) -> Kind:
    mime = _s(files[0].get("mimetype"))
    if mime.startswith("image/"):
        return Kind.IMAGE
    if mime.startswith("video/"):
        return Kind.VIDEO
    if mime.startswith("audio/"):
        return Kind.VOICE
    return Kind.FILE


def _s(value: object) -> str:
    """A string field as text: numbers as written, anything else empty; lone surrogates replaced."""
    if isinstance(value, str):
        return value if value.isascii() or not SURROGATE.search(value) else SURROGATE.sub("\ufffd", value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _snippet(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        text = f"<{type(value).__name__}>"
    return SURROGATE.sub("\ufffd", text[:200])
