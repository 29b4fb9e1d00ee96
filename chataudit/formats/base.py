"""What a format plugin is, and what a parser is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import ClassVar, Protocol

import regex

from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Location, Message, MessageRun, Unparsed


@dataclass(slots=True)
class InputStats:
    """Line accounting for one input (SPEC §2): every line is a record line, a known
    blank/header line, or unparsed."""

    lines: int = 0
    messages: int = 0
    events: int = 0
    unparsed_lines: int = 0
    unparsed_samples: list[int] = field(default_factory=list)  # first few line numbers
    notes: list[str] = field(default_factory=list)  # what the reader had to assume (shown in reports)
    error: str | None = None  # why the input could not be read at all (one of several inputs)


@dataclass(frozen=True, slots=True)
class InputOptions:
    """How to read inputs, from the CLI and the policy's [input] table."""

    mapping: dict[str, str] = field(default_factory=dict)  # generic csv/jsonl: field → column
    names: dict[str, str] = field(default_factory=dict)  # account id → display name (WeCom, Slack)
    date_order: str | None = None  # "dmy" or "mdy" for WhatsApp when the file cannot tell


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    encoding: str
    head: str  # decoded first bytes, for sniffing
    tz: tzinfo
    group: str | None = None  # --group; otherwise the format decides (file name, header)
    options: InputOptions = field(default_factory=InputOptions)
    share: Share | None = None
    """A ``--jobs`` part (``engine.Part``): a format may leave out the records of groups the
    part does not audit, telling it of each instead (``Share.skip``)."""
    runs: bool = False
    """Whether the reader takes plain messages as columns (``records.MessageRun``): a format
    may then give them so; only the audit's batch engine asks."""


class RunBuilder:
    """Plain messages collected as the columns of one ``MessageRun``, for a reader that finds
    them one at a time: ``take`` hands the run over (and starts the next) before any other
    record, at the end, and when the run is ``full`` (so that it stays small)."""

    LIMIT = 4096

    def __init__(self, path: str) -> None:
        self.path = path
        self._clear()

    def _clear(self) -> None:
        self.groups: list[str] = []
        self.senders: list[str] = []
        self.kinds: list[Kind] = []
        self.texts: list[str] = []
        self.lines: list[int | None] = []
        self.times: list[datetime] = []
        self.epochs: list[float] = []
        self.sender_ids: list[str | None] = []
        self.any_id = False

    def add(self, group: str, ts: datetime, sender: str, kind: Kind, text: str, line: int | None,
            sender_id: str | None = None) -> None:
        self.groups.append(group)
        self.times.append(ts)
        self.epochs.append(ts.timestamp())
        self.senders.append(sender)
        self.kinds.append(kind)
        self.texts.append(text)
        self.lines.append(line)
        self.sender_ids.append(sender_id)
        self.any_id = self.any_id or sender_id is not None

    @property
    def full(self) -> bool:
        return len(self.texts) >= self.LIMIT

    def take(self) -> Iterator[MessageRun]:
        """The run collected so far, if any."""
        if self.texts:
            run = MessageRun(self.path, self.groups, self.senders, self.kinds, self.texts, self.lines, self.times,
                             self.epochs, list,  # the stamps are the times themselves
                             self.sender_ids if self.any_id else None)
            self._clear()
            yield run


class Share(Protocol):
    """One ``--jobs`` part's share of an input's groups, as a parser sees it."""

    def owns(self, group: str) -> bool:
        """Whether the part audits this group's records (asked in the input's order)."""

    def skip(self, ts: datetime, message: bool) -> None:
        """A record of another group, left out: a message, or an event; only counted and timed.
        A row that is no record (unparsed) is never left out."""

    def keep(self, ts: datetime) -> None:
        """A message of the part's own groups that the parser hands over later, in a run:
        timed now, in the input's order."""


@dataclass(slots=True)
class TextBlock:
    """A record of a line format being collected: its header line and the lines under it."""

    lineno: int
    header: regex.Match
    content: list[str] = field(default_factory=list)


class Format:
    """A format plugin: ``sniff`` says how sure it is; ``parse`` streams records.

    Text formats are sniffed on the decoded head of the file. Formats that are a folder or an
    archive (Slack) implement ``sniff_path`` instead and are tried before the text is read."""

    name: ClassVar[str]
    title: ClassVar[Text]
    producer: ClassVar[str]  # the tool that writes this layout
    versions: ClassVar[str] = ""  # the exporter versions and layouts read, for `chataudit formats`

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        return 0.0

    @staticmethod
    def sniff_path(path: Path) -> float:
        return 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        raise NotImplementedError


