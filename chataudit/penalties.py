"""Penalties (action + fine per rule) and the escalation ladder over a member's offences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chataudit.findings import Finding, Severity
from chataudit.policy.schema import Action, Policy

DEFAULT_ACTION = {Severity.INFO: Action.REMIND, Severity.WARNING: Action.WARN, Severity.ERROR: Action.SEVERE_WARNING}


@dataclass(frozen=True, slots=True)
class Penalty:
    action: Action
    fine: float


@dataclass(slots=True)
class MemberTally:
    name: str
    violations: int = 0
    fines: float = 0
    action: Action = Action.NONE
    by_rule: dict[str, int] = field(default_factory=dict)


def assess(findings: Sequence[Finding], policy: Policy,
           prior: dict[str, int] | None = None) -> tuple[list[Penalty], list[MemberTally]]:
    """The penalty of each finding (in the given order, which is the report's order) and
    the per-member totals. With a ladder, a member's n-th offence (a finding at or above
    ``escalation.min_severity``) gets at least the n-th step (the last step repeats). A
    finding charged to several members (a notice nobody acknowledged) counts, and fines,
    once for each of them. ``prior`` holds offences from earlier runs (the ledger)."""
    ladder = policy.escalation.ladder
    members: dict[str, MemberTally] = {}
    offences: dict[str, int] = dict(prior or {})
    penalties: list[Penalty] = []
    for finding in findings:
        configured = policy.penalties.get(finding.rule)
        action = (configured.action if configured and configured.action else DEFAULT_ACTION[finding.severity])
        fine = configured.fine if configured else 0.0
        finding_action = action
        for who in finding.charged:
            member_action = action
            if ladder and finding.severity.rank >= policy.escalation.min_severity.rank:
                offences[who] = offences.get(who, 0) + 1
                step = ladder[min(offences[who], len(ladder)) - 1]
                member_action = max(action, step, key=lambda a: a.rank)
            finding_action = max(finding_action, member_action, key=lambda a: a.rank)
            tally = members.setdefault(who, MemberTally(who))
            tally.violations += 1
            tally.fines += fine
            tally.by_rule[finding.rule] = tally.by_rule.get(finding.rule, 0) + 1
            tally.action = max(tally.action, member_action, key=lambda a: a.rank)
        penalties.append(Penalty(finding_action, fine))
    ordered = sorted(members.values(), key=lambda m: (-m.fines, -m.violations, m.name))
    return penalties, ordered
