"""`chataudit members`: check a group's membership against the naming rule and the roster,
and turn the findings into a fix list an admin can act on (remove, rename, invite)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chataudit.errors import UsageError
from chataudit.findings import Finding
from chataudit.formats.base import InputStats
from chataudit.i18n import Lang
from chataudit.jobs.audit import input_options
from chataudit.jobs.inputs import open_input, within
from chataudit.policy.load import LoadedPolicy
from chataudit.records import Event, EventKind, Location, Member, Message
from chataudit.report.build import build_report
from chataudit.report.model import Fix, Report
from chataudit.roster import read_member_list, read_roster
from chataudit.rules.base import SELF_NAMES
from chataudit.rules.registry import build_rules

FIX_ORDER = {"remove": 0, "rename": 1, "invite": 2}


@dataclass(frozen=True, slots=True)
class MembersRequest:
    policy: LoadedPolicy
    lang: Lang
    member_list: Path | None = None
    roster: Path | None = None
    export: Path | None = None
    group: str | None = None
    fmt: str = "auto"
    select: list[str] | None = None
    ignore: list[str] | None = None


def run_members(req: MembersRequest) -> Report:
    if req.member_list is None and req.export is None:
        raise UsageError("give a member list, or --export EXPORT to rebuild the membership from a chat export")
    roster = read_roster(req.roster) if req.roster else None
    rules = build_rules(req.policy, req.select, req.ignore, roster=roster)
    if req.member_list is not None:
        rows = read_member_list(req.member_list)
        group = req.group or req.member_list.stem
        members = [(Location(str(req.member_list), number), member) for number, member in rows]
        stats = InputStats(lines=(rows[-1][0] if rows else 1))
        source = (str(req.member_list), "member-list", stats)
    else:
        group, members, stats, fmt = membership_from_export(req)
        source = (str(req.export), fmt, stats)
    findings = [finding for rule in rules for finding in rule.on_members(group, members)]
    report = build_report([source], [(0, f) for f in findings], req.policy, {r.id: r for r in rules}, req.lang)
    report.fixes = fix_list(findings)
    return report


def membership_from_export(req: MembersRequest) -> tuple[str, list[tuple[Location, Member]], InputStats, str]:
    """Who is in the group at the end of an export: everyone who posted or joined, less those
    who left or were removed afterwards (and not back since), in order of first appearance."""
    opened = open_input(req.export, req.fmt, req.policy.policy.tz, req.group, input_options(req.policy, None))
    first: dict[str, Location] = {}
    present: dict[str, bool] = {}
    group = req.group
    for record in within(opened.records(), None, None):
        group = group or record.group
        if isinstance(record, Message):
            names, here = [record.sender], True
        elif isinstance(record, Event) and record.kind in (EventKind.JOIN, EventKind.LEAVE, EventKind.REMOVED):
            names, here = list(record.targets), record.kind == EventKind.JOIN
        else:
            continue
        for name in names:
            if name and name not in SELF_NAMES:
                first.setdefault(name, record.loc)
                present[name] = here
    members = [(first[name], Member(name=name)) for name in first if present[name]]
    return group or req.export.stem, members, opened.stats, opened.format.name


def fix_list(findings: list[Finding]) -> list[Fix]:
    """One line per member and action: who to remove, who to rename (and to what), who to invite."""
    fixes: dict[tuple[str, str], Fix] = {}
    for finding in findings:
        fix = finding.data.get("fix")
        if not fix:
            continue
        key = (fix["action"], fix["member"])
        if key in fixes:
            fixes[key].rules.append(finding.rule)
            fixes[key].to = fixes[key].to or fix.get("to")
        else:
            fixes[key] = Fix(action=fix["action"], member=fix["member"], to=fix.get("to"), rules=[finding.rule])
    removing = {member for action, member in fixes if action == "remove"}
    kept = [f for (action, member), f in fixes.items() if not (action == "rename" and member in removing)]
    return sorted(kept, key=lambda f: (FIX_ORDER[f.action], f.member))
