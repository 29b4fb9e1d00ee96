"""Rules about answering leaders: tasks within a window (R201), notices acknowledged (R202).

Examples in the docstrings assume the house roles used by the tests: 王建国 is a leader and
an executive, 人资中心-李敏 is the owner, an admin and a leader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

import numpy as np
import regex

from chataudit.columns import NONE, Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text, duration
from chataudit.policy.types import Duration, RegexPattern, search
from chataudit.records import ALL_MEMBERS, Event, EventKind, Message
from chataudit.rules.base import Rule, RuleOptions
from chataudit.rules.hours import WEEKDAYS, TimeRange, Weekday
from chataudit.text.normalize import letters_only, normalize
from chataudit.worktime import WorkCalendar

ANYONE = "*"  # a task with no named person: any member's reply answers it


def _clock(moment: datetime, tz) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M:%S")


class EndOfExport:
    """A rule that reports what is still open when the export ends as pending. It takes the
    end to be the last record it saw, unless it audits one part of an export (one group of
    several, ``--jobs``): then the engine sets ``export_end`` to the last record of the whole
    export before ``finish``, so a task still open at the end of its group is judged as the
    whole export would judge it."""

    export_end: datetime | None = None


@dataclass(slots=True)
class _Task:
    msg: Message
    deadline: datetime
    waiting: list[str]  # responsible people who have not answered yet, in mention order


class TaskResponseWindow(EndOfExport, Rule):
    """A leader's task got no reply from the person responsible within the window
    (领导下达的任务，相关责任人须马上回复确认；超过30分钟仍无回应的，罚款100元).

    A task is a leader's message that @-mentions someone and contains a task cue (请, 尽快,
    今天, 发我, 处理, a question mark…), or that matches one of ``task_patterns`` without a
    mention; then people whose name starts with a department named in it (财务部…) are
    responsible, or anyone when none is named. Any message from a responsible person within
    the window counts, even "在看了" (即使当时难以解决，也要及时在群里做些回应); a reply by
    someone else does not. A reply at exactly the deadline is in time ("超过30分钟" is late).
    With ``clock = "work"`` the window runs on working time, so a task at 21:50 on Friday
    is due on Monday morning. A task whose window is still open when the export ends is
    listed as pending, not as a violation.

    Violates:
        2023-10-09 09:00:00 王建国 / @销售部-张三 今天下班前把报表发我
        + 2023-10-09 09:30:01 销售部-张三 / 收到
        2023-10-09 09:00:00 王建国 / @销售部-张三 报表今天发我
        + 2023-10-09 09:10:00 销售部-李四 / 张三在外面，我提醒他
        + 2023-10-09 10:00:00 销售部-李四 / 好
    Clean:
        2023-10-09 09:00:00 王建国 / @销售部-张三 今天下班前把报表发我
        + 2023-10-09 09:30:00 销售部-张三 / 在看了
        2023-10-09 09:00:00 王建国 / @销售部-张三 辛苦了
        + 2023-10-09 11:00:00 销售部-李四 / 好
        2023-10-09 09:00:00 销售部-李四 / @销售部-张三 报表今天发我
        + 2023-10-09 11:00:00 销售部-李四 / 好
    """

    id = "R201"
    name = "task-response-window"
    severity = Severity.ERROR
    title = Text("领导任务未及时回复", "Leader's task not answered in time")
    explanation = Text(
        "领导在群里下达的任务，相关责任人必须马上回复确认；即使当时难以解决，也要及时回应或给出实施办法。",
        "The person responsible must acknowledge a leader's task promptly, even if only to say they are on it.",
    )
    clause = Text(
        "领导人在群里下达的当天需要完成或者解决的问题，相关部门责任人必须马上予以回复确认，如超过30分钟依然没有回应或者解决的，负责此项问题的人员将承担100元的罚款。",
        "A leader's task must be acknowledged by the person responsible within 30 minutes; otherwise a 100-yuan fine.",
    )

    class Options(RuleOptions):
        window: Duration = timedelta(minutes=30)
        clock: Literal["wall", "work"] = "wall"
        work_hours: list[TimeRange] = [(time(9, 0), time(12, 0)), (time(13, 30), time(18, 0))]
        workdays: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
        holidays: list[date] = []
        makeup_workdays: list[date] = []
        holiday_calendar: Literal["cn"] | None = None
        cues: list[str] = ["请", "尽快", "马上", "立即", "立刻", "务必", "抓紧", "今天", "明天", "下班前", "中午前",
                           "发我", "给我", "报给", "提交", "处理", "看一下", "看看", "跟进", "落实", "回复", "确认",
                           "安排", "方案", "？", "?"]
        task_patterns: list[RegexPattern] = [
            r"(?:请|务必|尽快)[^。！!]{0,30}(?:今天|下班前|中午前|明天|马上|尽快)",
            r"(?:今天|下班前|中午前)[^。！!]{0,20}(?:发我|给我|报给我|提交|完成)",
        ]
        grace: Duration = timedelta(days=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self.options
        self.calendar = WorkCalendar(opts.work_hours, [WEEKDAYS.index(d) for d in opts.workdays],
                                     opts.holidays, opts.makeup_workdays, opts.holiday_calendar)
        self.patterns = [regex.compile(p) for p in opts.task_patterns]
        self.open: list[_Task] = []  # bounded: dropped after deadline + grace
        self.last_seen: datetime | None = None

    def on_message(self, msg: Message) -> Iterable[Finding]:
        self.last_seen = msg.ts
        # expired tasks cannot be answered; with no task open (most of the time) there is nothing to do
        found = list(self._expire(msg.ts)) + list(self._answers(msg)) if self.open else []
        responsible = self._responsible(msg)
        if responsible:
            self.open.append(_Task(msg, self._deadline(msg.ts), responsible))
        return found

    def on_event(self, ev: Event) -> Iterable[Finding]:
        self.last_seen = ev.ts
        return list(self._expire(ev.ts))

    def select(self, batch: Batch) -> np.ndarray:
        """Every message from the first a leader posts (a task may start there) to the batch's
        end, and all of them while a task is open: between tasks a message changes nothing."""
        if self.open:
            return np.flatnonzero(batch.is_message)
        return _from_first(batch, batch.senders_where(self.ctx.is_leader) | self._leader_accounts(batch))

    def _leader_accounts(self, batch: Batch) -> np.ndarray:
        """Messages whose sender's account id is a leader's (a roster may list ids)."""
        if not self.ctx.may_have_leaders():
            return np.zeros(len(batch), dtype=bool)
        return np.fromiter((account is not None and self.ctx.is_leader(account) for account in batch.sender_ids),
                           dtype=bool, count=len(batch))

    def finish(self) -> Iterable[Finding]:
        end = self.export_end or self.last_seen
        for task in self.open:
            pending = end is not None and end <= task.deadline
            for person in task.waiting:
                yield self._unanswered(task, person, pending=pending)
        self.open = []

    def _deadline(self, ts: datetime) -> datetime:
        if self.options.clock == "work":
            return self.calendar.add(ts, self.options.window, self.ctx.tz)
        return ts + self.options.window

    def _responsible(self, msg: Message) -> list[str]:
        if not (self.ctx.is_leader(msg.sender) or self.ctx.is_leader(msg.sender_id)):
            return []
        named = [m for m in self.ctx.mentions(msg) if m not in (ALL_MEMBERS, msg.sender)]
        if named:
            return named if any(cue in msg.text for cue in self.options.cues) else []
        if not any(search(p, msg.text) for p in self.patterns):
            return []
        departments = [name for name in sorted(self.ctx.directory.names(msg.group))
                       if name != msg.sender and _department_named(name, msg.text)]
        return departments or [ANYONE]

    def _answers(self, msg: Message) -> Iterator[Finding]:
        for task in self.open:
            if task.msg is msg or task.msg.group != msg.group:  # answers come in the task's own group
                continue
            person = msg.sender if msg.sender in task.waiting else (
                ANYONE if ANYONE in task.waiting and msg.sender != task.msg.sender else None)
            if person is None:
                continue
            task.waiting.remove(person)
            if msg.ts > task.deadline:
                yield self._late(task, person, msg)

    def _expire(self, now: datetime) -> Iterator[Finding]:
        keep = []
        for task in self.open:
            if now > task.deadline + self.options.grace or not task.waiting:
                for person in task.waiting:
                    yield self._unanswered(task, person, pending=False)
            else:
                keep.append(task)
        self.open = keep

    def _window(self) -> Text:
        span = duration(self.options.window.total_seconds())
        if self.options.clock == "work":
            return Text(f"工作时间 {span.zh}", f"{span.en} of working time")
        return span

    def _late(self, task: _Task, person: str, reply: Message) -> Finding:
        window, who = self._window(), _who(person)
        late = _minutes(reply.ts - task.deadline)
        due, answered = _clock(task.deadline, self.ctx.tz), _clock(reply.ts, self.ctx.tz)
        return self._finding(task, person, Text(
            f"{who.zh} 未在 {window.zh} 内回复 {task.msg.sender} 的任务（截止 {due}），{answered} 才回复，超时 {late} 分钟",
            f"{who.en} did not answer {task.msg.sender}'s task within {window.en} (due {due}); "
            f"answered at {answered}, {late} min late",
        ), answered=reply.ts.isoformat())

    def _unanswered(self, task: _Task, person: str, *, pending: bool) -> Finding:
        window, who = self._window(), _who(person)
        due = _clock(task.deadline, self.ctx.tz)
        if pending:
            text = Text(f"{who.zh} 尚未回复 {task.msg.sender} 的任务，截止 {due}（导出结束时仍在时限内）",
                        f"{who.en} has not yet answered {task.msg.sender}'s task, due {due} (still open at the end of the export)")
        else:
            text = Text(f"{who.zh} 未在 {window.zh} 内回复 {task.msg.sender} 的任务（截止 {due}），之后也未回复",
                        f"{who.en} did not answer {task.msg.sender}'s task within {window.en} (due {due}), nor later")
        return self._finding(task, person, text, pending=pending, answered=None)

    def _finding(self, task: _Task, person: str, text: Text, *, pending: bool = False, **data) -> Finding:
        sender = None if person == ANYONE else person
        return self.finding(task.msg, text, sender=sender, offenders=(sender,) if sender else (),
                            pending=pending, leader=task.msg.sender, deadline=task.deadline.isoformat(), **data)


def _from_first(batch: Batch, mask: np.ndarray) -> np.ndarray:
    """The messages from the first row of ``mask`` on; none when it has none."""
    if not mask.any():
        return NONE
    start = int(np.argmax(mask))
    return np.flatnonzero(batch.is_message[start:]) + start


def _who(person: str) -> Text:
    return Text("无人", "Nobody") if person == ANYONE else Text(person, person)


def _minutes(delta: timedelta) -> int:
    return max(1, int(-(-delta.total_seconds() // 60)))


_DEPT = regex.compile(r"^([\p{Han}A-Za-z0-9]{1,12}?(?:部|中心|办|组|室|科|处))")


def _department_named(member: str, text: str) -> bool:
    m = _DEPT.match(member)
    return bool(m) and m[1] in text


@dataclass(slots=True)
class _Notice:
    msg: Message
    closes: datetime
    acked: set[str] = field(default_factory=set)


class NoticeUnacknowledged(EndOfExport, Rule):
    """A notice (@所有人 or a 【通知】) from a leader or admin was not acknowledged by every
    member within the window (群里要集中下发的通知要及时做回复，比如收到、执行、马上执行).

    An acknowledgement is a message containing one of ``ack_words`` (收到, 执行, 好的, 明白,
    👌…); a one-character word such as 1 or 好 counts only as the whole message. Required
    are everyone who posts in the export, less the notice's author, executives (unless
    ``exempt_executives = false``), ``exempt`` names, people who joined after the notice and
    people who had left or been removed before it. One finding per notice lists everyone
    missing; each of them is charged in the per-member totals. A notice whose window is still
    open when the export ends is listed as pending.

    Violates:
        2023-10-09 09:00:00 人资中心-李敏 / @所有人 周五下午三点全员大会，请回复收到
        + 2023-10-09 09:01:00 销售部-张三 / 收到
        + 2023-10-09 12:00:00 财务部-李四 / 我下午请假
    Clean:
        2023-10-09 09:00:00 人资中心-李敏 / @所有人 周五下午三点全员大会，请回复收到
        + 2023-10-09 09:01:00 销售部-张三 / 收到
        + 2023-10-09 09:05:00 财务部-李四 / 好的，准时参加
        + 2023-10-09 12:00:00 王建国 / 大家辛苦
    """

    id = "R202"
    name = "notice-unacknowledged"
    severity = Severity.WARNING
    title = Text("通知未回复确认", "Notice not acknowledged")
    explanation = Text(
        "集中下发的通知，每位成员都应及时回复“收到”等确认语，不可见之信息淡漠视之。",
        "Every member should acknowledge a group-wide notice (收到 / OK) promptly.",
    )
    clause = Text("群里要集中下发的通知要及时做回复，比如收到、执行、马上执行之类的回复语言，不可见之信息淡漠视之。",
                  "Group-wide notices must be acknowledged promptly (收到, 执行, 马上执行…).")

    class Options(RuleOptions):
        window: Duration = timedelta(hours=1)
        notice_patterns: list[RegexPattern] = [r"【(?:通知|公告)】", r"^(?:通知|公告)[:：]", r"请(?:大家|各位|全体)[^。！!]{0,20}回复"]
        ack_words: list[str] = ["收到", "执行", "好的", "明白", "了解", "知道了", "已阅", "遵照", "没问题", "ok", "👌", "👍",
                                "1", "好", "嗯", "是"]
        exempt: list[str] = []
        exempt_executives: bool = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.patterns = [regex.compile(p) for p in self.options.notice_patterns]
        words = [normalize(w).text for w in self.options.ack_words]  # as the messages are
        long_words = sorted((w for w in words if len(w) > 1), key=len, reverse=True)
        self.long_words = re.compile("|".join(map(re.escape, long_words))) if long_words else None
        self.short_words = {w for w in words if len(w) == 1}
        self.open: list[_Notice] = []
        self.closed: list[_Notice] = []  # kept until the end: who is required is known only then
        self.posters: dict[str, set[str]] = {}
        self.joined: dict[tuple[str, str], datetime] = {}
        self.gone: dict[tuple[str, str], datetime] = {}

    def on_message(self, msg: Message) -> Iterable[Finding]:
        self._advance(msg.ts)
        self.posters.setdefault(msg.group, set()).add(msg.sender)
        if self._is_ack(msg):
            for notice in self.open:
                if notice.msg.group == msg.group and notice.msg is not msg:
                    notice.acked.add(msg.sender)
        if self._is_notice(msg):
            self.open.append(_Notice(msg, msg.ts + self.options.window))
        return ()

    def on_event(self, ev: Event) -> Iterable[Finding]:
        self._advance(ev.ts)
        for target in ev.targets:
            key = (ev.group, self.ctx.who(target) or target)
            if ev.kind == EventKind.JOIN:
                self.joined[key] = ev.ts
                self.gone.pop(key, None)
            elif ev.kind in (EventKind.LEAVE, EventKind.REMOVED):
                self.gone[key] = ev.ts
        return ()

    def select(self, batch: Batch) -> np.ndarray:
        """A sender's first message in the batch (who posts in the group is all a message adds
        between notices), and every message from the first a leader or admin posts (a notice
        may start there), or all of them while a notice is open."""
        if self.open:
            return np.flatnonzero(batch.is_message)
        may_notify = batch.senders_where(lambda name: self.ctx.is_leader(name) or self.ctx.is_admin(name))
        return np.union1d(np.flatnonzero(batch.first_of_sender), _from_first(batch, may_notify))

    def finish(self) -> Iterable[Finding]:
        """Notices still open here closed after the last record: their window had not run out."""
        if self.export_end is not None:
            self._advance(self.export_end)  # what the records after this group's last would have closed
        for notice, pending in [(n, False) for n in self.closed] + [(n, True) for n in self.open]:
            missing = self._missing(notice)
            if missing:
                yield self._report(notice, missing, pending=pending)

    def _advance(self, now: datetime) -> None:
        """Close the notices whose window ended before ``now`` (an ack at the deadline counts)."""
        if not self.open:
            return
        self.closed.extend(n for n in self.open if now > n.closes)
        self.open = [n for n in self.open if now <= n.closes]

    def _is_notice(self, msg: Message) -> bool:
        if not (self.ctx.is_leader(msg.sender) or self.ctx.is_admin(msg.sender)):
            return False
        return ALL_MEMBERS in msg.mentions or any(search(p, msg.text) for p in self.patterns)

    def _is_ack(self, msg: Message) -> bool:
        folded = self.ctx.folded(msg)
        return self.long_words is not None and self.long_words.search(folded) is not None \
            or letters_only(folded) in self.short_words \
            or folded in self.short_words

    def _missing(self, notice: _Notice) -> list[str]:
        group, ts = notice.msg.group, notice.msg.ts
        exempt = set(self.options.exempt) | {notice.msg.sender}
        if self.options.exempt_executives:
            exempt |= set(self.ctx.roles.executives)
        required = []
        for name in sorted(self.posters.get(group, ())):
            if name in exempt or name in notice.acked:
                continue
            if self.joined.get((group, name), ts) > ts:
                continue
            gone = self.gone.get((group, name))
            if gone is not None and gone <= ts:
                continue
            required.append(name)
        return required

    def _report(self, notice: _Notice, missing: list[str], *, pending: bool) -> Finding:
        window = duration(self.options.window.total_seconds())
        names = "、".join(missing)
        if pending:
            text = Text(f"通知发出后尚未回复确认的 {len(missing)} 人：{names}（导出结束时仍在 {window.zh} 时限内）",
                        f"{len(missing)} member(s) have not yet acknowledged (window of {window.en} still open): {names}")
        else:
            text = Text(f"通知发出后 {window.zh}内以下 {len(missing)} 人未回复确认：{names}",
                        f"{len(missing)} member(s) did not acknowledge within {window.en}: {names}")
        return self.finding(notice.msg, text, offenders=tuple(missing), pending=pending, missing=missing)
