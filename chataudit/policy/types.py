"""Value types users write in policies: durations ("30m") and times of day ("22:00")."""

from __future__ import annotations

import time as clock
from collections.abc import Sequence
from datetime import time, timedelta
from typing import Annotated

import regex
from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from chataudit.errors import PolicyError

_DURATION = regex.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = timedelta(days=366)
"""The longest window, period or grace a policy may set: a year covers every rule's use, and
anything longer is a typo (and "99999999999d" would overflow timedelta)."""


def parse_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    m = _DURATION.match(value) if isinstance(value, str) else None
    if m is None:
        shown = value[:40] if isinstance(value, str) else value
        raise ValueError(f"expected a duration such as \"10s\", \"30m\", \"1h\" or \"1d\", got {shown!r}")
    seconds = float(m[1]) * _UNIT_SECONDS[m[2]]
    if seconds > MAX_DURATION.total_seconds():  # also inf, from a thousand digits
        raise ValueError(f"{value.strip()[:40]!r} is longer than the limit of {MAX_DURATION.days}d")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def parse_time_of_day(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip())
        except ValueError:
            if value.strip() == "24:00":
                return time.max
    raise ValueError(f"expected a time of day such as \"22:00\" or \"07:30\", got {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
TimeOfDay = Annotated[
    time, BeforeValidator(parse_time_of_day), PlainSerializer(lambda t: t.strftime("%H:%M:%S" if t.second else "%H:%M"))
]

REGEX_TIMEOUT = 0.25  # CPU seconds (the regex module's clock) a policy regex may take on one message or name


class PatternTimeout(PolicyError):
    """A policy regex took longer than REGEX_TIMEOUT on one piece of text (catastrophic
    backtracking). Content and response rules let it stop the run with this one line; the
    naming rule catches it and reports the name it could not check (see rules/naming.py)."""

    def __init__(self, pattern: str, what: str = "one message"):
        self.pattern = pattern
        super().__init__(f"the regex «{pattern}» took over {REGEX_TIMEOUT}s on {what}",
                         fix="simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)")


def _check_regex(value: str) -> str:
    try:
        regex.compile(value)
    except regex.error as exc:
        raise ValueError(f"{value!r} is not a valid regex: {exc}") from None
    return value


RegexPattern = Annotated[str, AfterValidator(_check_regex)]


_UNSAFE_TO_JOIN = regex.compile(r"\\[1-9]|\\g<|\(\?P=|\(\?[a-zA-Z]+\)")
"""Backreferences (numbered or named) and global inline flags: joined into one alternation,
they would refer to another pattern's group or change how the other patterns read."""


def joined(patterns: list[str]) -> list["regex.Pattern[str]"]:
    """Policy patterns compiled (case-insensitive) into as few regexes as is safe: one
    alternation when joining them cannot change what any of them matches, else one each."""
    if not patterns:
        return []
    if not any(_UNSAFE_TO_JOIN.search(p) for p in patterns):
        try:
            return [regex.compile("|".join(f"(?:{p})" for p in patterns), regex.IGNORECASE)]
        except regex.error:  # the same group name in two patterns
            pass
    return [regex.compile(p, regex.IGNORECASE) for p in patterns]


def search_any(patterns: list["regex.Pattern[str]"], text: str) -> "regex.Match[str] | None":
    """The first match of any of ``patterns`` (each searched with the timeout)."""
    for pattern in patterns:
        found = search(pattern, text)
        if found:
            return found
    return None


def search(pattern: "regex.Pattern[str]", text: str) -> "regex.Match[str] | None":
    """A policy regex applied to untrusted text, with a timeout against catastrophic
    backtracking: PatternTimeout (a PolicyError) when it takes longer than REGEX_TIMEOUT."""
    try:
        return pattern.search(text, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        raise PatternTimeout(pattern.pattern) from None


def fullmatch_any(patterns: Sequence["regex.Pattern[str]"], text: str,
                  what: str = "one name") -> "regex.Match[str] | None":
    """The first of ``patterns`` that matches the whole of ``text``, all of them together
    within one REGEX_TIMEOUT (however many patterns a policy lists, one name costs at most
    that); PatternTimeout names the pattern that was running when the time ran out. The
    budget is CPU time, as the regex module counts its timeout: on a loaded machine the
    wall-clock time is longer."""
    deadline = clock.process_time() + REGEX_TIMEOUT
    for pattern in patterns:
        left = deadline - clock.process_time()
        if left <= 0:
            raise PatternTimeout(pattern.pattern, what)
        try:
            found = pattern.fullmatch(text, timeout=left)
        except TimeoutError:
            raise PatternTimeout(pattern.pattern, what) from None
        if found:
            return found
    return None
