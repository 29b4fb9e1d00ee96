"""Rules about who is in the group and how they got in or out."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np

from chataudit.columns import NONE, Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text, duration
from chataudit.records import Event, EventKind, Location, Member, Message
from chataudit.roster import norm, same_department, similar_department
from chataudit.rules.base import SELF_NAMES, Rule, RuleOptions
from chataudit.rules.volume import BurstCounter, Thresholds


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


# ---- checks against the HR roster ---------------------------------------------------------------

def _fix(action: str, member: str, to: str | None = None) -> dict[str, str | None]:
    return {"action": action, "member": member, "to": to}


class JoinRaid(Rule):
    """Many people joining in a short time, not brought in by an admin (防止广告号、无关人员集中涌入).

    ``thresholds`` are [count, window] pairs (default: 5 joins within 10 minutes in one group).
    Joins that the owner or an admin made are the admin's decision and do not count. One raid
    is reported once, at the join that crossed the threshold, with who joined and who
    invited them (or through whose QR code).

    Violates:
        2023-10-12 16:20:00 [system] "销售部-刘洋"邀请"赵一、钱二、孙三"加入了群聊
        + 2023-10-12 16:22:00 [system] "周四"通过扫描"销售部-刘洋"分享的二维码加入群聊
        + 2023-10-12 16:25:00 [system] "吴五"通过扫描"销售部-刘洋"分享的二维码加入群聊
    Clean:
        2023-10-12 16:20:00 [system] "人资中心-李敏"邀请"赵一、钱二、孙三、周四、吴五"加入了群聊
        2023-10-12 16:20:00 [system] "销售部-刘洋"邀请"赵一、钱二"加入了群聊
        + 2023-10-12 16:40:00 [system] "周四"通过扫描"销售部-刘洋"分享的二维码加入群聊
    """

    id = "M109"
    name = "join-raid"
    severity = Severity.WARNING
    title = Text("短时间内大量人员入群", "Many people joined in a short time")
    explanation = Text("短时间内非管理员拉入或扫码进入大量人员，常见于广告号涌入，请核实并清理。",
                       "A burst of joins not made by an admin is how spam accounts arrive; check who they are.")
    clause = Text("未经群主或管理员同意，不得擅自拉人进群。", "Nobody invites people without the owner's or an admin's consent.")

    class Options(RuleOptions):
        thresholds: Thresholds = [(5, timedelta(minutes=10))]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter = BurstCounter(self.options.thresholds)
        self.recent: dict[str, deque[tuple[str, str]]] = {}  # group → (who joined, inviter), latest last

    def on_event(self, ev: Event) -> Iterable[Finding]:
        if ev.kind != EventKind.JOIN:
            return ()
        inviter = self.ctx.who(ev.actor) if ev.actor else None
        if inviter in SELF_NAMES or self.ctx.is_admin(inviter):
            return ()
        recent = self.recent.setdefault(ev.group, deque(maxlen=self.counter.keep))
        crossed = None
        for target in ev.targets or ("?",):
            recent.append((target, inviter or "?"))
            crossed = self.counter.add((ev.group,), ev.ts) or crossed
        if crossed is None:
            return ()
        count, window = crossed
        joined = list(recent)[-count:]
        by = Counter(inviter for _, inviter in joined)
        names = "、".join(name for name, _ in joined)
        inviters = "、".join(f"{name} {n}人" for name, n in sorted(by.items(), key=lambda kv: (-kv[1], kv[0])))
        span = duration(window.total_seconds())
        return (self.finding(ev, Text(f"{span.zh}内有 {count} 人入群：{names}（邀请/二维码：{inviters}）",
                                      f"{count} people joined within {span.en}: {names} (brought in by: {inviters})"),
                             sender=inviter, joined=[name for name, _ in joined]),)


class RosterRule(Rule):
    """A check of one person against the roster: every row of a member list, and in an audit
    every sender once per group. Without a roster it checks nothing."""

    class Options(RuleOptions):
        exempt: list[str] = []  # e.g. an external consultant the group has agreed to keep

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seen: set[tuple[str, str]] = set()

    def check(self, group: str, name: str, account: str | None, loc: Location, ts: datetime | None,
              excerpt: str) -> Iterable[Finding]:
        raise NotImplementedError

    def on_message(self, msg: Message) -> Iterable[Finding]:
        key = (msg.group, msg.sender)
        if self.ctx.roster is None or key in self._seen or msg.sender in self.options.exempt:
            return ()
        self._seen.add(key)
        return self.check(msg.group, msg.sender, msg.sender_id, msg.loc, msg.ts, msg.text)

    def select(self, batch: Batch) -> np.ndarray:
        """A sender's first message in the batch (each later one is already seen); none without a roster."""
        return NONE if self.ctx.roster is None else np.flatnonzero(batch.first_of_sender)

    def on_members(self, group: str, members: Sequence[tuple[Location, Member]]) -> Iterable[Finding]:
        if self.ctx.roster is None:
            return
        for loc, member in members:
            if member.name not in self.options.exempt:
                yield from self.check(group, member.name, member.id, loc, None, "")


