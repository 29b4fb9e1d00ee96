"""Build records from compact lines, for rule tests and the rules' docstring examples.

    2023-10-08 22:41:05 销售部-张三 / 明天的报表我发群里了     → a text message
    2023-10-08 22:41:05 [system] "张三"邀请"李四"加入了群聊    → a system event
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from functools import cache
from datetime import datetime
from zoneinfo import ZoneInfo

from chataudit.engine import BATCH, audit, audit_batched
from chataudit.formats.base import find_mentions
from chataudit.formats.system_events import match_system_text
from chataudit.formats.base import placeholder_kind
from chataudit.policy.schema import Roles
from chataudit.records import Event, EventKind, Location, Member, Message
from chataudit.roster import Employee, Roster
from chataudit.rules.base import Rule, RuleContext
from chataudit.rules.custom import CustomRule

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUSE_ROLES = Roles(owner="人资中心-李敏", admins=["人资中心-李敏"], leaders=["王建国", "人资中心-李敏"],
                    executives=["王建国"])
"""The roles the rules' docstring examples assume."""
HOUSE_ROSTER = Roster("花名册.csv", [
    Employee(2, "张三", "E001", "销售部", "销售经理"),
    Employee(3, "李四", "E002", "财务部", "会计"),
    Employee(4, "王五", "E003", "技术部", "工程师", current=False),
    Employee(5, "李敏", "E004", "人资中心", "人资总监"),
    Employee(6, "王建国", "E005", "总经理办公室", "总经理"),
    Employee(7, "张伟", "E006", "市场部", "专员"),
])
"""The roster the docstring examples assume (王五 has left)."""
HOUSE_REQUIRED = ("总监", "总经理")


def record(line: str, index: int = 0, group: str = "测试群", tz=SHANGHAI) -> Message | Event:
    stamp, rest = line[:19], line[20:]
    ts = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
    loc = Location("timeline", index + 1)
    if rest.startswith("[system] "):
        text = rest.removeprefix("[system] ")
        found = match_system_text(text)
        if found is None:
            return Event(group, ts, EventKind.UNKNOWN, text, loc)
        return Event(group, ts, found.kind, text, loc, actor=found.actor, targets=found.targets, via=found.via)
    sender, _, text = rest.partition(" / ")
    text = text.replace("\\n", "\n")
    return Message(group, ts, sender, placeholder_kind(text), text, loc, mentions=find_mentions(text))


def timeline(*lines: str) -> list[Message | Event]:
    return [record(line, i) for i, line in enumerate(lines)]


def run(rule: Rule, records: list[Message | Event], *, pending: bool = False) -> list:
    """The rule's findings over a timeline, through the engine; pending ones only on request.

    Every call also audits the timeline with fresh twins of the rule through the batch engine,
    in batches of two records (so that whatever state crosses a batch boundary crosses one)
    and in one batch, and checks that the findings are the same, in the same order."""
    found = list(audit(records, [rule]))
    for size in (2, BATCH):
        assert list(audit_batched(records, [twin(rule)], size)) == found, f"batch engine (batches of {size}) differs"
    return [f for f in found if f.pending == pending]


def twin(rule: Rule) -> Rule:
    """A fresh rule like ``rule``: same class, options, severity and clause, a context with the
    same roles, roster and lexicons but nothing remembered."""
    ctx = replace(rule.ctx, directory=None, content_patterns=[], _gate=None, _content_for=None, _content=None,
                  _leader_cache={})
    fresh = CustomRule(rule.spec, ctx) if isinstance(rule, CustomRule) else type(rule)(rule.options, ctx, severity=rule.severity)
    fresh.clause = rule.clause
    return fresh


@cache
def bundled_matcher():
    """The automaton over the bundled lexicons, as a run with the default policy builds it."""
    from chataudit.policy.load import bundled_policies_dir, load_policy
    from chataudit.rules.registry import content_matcher

    return content_matcher(load_policy(bundled_policies_dir() / "default.toml"))


def make(cls: type[Rule], roles: Roles | None = None, tz=SHANGHAI, roster: Roster | None = None,
         required: tuple[str, ...] = (), **options) -> Rule:
    matcher, bad_domains = bundled_matcher()
    ctx = RuleContext(roles=roles or Roles(), tz=tz, roster=roster, required_roles=required,
                      matcher=matcher, bad_domains=bad_domains)
    return cls(cls.Options.model_validate(options), ctx)


def run_members(rule: Rule, names: list[str], group: str = "测试群") -> list:
    """The rule's findings over a membership list of these display names (rows 2, 3, …)."""
    members = [(Location("members.csv", i + 2), Member(name=name)) for i, name in enumerate(names)]
    return list(rule.on_members(group, members))


def docstring_examples(cls: type[Rule]) -> dict[str, list[list[str]]]:
    """The ``Violates:`` and ``Clean:`` cases of a rule's docstring. Each line is a case;
    a line starting with ``+ `` continues the case above it."""
    cases: dict[str, list[list[str]]] = {"Violates": [], "Clean": []}
    section = None
    for raw in inspect.cleandoc(cls.__doc__ or "").splitlines():
        line = raw.strip()
        if line in ("Violates:", "Clean:"):
            section = line[:-1]
        elif section and not line:
            continue
        elif section and line.startswith("+ "):
            cases[section][-1].append(line[2:])
        elif section and line[:4].isdigit():
            cases[section].append([line])
        else:
            section = None
    return cases
