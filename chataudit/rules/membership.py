"""Rules about who is in the group and how they got in or out."""

from __future__ import annotations

from collections.abc import Iterable

from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.records import Event, EventKind
from chataudit.rules.base import SELF_NAMES, Rule, RuleOptions


class UnauthorizedInvite(Rule):
    """Someone who is not the owner or an admin brought a member in (未经群主或管理员同意，不得擅自拉人进群).

    Invitations and, with ``count_qrcode`` (default), joins through a QR code someone shared
    are checked against [roles] owner and admins. System lines call the exporting account
    "你": set ``roles.exporter`` to its name; when it is not set, "你" is taken to be the
    admin who runs the audit and is not flagged.

    Violates:
        2023-10-12 16:20:00 [system] "销售部-刘洋"邀请"赵小明"加入了群聊
        2023-10-12 16:20:00 [system] "赵小明"通过扫描"销售部-刘洋"分享的二维码加入群聊
    Clean:
        2023-10-12 16:20:00 [system] "人资中心-李敏"邀请"行政人事部-孙丽"加入了群聊
        2023-10-12 16:20:00 [system] 你邀请"行政人事部-孙丽"加入了群聊
    """

    id = "M106"
    name = "unauthorized-invite"
    severity = Severity.WARNING
    title = Text("擅自拉人进群", "Invited a member without the admin's consent")
    explanation = Text("成员的准入由群管理员负责，其他人不得随意邀请人员加入。",
                       "Only the owner or admins bring people into the group.")
    clause = Text("未经群主或管理员同意，不得擅自拉人进群。", "Nobody invites people without the owner's or an admin's consent.")

    class Options(RuleOptions):
        count_qrcode: bool = True
        exempt: list[str] = []

    def on_event(self, ev: Event) -> Iterable[Finding]:
        if ev.kind != EventKind.JOIN or ev.actor is None or (ev.via == "qrcode" and not self.options.count_qrcode):
            return ()
        inviter = self.ctx.who(ev.actor)
        if inviter in SELF_NAMES or self.ctx.is_admin(inviter) or inviter in self.options.exempt:
            return ()
        names = "、".join(ev.targets)
        how = Text("分享二维码让", "shared a QR code for ") if ev.via == "qrcode" else Text("邀请", "invited ")
        return (self.finding(ev, Text(f"未经群主或管理员同意，{how.zh}“{names}”进群",
                                      f"{how.en}\"{names}\" without the owner's or an admin's consent"),
                             sender=inviter, invited=list(ev.targets)),)


class UnauthorizedLeave(Rule):
    """A member left the group on their own (所有进群人员原则上严禁擅自退群；执意退群的，给以警告处分).

    Only a member's own leaving counts; being removed by an admin does not.

    Violates:
        2023-10-13 17:30:00 [system] "采购部-吴刚"退出了群聊
    Clean:
        2023-10-13 17:30:00 [system] 你将"采购部-吴刚"移出了群聊
    """

    id = "M107"
    name = "unauthorized-leave"
    severity = Severity.WARNING
    title = Text("擅自退群", "Left the group without permission")
    explanation = Text("工作群成员不得擅自退群，如需退出请先与群管理员沟通。",
                       "Members may not leave the work group on their own; ask the admin first.")
    clause = Text("所有进群人员原则上严禁擅自退群；如果群内成员不听从群管理，执意退群，将给以警告处分。",
                  "Members must not leave the group on their own; doing so earns a warning.")

    class Options(RuleOptions):
        exempt: list[str] = []

    def on_event(self, ev: Event) -> Iterable[Finding]:
        if ev.kind != EventKind.LEAVE:
            return ()
        return [self.finding(ev, Text(f"“{who}”擅自退出群聊", f"\"{who}\" left the group without permission"), sender=who)
                for who in ev.targets if who not in self.options.exempt]
