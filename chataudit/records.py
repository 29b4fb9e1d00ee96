"""The normalised records every format produces and every rule reads.

Plain frozen dataclasses with slots: a large audit makes millions of them, so there is no
validation per record; parsers are responsible for the values they put in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import repeat


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    VOICE = "voice"
    FILE = "file"
    LINK = "link"
    STICKER = "sticker"
    RED_PACKET = "red_packet"
    TRANSFER = "transfer"
    LOCATION = "location"
    CARD = "card"
    QUOTE = "quote"
    MINI_PROGRAM = "mini_program"
    OTHER = "other"


class EventKind(StrEnum):
    JOIN = "join"  # joined by QR code / link, or invited (actor is the inviter)
    LEAVE = "leave"
    REMOVED = "removed"
    RECALL = "recall"
    RENAME = "rename"
    ANNOUNCEMENT = "announcement"
    ADMIN_CHANGE = "admin_change"
    UNKNOWN = "unknown_system"


ALL_MEMBERS = "@all"
"""Mention target for @所有人 / @all / @everyone."""


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int | None = None  # first line of the record in a text export
    index: int | None = None  # 1-based position of the record in a JSON export (message number)
    ref: str | None = None  # the export's own id of the message, where it has one


@dataclass(frozen=True, slots=True)
class Quote:
    sender: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Message:
    group: str
    ts: datetime  # always timezone-aware
    sender: str
    kind: Kind
    text: str
    loc: Location
    sender_id: str | None = None
    mentions: tuple[str, ...] = ()
    quote: Quote | None = None
    url: str | None = None
    amount: float | None = None  # red packets / transfers, when the format carries it


@dataclass(frozen=True, slots=True)
class Event:
    group: str
    ts: datetime
    kind: EventKind
    text: str
    loc: Location
    actor: str | None = None  # who invited / removed / recalled / renamed
    targets: tuple[str, ...] = ()  # who joined / left / was removed
    via: str | None = None  # "invite", "qrcode", "link" for joins


@dataclass(frozen=True, slots=True)
class MessageRun:
    """Consecutive plain messages that a parser read in one go, kept as columns: group, sender,
    kind, text, time and, where the format has one, the sender's account id (no mentions,
    quote, URL or amount). The batch engine reads
    the columns and asks for a ``Message`` only for the rows some rule looks at, which saves
    building one per message; a parser writes runs only when its ``Source`` asks for them, and
    only the audit's batch engine does (``jobs.audit``).

    ``stamps`` are the times as the parser read them (already checked), ``read_times`` turns
    them into the messages' ``ts``; ``epochs`` are ``ts.timestamp()`` of each, which the parser
    worked out without making the ``datetime``\\ s."""

    path: str
    groups: Sequence[str]
    senders: Sequence[str]
    kinds: Sequence[Kind]
    texts: Sequence[str]
    lines: Sequence[int]
    stamps: Sequence[str]
    epochs: Sequence[float]
    read_times: Callable[[Sequence[str]], list[datetime]]
    sender_ids: Sequence[str | None] | None = None  # None: no row has one

    def __len__(self) -> int:
        return len(self.texts)

    def message(self, row: int) -> Message:
        return Message(self.groups[row], self.read_times((self.stamps[row],))[0], self.senders[row], self.kinds[row],
                       self.texts[row], Location(self.path, self.lines[row]),
                       None if self.sender_ids is None else self.sender_ids[row])

    def messages(self) -> Iterator[Message]:
        return map(Message, self.groups, self.moments(), self.senders, self.kinds, self.texts,
                   map(Location, repeat(self.path), self.lines), self.account_ids())

    def account_ids(self) -> Iterable[str | None]:
        """Each message's ``sender_id``."""
        return repeat(None, len(self)) if self.sender_ids is None else self.sender_ids

    def moments(self) -> list[datetime]:
        """Each message's ``ts``, without the rest of the message."""
        return self.read_times(self.stamps)

    def where(self, keep: Sequence[bool]) -> MessageRun:
        """The rows where ``keep`` is true."""
        def kept(column: Sequence) -> list:
            return [value for value, wanted in zip(column, keep) if wanted]
        return MessageRun(self.path, kept(self.groups), kept(self.senders), kept(self.kinds), kept(self.texts),
                          kept(self.lines), kept(self.stamps), kept(self.epochs),
                          self.read_times, None if self.sender_ids is None else kept(self.sender_ids))


@dataclass(frozen=True, slots=True)
class Unparsed:
    """Input that could not be read as a record; counted and reported, never dropped."""

    loc: Location
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    id: str | None = None
    inviter: str | None = None
    joined: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


Record = Message | Event