class NotInRoster(RosterRule):
    """A member or sender who is not an employee in the roster (微信群只加公司在职员工；不得邀请与本单位无关的人员进群).

    Names match the roster exactly after normalisation (width, spaces, the department part
    of 部门-姓名 or 中心名称+姓名); an account id (微信号) in both matches too. A name that
    sounds the same as an employee's (张伟 / 张玮) is suggested as "did you mean".

    Violates:
        2023-10-12 16:25:00 赵小明 / 大家好，我是做保险的
        2023-10-12 16:25:00 市场部-张玮 / 收到
    Clean:
        2023-10-12 16:25:00 销售部-张三 / 收到
        2023-10-12 16:25:00 人资中心李敏 / 收到
    """

    id = "M102"
    name = "not-in-roster"
    severity = Severity.ERROR
    title = Text("非在职员工", "Not an employee in the roster")
    explanation = Text("工作群只加公司在职员工；发现无关人员进群，及时联系群主或管理员请出。",
                       "Only current employees belong in the work group; remove anyone else.")
    clause = Text("微信群只加公司在职员工，非公司在职员工非请勿入；不得邀请与我单位无关的人员进群。",
                  "Only current employees may be members; nobody unrelated to the company is invited.")

    def check(self, group, name, account, loc, ts, excerpt):
        identity = self.ctx.roster.identify(name, account)
        if identity.employee is not None:
            return
        if identity.near:
            guess = "、".join(f"{e.name}（{e.dept or '—'}）" for e in identity.near)
            guess_en = ", ".join(f"{e.name} ({e.dept or '—'})" for e in identity.near)
            best = self.ctx.proper_name(identity.near[0])
            yield self.make(group, name, ts, loc, Text(f"“{name}”不在花名册中；是否为：{guess}？",
                                                       f"\"{name}\" is not in the roster; did you mean {guess_en}?"),
                            excerpt=excerpt, fix=_fix("rename", name, best), near=[e.name for e in identity.near])
            return
        yield self.make(group, name, ts, loc, Text(f"“{name}”不在花名册中，不是在职员工，请移出群聊",
                                                   f"\"{name}\" is not an employee in the roster; remove them"),
                        excerpt=excerpt, fix=_fix("remove", name))


class DepartedMember(RosterRule):
    """The roster says 离职 but the person is still in the group, or still posting (负责离职员工群成员资格的取消).

    An employee counts as departed when the status says so (离职, 已离职, left…) or the
    leave date (离职日期) has passed.

    Violates:
        2023-10-12 09:00:00 技术部-王五 / 我还在群里
    Clean:
        2023-10-12 09:00:00 财务部-李四 / 收到
    """

    id = "M103"
    name = "departed-member"
    severity = Severity.ERROR
    title = Text("离职人员仍在群中", "Departed employee still in the group")
    explanation = Text("员工离职后应及时取消群成员资格。", "Departed employees must be removed from work groups.")
    clause = Text("群管理员负责离职员工群成员资格的取消；不在我单位工作的人员需及时请出。",
                  "The admin removes departed employees from the group.")

    def check(self, group, name, account, loc, ts, excerpt):
        employee = self.ctx.roster.identify(name, account).employee
        if employee is None or employee.current:
            return
        doing = "仍在发言" if ts is not None else "仍在群中"
        yield self.make(group, name, ts, loc, Text(f"{employee.name}（{employee.dept or '—'}）在花名册中已离职，{doing}，请移出群聊",
                                                   f"{employee.name} ({employee.dept or '—'}) has left the company but is "
                                                   f"{'still posting' if ts else 'still a member'}; remove them"),
                        excerpt=excerpt, fix=_fix("remove", name), employee=employee.emp_id)


