"""System-line wordings shared by formats, mapped to events.

Each wording is a regex with named groups: ``actor`` (who did it), ``targets`` (who it was
done to; several names are separated by 、), ``name`` (a new group name). The first match
wins, so more specific wordings come first. "你" is the exporting account.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from chataudit.records import EventKind

_Q = "[\"“”]"  # WeChat writes ASCII or Chinese quotes around names
_N = "[^\"“”]+"


@dataclass(frozen=True, slots=True)
class SystemMatch:
    kind: EventKind
    actor: str | None
    targets: tuple[str, ...]
    via: str | None
    name: str | None


def _w(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern.replace("«Q»", _Q).replace("«N»", _N))


_WORDINGS: tuple[tuple[regex.Pattern[str], EventKind, str | None], ...] = (
    (_w(r"^«Q»(?P<targets>«N»)«Q»通过扫描«Q»(?P<actor>«N»)«Q»分享的二维码加入群聊"), EventKind.JOIN, "qrcode"),
    (_w(r"^«Q»(?P<targets>«N»)«Q»通过扫描(?P<actor>你)分享的二维码加入群聊"), EventKind.JOIN, "qrcode"),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))邀请«Q»(?P<targets>«N»)«Q»加入了群聊"), EventKind.JOIN, "invite"),
    (_w(r"^«Q»(?P<targets>«N»)«Q»(?:通过群链接|通过链接)?加入了?群聊"), EventKind.JOIN, "link"),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))将«Q»(?P<targets>«N»)«Q»移出了群聊"), EventKind.REMOVED, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))被移出群聊"), EventKind.REMOVED, None),
    (_w(r"^«Q»(?P<targets>«N»)«Q»(?:已)?退出了?群聊"), EventKind.LEAVE, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))撤回了一条消息"), EventKind.RECALL, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))修改群名为«Q»(?P<name>«N»)«Q»"), EventKind.RENAME, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))(?:发布|修改)了?群公告"), EventKind.ANNOUNCEMENT, None),
    (_w(r"^群公告"), EventKind.ANNOUNCEMENT, None),
    (_w(r"^(?:«Q»(?P<targets>«N»)«Q»|(?P<targets>你))已成为新群主"), EventKind.ADMIN_CHANGE, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))将«Q»(?P<targets>«N»)«Q»(?:设为|设置为)(?:了)?群管理员"), EventKind.ADMIN_CHANGE, None),
    (_w(r"^«Q»(?P<targets>«N»)«Q»与群里其他人都不是(?:朋友|好友)关系"), EventKind.UNKNOWN, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你)) ?拍了拍"), EventKind.UNKNOWN, None),
)


def match_system_text(text: str) -> SystemMatch | None:
    """The event a known system wording describes, or None when the text is not one."""
    for pattern, kind, via in _WORDINGS:
        m = pattern.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        targets = groups.get("targets")
        return SystemMatch(
            kind=kind,
            actor=groups.get("actor"),
            targets=tuple(t for t in regex.split(r"[、,，]", targets) if t) if targets else (),
            via=via,
            name=groups.get("name"),
        )
    return None