# @name is followed by a space or U+2005 (WeChat's mention separator) or the end of the text;
# an @ inside a word (an e-mail address) is not a mention.
_MENTION = regex.compile(r"(?<![\w.])@([^\s@\u2005\u2006,，:：]{1,40})(?=[\s\u2005\u2006,，:：]|$)")
_ALL_ALIASES = frozenset({"所有人", "全体成员", "all", "everyone", "channel", "here"})


def find_mentions(text: str) -> tuple[str, ...]:
    if "@" not in text:
        return ()
    found: list[str] = []
    for name in _MENTION.findall(text):
        target = ALL_MEMBERS if name.lower() in _ALL_ALIASES else name
        if target not in found:
            found.append(target)
    return tuple(found)


# Media placeholders that text exports write instead of the media itself.
PLACEHOLDERS = {
    "[图片]": Kind.IMAGE, "[照片]": Kind.IMAGE, "[语音]": Kind.VOICE, "[视频]": Kind.VIDEO,
    "[表情包]": Kind.STICKER, "[动画表情]": Kind.STICKER, "[表情]": Kind.STICKER, "[文件]": Kind.FILE,
    "[音乐分享]": Kind.LINK, "[链接]": Kind.LINK, "[红包]": Kind.RED_PACKET, "[转账]": Kind.TRANSFER,
    "[位置]": Kind.LOCATION, "[名片]": Kind.CARD, "[小程序]": Kind.MINI_PROGRAM,
    # MemoTrace 2.x writes full-width markers (wxManager/model/message.py ``to_text()``)
    "【图片】": Kind.IMAGE, "【视频】": Kind.VIDEO, "【语音】": Kind.VOICE, "【表情包】": Kind.STICKER,
    "【文件】": Kind.FILE, "【分享链接】": Kind.LINK, "【链接】": Kind.LINK, "【音乐分享】": Kind.LINK,
    "【视频号】": Kind.LINK, "【红包】": Kind.RED_PACKET, "【转账】": Kind.TRANSFER, "【位置分享】": Kind.LOCATION,
    "【位置】": Kind.LOCATION, "【名片】": Kind.CARD, "【小程序】": Kind.MINI_PROGRAM,
    "【合并转发的聊天记录】": Kind.OTHER, "【音视频通话】": Kind.OTHER, "【笔记】": Kind.OTHER,
    "<Media omitted>": Kind.OTHER, "<媒体已忽略>": Kind.OTHER, "image omitted": Kind.IMAGE,
    "video omitted": Kind.VIDEO, "audio omitted": Kind.VOICE, "sticker omitted": Kind.STICKER,
    "GIF omitted": Kind.STICKER, "document omitted": Kind.FILE, "Contact card omitted": Kind.CARD,
}


# What a media message says when a format has no text for it (the WeChat export's wording).
MEDIA_TEXT = {Kind.IMAGE: "[图片]", Kind.VIDEO: "[视频]", Kind.VOICE: "[语音]", Kind.STICKER: "[表情包]",
              Kind.FILE: "[文件]", Kind.LINK: "[链接]", Kind.RED_PACKET: "[红包]", Kind.TRANSFER: "[转账]",
              Kind.LOCATION: "[位置]", Kind.CARD: "[名片]", Kind.MINI_PROGRAM: "[小程序]", Kind.OTHER: "[其他消息]"}


def placeholder_kind(text: str) -> Kind:
    return PLACEHOLDERS.get(text.strip(), Kind.TEXT)


def unparsed_lines(path: str, first: int, lines: list[str], reason: str) -> Iterator[Unparsed]:
    """Every line of a block that could not be read, each counted on its own line number."""
    for offset, text in enumerate(lines):
        yield Unparsed(Location(path, first + offset), text, reason)


def system_event(group: str, ts, text: str, loc: Location) -> Event:
    """An event from a system line's wording (Chinese or English), or unknown_system."""
    from chataudit.formats.system_events import match_system_text

    found = match_system_text(text)
    if found is None:
        return Event(group, ts, EventKind.UNKNOWN, text, loc)
    return Event(group, ts, found.kind, text, loc, actor=found.actor, targets=found.targets, via=found.via)