class DepartmentMismatch(RosterRule):
    """The department in the display name differs from the roster's (销售部-张伟, but the roster says 市场部).

    Violates:
        2023-10-12 09:00:00 销售部-张伟 / 收到
    Clean:
        2023-10-12 09:00:00 市场部-张伟 / 收到
        2023-10-12 09:00:00 张伟 / 没写部门，交给 M101
    """

    id = "M108"
    name = "department-mismatch"
    severity = Severity.WARNING
    title = Text("群昵称部门与花名册不符", "Department in the name differs from the roster")
    explanation = Text("群昵称中的部门应与花名册一致，调岗后请及时修改群昵称。",
                       "The department in the display name should match the roster; rename after a transfer.")
    clause = Text("群昵称命名规则：部门+员工姓名，保证群内名片的统一性。", "Display names are department + name, kept accurate.")

    def check(self, group, name, account, loc, ts, excerpt):
        identity = self.ctx.roster.identify(name, account)
        employee = identity.employee
        if employee is None or not employee.current or not identity.dept or not employee.dept \
                or same_department(identity.dept, employee.dept):
            return
        proper = self.ctx.proper_name(employee)
        close = "（相近但不一致）" if similar_department(identity.dept, employee.dept) else ""
        yield self.make(group, name, ts, loc, Text(
            f"群昵称中的部门“{identity.dept}”与花名册“{employee.dept}”不一致{close}，应改为“{proper}”",
            f"Department \"{identity.dept}\" differs from the roster's \"{employee.dept}\"; rename to \"{proper}\""),
            excerpt=excerpt, fix=_fix("rename", name, proper))


class DuplicateMember(Rule):
    """The same person twice in the group (one employee, one account), or two members with one display name.

    Violates:
        2023-10-12 09:00:00 销售部-张三 / 收到
        + 2023-10-12 09:01:00 张三 / 我的小号
    Clean:
        2023-10-12 09:00:00 销售部-张三 / 收到
        + 2023-10-12 09:01:00 财务部-李四 / 收到
    """

    id = "M105"
    name = "duplicate-member"
    severity = Severity.WARNING
    title = Text("重复成员", "Duplicate member")
    explanation = Text("同一人用两个微信号进群，或两人同名，都会造成混淆。", "One person twice, or two people with one name, confuses everyone.")
    clause = Text("负责审核申请加入微信群的成员资格，及时更新成员名单。", "The admin keeps the member list accurate.")

    class Options(RuleOptions):
        pass

    def on_members(self, group: str, members: Sequence[tuple[Location, Member]]) -> Iterable[Finding]:
        first: dict[tuple[str, str], tuple[Location, Member]] = {}
        for loc, member in members:
            keys = [("name", norm(member.name))]
            if member.id:
                keys.append(("account", member.id))
            if self.ctx.roster is not None:
                employee = self.ctx.roster.identify(member.name, member.id).employee
                if employee is not None:
                    keys.append(("employee", f"{employee.row}"))
            earlier = next((first[k] for k in keys if k in first), None)
            for key in keys:
                first.setdefault(key, (loc, member))
            if earlier is None:
                continue
            where = earlier[0].line
            yield self.make(group, member.name, None, loc, Text(
                f"“{member.name}”与第 {where} 行的“{earlier[1].name}”重复（同名或同一人）",
                f"\"{member.name}\" duplicates \"{earlier[1].name}\" on line {where} (same name or same person)"),
                fix=_fix("remove", f"{member.name}（{member.id}）" if member.id else member.name),
                duplicate_of=earlier[1].name)


class RequiredMemberMissing(Rule):
    """Someone the policy requires is not in the group (公司全体管理人员(总监、店长、部门主管)必须加入本群).

    ``[membership] required_roles`` lists titles; every current employee whose roster title
    ends with one of them must be a member (人资总监 is a 总监; 店长助理 is not a 店长). The
    finding names the missing employee.
    (The examples require 总监 and 总经理: 李敏 is 人资总监, 王建国 总经理.)

    Violates:
        2023-10-12 09:00:00 王建国 / 开会
    Clean:
        2023-10-12 09:00:00 王建国 / 开会
        + 2023-10-12 09:01:00 人资中心-李敏 / 收到
    """

    id = "M104"
    name = "required-member-missing"
    severity = Severity.WARNING
    title = Text("应在群成员缺失", "Required member missing")
    explanation = Text("群规要求的管理人员必须加入本群。", "The managers the regulation names must be in the group.")
    clause = Text("公司全体管理人员（总监、店长、部门主管）必须加入本群。", "All managers (directors, store managers, heads) must join.")

    class Options(RuleOptions):
        exempt: list[str] = []

    def on_members(self, group: str, members: Sequence[tuple[Location, Member]]) -> Iterable[Finding]:
        roster, roles = self.ctx.roster, self.ctx.required_roles
        if roster is None or not roles:
            return
        present = {e.row for _, m in members if (e := roster.identify(m.name, m.id).employee) is not None}
        for employee in roster.employees:
            role = next((r for r in roles if employee.title.endswith(r)), None)
            if role is None or not employee.current or employee.row in present or employee.name in self.options.exempt:
                continue
            proper = self.ctx.proper_name(employee)
            yield self.make(group, proper, None, Location(roster.path, employee.row), Text(
                f"{employee.dept or ''}{employee.title}{employee.name}未在群中，请邀请入群",
                f"{employee.name} ({employee.title}, {employee.dept or '—'}) is not in the group; invite them"),
                fix=_fix("invite", proper), role=role)
