"""Rules about when people post."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, field_validator

from chataudit.columns import Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.policy.types import TimeOfDay
from chataudit.records import Message
from chataudit.rules.base import Rule, RuleOptions

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _not_empty(pair: tuple[time, time]) -> tuple[time, time]:
    if pair[0] == pair[1]:
        raise ValueError("a quiet range needs different start and end times")
    return pair


ALL_DAY = Text("全天", "all day")

TimeRange = Annotated[tuple[TimeOfDay, TimeOfDay], AfterValidator(_not_empty)]


_SLACK = 1e-3


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def hhmm(t: time) -> str:
    return "24:00" if t == time.max else t.strftime("%H:%M")


class OffHours(Rule):
    """Posting inside quiet hours (晚上22:00至早上07:30休息时间段请勿群聊).

    Each quiet range is [start, end): 22:00:00 is inside, 07:30:00 is not. A range whose
    end is before its start runs overnight and belongs to the day it starts on, so with
    ``days = ["mon", …, "fri"]`` Friday 23:00 and Saturday 01:00 are quiet but Saturday
    23:00 is not. ``all_day`` makes whole weekdays or dates (holidays) quiet. Times are
    read in the policy's time zone.

    Violates:
        2023-10-08 22:41:05 销售部-张三 / 明天的报表我发群里了
        2023-10-08 22:00:00 销售部-张三 / 整点也算休息时间
        2023-10-09 00:00:00 销售部-张三 / 午夜
        2023-10-09 07:29:59 销售部-张三 / 早
    Clean:
        2023-10-08 21:59:59 销售部-张三 / 明天的报表我发群里了
        2023-10-09 07:30:00 销售部-张三 / 早上好
    """

    id = "T501"
    name = "off-hours"
    severity = Severity.WARNING
    title = Text("休息时间发言", "Posting during quiet hours")
    explanation = Text(
        "在群规规定的休息时间段内发言会打扰同事休息。非紧急事项请在工作时间发送。",
        "Messages inside the regulation's quiet hours disturb colleagues; send non-urgent matters in working hours.",
    )
    clause = Text("晚上22:00至早上07:30休息时间段请勿群聊。", "No chatting between 22:00 and 07:30 (quiet hours).")

    class Options(RuleOptions):
        quiet: list[TimeRange] = [(time(22, 0), time(7, 30))]
        days: list[Weekday] = list(WEEKDAYS)
        all_day: list[Weekday | date] = []
        exempt: list[str] = []

        @field_validator("days")
        @classmethod
        def _some_day(cls, value: list[str]) -> list[str]:
            if not value:
                raise ValueError("list at least one weekday, e.g. [\"mon\", \"tue\"]")
            return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bounds = sorted({t for pair in self.options.quiet for t in pair})
        self._day: date | None = None
        self._memo: dict[int, Text | None] = {}

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if msg.sender in self.options.exempt:
            return ()
        local = msg.ts.astimezone(self.ctx.tz)
        window = self._quiet_window_memo(local)
        if window is None:
            return ()
        clock = local.strftime("%H:%M")
        return (self.finding(msg, Text(
            f"在休息时间（{window.zh}）内发言，发送时间 {clock}",
            f"Posted at {clock}, inside quiet hours {window.en}",
        ), quiet=window.en),)

    def select(self, batch: Batch) -> np.ndarray | None:
        """Messages whose local time of day falls in a quiet range, on any weekday (``confirm``
        checks the day); every message when whole days are quiet. The ranges are widened by a
        millisecond, so that rounding in the epoch seconds never loses a boundary case."""
        if self.options.all_day:
            return None
        clock = batch.seconds_of_day(self.ctx.tz)
        inside = np.zeros(len(batch), dtype=bool)
        for start, end in self.options.quiet:
            after, before = clock >= _seconds(start) - _SLACK, clock < _seconds(end) + _SLACK
            inside |= (after & before) if start < end else (after | before)
        return np.flatnonzero(inside & batch.is_message)

    def _quiet_window_memo(self, local: datetime) -> Text | None:
        """``quiet_window``, remembered for the current day: between two consecutive range
        boundaries every comparison it makes has the same outcome, so the day and the
        boundary slot decide the answer."""
        day, slot = local.date(), bisect_right(self._bounds, local.time())
        if day != self._day:
            self._day, self._memo = day, {}
        if slot not in self._memo:
            self._memo[slot] = self.quiet_window(local)
        return self._memo[slot]

    def quiet_window(self, local: datetime) -> Text | None:
        """The quiet range ``local`` falls in, labelled like "22:00–07:30", or None."""
        day = local.date()
        if WEEKDAYS[day.weekday()] in self.options.all_day or day in self.options.all_day:
            return ALL_DAY
        t = local.time()
        for start, end in self.options.quiet:
            if start < end:
                inside, starts_on = start <= t < end, day
            else:
                inside = t >= start or t < end
                starts_on = day if t >= start else day - timedelta(days=1)
            if inside and WEEKDAYS[starts_on.weekday()] in self.options.days:
                label = f"{hhmm(start)}–{hhmm(end)}"
                return Text(label, label)
        return None
