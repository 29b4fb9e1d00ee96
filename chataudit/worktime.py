"""Working time: work hours on workdays, minus holidays, plus make-up workdays (调休).

Used by rules whose windows run on working time: a task set at 21:50 on a Friday with a
30-minute window is due at 09:30 on Monday.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from chataudit.errors import PolicyError

MAX_DAYS = 400  # a window never spans more than this many calendar days of search


class WorkCalendar:
    def __init__(self, hours: Iterable[tuple[time, time]], weekdays: Iterable[int],
                 holidays: Iterable[date] = (), workdays: Iterable[date] = (), national: str | None = None):
        self.hours = sorted(hours)
        self.weekdays = frozenset(weekdays)  # 0 = Monday
        self.holidays = frozenset(holidays)
        self.extra_workdays = frozenset(workdays)
        self._national = _national_calendar(national) if national else None

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.extra_workdays:
            return True
        if self._national is not None:
            try:
                return self._national(day)
            except NotImplementedError:  # a year the calendar has no data for: fall back to weekdays
                pass
        return day.weekday() in self.weekdays

    def add(self, start: datetime, amount: timedelta, tz: tzinfo) -> datetime:
        """The moment ``amount`` of working time after ``start``."""
        local = start.astimezone(tz)
        left = amount
        day = local.date()
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                for begin, end in self.hours:
                    span_start = datetime.combine(day, begin, tz)
                    span_end = datetime.combine(day, end, tz) if end != time.max else datetime.combine(
                        day + timedelta(days=1), time.min, tz)
                    if span_end <= local:
                        continue
                    span_start = max(span_start, local)
                    if span_start + left <= span_end:
                        return span_start + left
                    left -= span_end - span_start
            day += timedelta(days=1)
        return start + amount  # no working time found within MAX_DAYS: fall back to the wall clock


def _national_calendar(name: str):
    if name != "cn":
        raise PolicyError(f"unknown holiday calendar {name!r}", fix="use \"cn\" or leave it out")
    try:
        import chinese_calendar
    except ImportError:
        raise PolicyError("holiday_calendar = \"cn\" needs the chinese-calendar package",
                          fix="pip install 'chataudit[holidays]'") from None
    return chinese_calendar.is_workday
