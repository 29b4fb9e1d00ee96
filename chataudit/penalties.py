"""Penalties (action + fine per rule) and the escalation ladder over a member's offences."""

from __future__ import annotations

from dataclasses import dataclass

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


class Assessor:
    """The penalty of each finding, given one at a time in the report's order, and the
    per-member totals. With a ladder, a member's n-th offence (a finding at or above
    ``escalation.min_severity``) gets at least the n-th step (the last step repeats). A
    finding charged to several members (a notice nobody acknowledged) counts, and fines,
    once for each of them. ``prior`` holds offences from earlier runs (the ledger).

    Only the tallies are kept, one per member, so findings can stream through it."""

    def __init__(self, policy: Policy, prior: dict[str, int] | None = None):
        self.policy = policy
        self._members: dict[str, MemberTally] = {}
        self._offences: dict[str, int] = dict(prior or {})

    def penalty(self, finding: Finding) -> Penalty:
        policy, ladder = self.policy, self.policy.escalation.ladder
        configured = policy.penalties.get(finding.rule)
        action = (configured.action if configured and configured.action else DEFAULT_ACTION[finding.severity])
        fine = configured.fine if configured else 0.0
        finding_action = action
        for who in finding.charged:
            member_action = action
            if ladder and finding.severity.rank >= policy.escalation.min_severity.rank:
                self._offences[who] = self._offences.get(who, 0) + 1
                member_action = _worse(action, ladder[min(self._offences[who], len(ladder)) - 1])
            finding_action = _worse(finding_action, member_action)
            tally = self._members.setdefault(who, MemberTally(who))
            tally.violations += 1
            tally.fines += fine
            tally.action = _worse(tally.action, member_action)
        return Penalty(finding_action, fine)

    def members(self) -> list[MemberTally]:
        """The totals so far, highest fines first, then most violations, then by name."""
        return sorted(self._members.values(), key=lambda m: (-m.fines, -m.violations, m.name))


_RANK = {action: action.rank for action in Action}


def _worse(first: Action, second: Action) -> Action:
    """``max(first, second, key=rank)`` with the ranks looked up once (this runs per finding)."""
    return second if _RANK[second] > _RANK[first] else first
