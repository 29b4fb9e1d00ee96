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
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你)) ?撤回了一条消息"), EventKind.RECALL, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))修改群名为«Q»(?P<name>«N»)«Q»"), EventKind.RENAME, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))(?:发布|修改)了?群公告"), EventKind.ANNOUNCEMENT, None),
    (_w(r"^群公告"), EventKind.ANNOUNCEMENT, None),
    (_w(r"^(?:«Q»(?P<targets>«N»)«Q»|(?P<targets>你))已成为新群主"), EventKind.ADMIN_CHANGE, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你))将«Q»(?P<targets>«N»)«Q»(?:设为|设置为)(?:了)?群管理员"), EventKind.ADMIN_CHANGE, None),
    (_w(r"^«Q»(?P<targets>«N»)«Q»与群里其他人都不是(?:朋友|好友)关系"), EventKind.UNKNOWN, None),
    (_w(r"^(?:«Q»(?P<actor>«N»)«Q»|(?P<actor>你|我)) ?拍了拍"), EventKind.UNKNOWN, None),
    # QQ (names are not quoted)
    (_w(r"^(?P<actor>.+?) ?邀请 ?(?P<targets>.+?) ?加入了?本群"), EventKind.JOIN, "invite"),
    (_w(r"^(?P<targets>.+?) ?加入(?:了)?本群"), EventKind.JOIN, "link"),
    (_w(r"^(?P<targets>.+?) ?(?:已)?被(?P<actor>.+?)移出(?:了)?本群"), EventKind.REMOVED, None),
    (_w(r"^(?P<targets>.+?) ?(?:已)?退出(?:了)?本群"), EventKind.LEAVE, None),
    (_w(r"^(?P<actor>.+?) ?撤回了一条(?:成员)?消息"), EventKind.RECALL, None),
    (_w(r"^(?P<actor>.+?) ?(?:修改|更改)了?群名称?为 ?«Q»?(?P<name>[^\"“”]+)«Q»?"), EventKind.RENAME, None),
    # English (WhatsApp, Telegram)
    (_w(r"^(?P<targets>.+?) joined using this group's invite link"), EventKind.JOIN, "link"),
    (_w(r"^(?P<targets>.+?) joined from the community"), EventKind.JOIN, "link"),
    (_w(r"^(?P<actor>.+?) added (?P<targets>.+?)\.?$"), EventKind.JOIN, "invite"),
    (_w(r"^(?P<targets>.+?) joined\.?$"), EventKind.JOIN, "link"),
    (_w(r"^(?P<actor>.+?) removed (?P<targets>.+?)\.?$"), EventKind.REMOVED, None),
    (_w(r"^(?P<targets>.+?) left\.?$"), EventKind.LEAVE, None),
    (_w(r"^(?:This message was deleted|You deleted this message|此消息已删除|你删除了此消息)"), EventKind.RECALL, None),
    (_w(r"^(?P<actor>.+?) changed (?:the group name|the subject) (?:from .+ )?to «Q»(?P<name>[^\"“”]+)«Q»"), EventKind.RENAME, None),
    (_w(r"^(?P<actor>.+?) made (?P<targets>.+?) (?:an )?admin"), EventKind.ADMIN_CHANGE, None),
    (_w(r"^(?P<targets>.+?) (?:is|are) now (?:an )?admins?"), EventKind.ADMIN_CHANGE, None),
)


_LINKS = regex.compile(r"\s*<(a|_wc_custom_link_)\b[^<>]{0,500}>[^<>]{0,100}</\1>", regex.IGNORECASE)
_MARKUP = regex.compile(r"<[^<>]{0,500}>")


def plain_system_text(text: str) -> str:
    """A system text without the markup WeChat stores with some of them: ``<![CDATA[…]]>``, and
    links to the app's own screens with their button words (``你撤回了一条消息 <a
    href="weixin://revoke_edit_click">重新编辑</a>``, ``<_wc_custom_link_ …>修改</_wc_custom_link_>``)."""
    if "<" not in text:
        return text.strip()
    text = _LINKS.sub("", text.replace("<![CDATA[", "").replace("]]>", ""))
    return _MARKUP.sub("", text).strip()


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
            targets=tuple(t.strip() for t in regex.split(r"[、,，]| and ", targets) if t.strip()) if targets else (),
            via=via,
            name=groups.get("name"),
        )
    return None
