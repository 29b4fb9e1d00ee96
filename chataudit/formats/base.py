"""What a format plugin is, and what a parser is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import ClassVar

import regex

from chataudit.i18n import Text
from chataudit.records import ALL_MEMBERS, Event, Message, Unparsed


@dataclass(slots=True)
class InputStats:
    """Line accounting for one input (SPEC §2): every line is a record line, a known
    blank/header line, or unparsed."""

    lines: int = 0
    messages: int = 0
    events: int = 0
    unparsed_lines: int = 0
    unparsed_samples: list[int] = field(default_factory=list)  # first few line numbers


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    encoding: str
    head: str  # decoded first bytes, for sniffing
    tz: tzinfo
    group: str | None = None  # --group; otherwise the format decides (file name, header)


class Format:
    """A format plugin: ``sniff`` says how sure it is; ``parse`` streams records."""

    name: ClassVar[str]
    title: ClassVar[Text]
    producer: ClassVar[str]  # the tool that writes this layout

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        raise NotImplementedError

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
