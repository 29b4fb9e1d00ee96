"""Rules about display names (群昵称)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import regex
from pydantic import field_validator

from chataudit.columns import Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.policy.types import REGEX_TIMEOUT, PatternTimeout, RegexPattern, fullmatch_any
from chataudit.records import Location, Member, Message
from chataudit.rules.base import Rule, RuleOptions

# The named parts a naming pattern may use. A policy can add or replace them under
# [rules.M101.parts]; each is a regex for one part of the name.
DEFAULT_PARTS = {
    "name": r"(?:\p{Han}{2,4}|\p{Han}{1,6}·\p{Han}{1,6}|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})",
    "dept": r"[\p{Han}A-Za-z0-9]{1,12}?(?:事业部|中心|公司|办公室|部|处|科|室|组|办|队|站|所|院|局|店|车间)",
    "center": r"[\p{Han}A-Za-z0-9]{1,10}?中心",
    "title": r"\p{Han}{1,6}",
    "store": r"[\p{Han}A-Za-z0-9]{1,12}?店",
}
DASHES = "-－—–‐‑"
_PLACEHOLDER = regex.compile(r"\{(\w+)\}")
_BRACE = regex.compile(r"[{}]")


class NamingScheme:
    """A compiled naming pattern such as ``{dept}-{name}`` or ``{center}{name}``.

    The parts are policy regexes run on names anyone can choose, so every match runs with
    the policy regex timeout (policy/types.py): one name costs at most REGEX_TIMEOUT, and a
    name that takes longer raises PatternTimeout instead of hanging the run."""

    def __init__(self, patterns: list[str], parts: dict[str, str], lenient_dashes: bool):
        self.patterns = patterns
        self._compiled = [self._compile(p, {**DEFAULT_PARTS, **parts}, lenient_dashes) for p in patterns]
        self._bare = regex.compile(DEFAULT_PARTS["name"] if "name" not in parts else parts["name"])
        # what a timeout names: the pattern as the policy wrote it, with the parts it set
        self._shown = {self._bare.pattern: f"{{name}} = {self._bare.pattern}"}
        for pattern, compiled in zip(patterns, self._compiled, strict=True):
            own = [f"{{{part}}} = {parts[part]}" for part in dict.fromkeys(_PLACEHOLDER.findall(pattern)) if part in parts]
            self._shown[compiled.pattern] = "; ".join(own) or pattern

    @staticmethod
    def _compile(pattern: str, parts: dict[str, str], lenient_dashes: bool) -> regex.Pattern[str]:
        out, pos = [], 0
        for m in _PLACEHOLDER.finditer(pattern):
            out.append(_literal(pattern[pos:m.start()], lenient_dashes))
            out.append(f"(?P<{m[1]}>{parts[m[1]]})")
            pos = m.end()
        out.append(_literal(pattern[pos:], lenient_dashes))
        return regex.compile("".join(out))

    def matches(self, display_name: str, bare: bool = False) -> bool:
        """Whether the name follows one of the patterns (or, with ``bare``, is a bare name)."""
        return self._first([self._bare, *self._compiled] if bare else self._compiled, display_name) is not None

    def is_bare_name(self, display_name: str) -> bool:
        return self._first([self._bare], display_name) is not None

    def parts_of(self, display_name: str) -> dict[str, str] | None:
        m = self._first(self._compiled, display_name)
        return m.groupdict() if m else None

    def _first(self, patterns: list[regex.Pattern[str]], display_name: str) -> regex.Match[str] | None:
        try:
            return fullmatch_any(patterns, display_name.strip())
        except PatternTimeout as slow:
            raise PatternTimeout(self._shown.get(slow.pattern, slow.pattern), "one name") from None


def _stray(pattern: str) -> str:
    """The first brace that is not part of a plain ``{part}``, with what follows it."""
    rest = _PLACEHOLDER.sub(lambda m: " " * len(m[0]), pattern)
    at = _BRACE.search(rest).start()
    return pattern[max(0, at - 5): at + 15]


def _literal(text: str, lenient_dashes: bool) -> str:
    if not lenient_dashes:
        return regex.escape(text)
    return "".join(f"[{regex.escape(DASHES)}]" if ch in DASHES else regex.escape(ch) for ch in text)


class NicknamePattern(Rule):
    """Display name (群昵称) that does not follow the group's naming pattern.

    The pattern is written with named parts: ``{dept}-{name}`` (部门-姓名, 销售部-张三),
    ``{center}{name}`` (中心名称+姓名, 人资中心张静) or ``{name}`` (real name only). Several
    patterns may be allowed at once. Executives listed under [roles] may use the bare name
    (总裁、副总裁直接使用姓名). Each sender is reported once per group, at their first message.
    With ``lenient_dashes`` a full-width or long dash counts as "-".

    Violates:
        2023-10-09 09:00:00 张三 / 早上好
        2023-10-09 09:00:00 小李飞刀🔪 / 收到
        2023-10-09 09:00:00 销售部 张三 / 收到
    Clean:
        2023-10-09 09:00:00 销售部-张三 / 收到
        2023-10-09 09:00:00 行政人事部－孙丽 / 收到
    """

    id = "M101"
    name = "nickname-pattern"
    severity = Severity.WARNING
    title = Text("群昵称不规范", "Display name does not follow the naming pattern")
    explanation = Text(
        "群成员一律实名，群昵称按“部门-姓名”等统一格式修改，便于辨认和管理。",
        "Members use their real name in the agreed form (e.g. Department-Name) so everyone can tell who is who.",
    )
    clause = Text("群昵称命名规则：部门+员工姓名，例如：行政人事部-张某某（总裁、副总裁直接使用姓名）。",
                  "Group nickname: department + name, e.g. 行政人事部-张某某; executives use their bare name.")

    class Options(RuleOptions):
        parts: dict[str, RegexPattern] = {}  # before pattern: its check reads them (info.data)
        pattern: str | list[str] = "{dept}-{name}"
        lenient_dashes: bool = True
        exempt: list[str] = []

        @field_validator("pattern")
        @classmethod
        def _known_parts(cls, value: str | list[str], info) -> str | list[str]:
            patterns = [value] if isinstance(value, str) else value
            if not patterns:
                raise ValueError("give at least one pattern, e.g. \"{dept}-{name}\"")
            known = set(DEFAULT_PARTS) | set(info.data.get("parts", {}))
            for pattern in patterns:
                for part in _PLACEHOLDER.findall(pattern):
                    if part not in known:
                        raise ValueError(f"unknown part {{{part}}} in {pattern[:80]!r}; known: {', '.join(sorted(known))}")
                if _BRACE.search(_PLACEHOLDER.sub("", pattern)):  # {name:>999999999}, {name!r}, {0}, {{
                    raise ValueError(f"only plain placeholders such as {{dept}} and {{name}} may be used, "
                                     f"not {_stray(pattern)!r}")
            return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opts = self.options
        patterns = [opts.pattern] if isinstance(opts.pattern, str) else list(opts.pattern)
        self.scheme = NamingScheme(patterns, opts.parts, opts.lenient_dashes)
        self._seen: set[tuple[str, str]] = set()  # bounded by the number of distinct senders

    def allowed(self, display_name: str) -> bool:
        """Raises PatternTimeout when the patterns take over REGEX_TIMEOUT on this name."""
        if display_name in self.options.exempt:
            return True
        return self.scheme.matches(display_name, bare=display_name in self.ctx.roles.executives)

    def on_message(self, msg: Message) -> Iterable[Finding]:
        key = (msg.group, msg.sender)
        if key in self._seen:
            return ()
        self._seen.add(key)
        return self.check(msg.group, msg.sender, msg.sender_id, msg.loc, msg.ts, msg.text)

    def select(self, batch: Batch) -> np.ndarray:
        """A sender's first message in the batch: each later one is already seen."""
        return np.flatnonzero(batch.first_of_sender)

    def on_members(self, group: str, members: Sequence[tuple[Location, Member]]) -> Iterable[Finding]:
        for loc, member in members:
            yield from self.check(group, member.name, member.id, loc, None, "")

    def check(self, group: str, name: str, account: str | None, loc: Location, ts: datetime | None,
              excerpt: str) -> Iterable[Finding]:
        wanted = " / ".join(self.scheme.patterns)
        try:
            if self.allowed(name):
                return ()
        except PatternTimeout as slow:
            # A name can be chosen to make a policy regex backtrack for minutes: report that
            # this name could not be checked, and go on with the others.
            return (self.make(group, name, ts, loc, Text(
                f"群昵称“{name}”未能按命名规则 {wanted} 检查：正则 «{slow.pattern}» 在该名字上超过 {REGEX_TIMEOUT} 秒，请简化该正则",
                f"Display name \"{name}\" could not be checked against the naming pattern {wanted}: the regex "
                f"«{slow.pattern}» took over {REGEX_TIMEOUT}s on it; simplify the regex",
            ), excerpt=excerpt, pattern=wanted, timed_out=slow.pattern),)
        proper = None
        if self.ctx.roster is not None:
            employee = self.ctx.roster.identify(name, account).employee
            proper = self.ctx.proper_name(employee) if employee is not None else None
        hint = Text(f"，应改为“{proper}”", f"; rename to \"{proper}\"") if proper else Text("，请修改群昵称", "; ask them to rename")
        return (self.make(group, name, ts, loc, Text(
            f"群昵称“{name}”不符合命名规则 {wanted}{hint.zh}",
            f"Display name \"{name}\" does not follow the naming pattern {wanted}{hint.en}",
        ), excerpt=excerpt, pattern=wanted, fix={"action": "rename", "member": name, "to": proper}),)
