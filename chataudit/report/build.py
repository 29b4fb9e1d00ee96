"""Turn findings into the report: sorted, translated, with penalties and member totals."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta, timezone, tzinfo

from chataudit import __version__
from chataudit.findings import Finding, Severity
from chataudit.formats.base import InputStats
from chataudit.i18n import Lang
from chataudit.penalties import Assessor, Penalty
from chataudit.policy.schema import Action
from chataudit.policy.load import LoadedPolicy
from chataudit.report.model import (
    ExemptionOut, InputSummary, MemberOut, PenaltyOut, PolicyRef, Report, Rows, SourceRef, Summary, Tool, Violation,
)
from chataudit.rules.base import Rule
from chataudit.rules.custom import CustomRule
from chataudit.spill import SortedRun
from chataudit.text.pii import find_personal_data


def whole(amount: float) -> int | float:
    return int(amount) if float(amount).is_integer() else round(amount, 2)


def sort_key(input_index: int, finding: Finding) -> tuple:
    """Input, then time, then rule id (SPEC §6); line and sender break the remaining ties."""
    return (
        input_index,
        finding.ts.timestamp() if finding.ts else float("-inf"),
        finding.rule,
        (finding.loc.line or finding.loc.index or 0) if finding.loc else 0,
        finding.sender or "",
        finding.message.en,
    )


def _report_order(item: tuple) -> tuple:
    """The sort key of an (input index, finding, …) item."""
    return sort_key(item[0], item[1])


NO_PENALTY = Penalty(Action.NONE, 0)
"""What pending, to-review and exempted rows carry: they are not violations."""


class Collected:
    """An audit's findings as they arrive (input by input, each in the order its rules found
    them), sorted into the report's lists: violations, pending, to review, exempted. Each
    list is a SortedRun in report order that spills to disk past ``budget`` findings, and
    the summary's totals are counted on the way, so nothing here grows with the findings."""

    def __init__(self, budget: int | None = None):
        self.violations: SortedRun[tuple[int, Finding]] = SortedRun(_report_order, budget)
        self.pending: SortedRun[tuple[int, Finding]] = SortedRun(_report_order, budget)
        self.review: SortedRun[tuple[int, Finding]] = SortedRun(_report_order, budget)
        self.exempted: SortedRun[tuple[int, Finding, int]] = SortedRun(_report_order, budget)
        self.by_rule: Counter[str] = Counter()
        self.by_severity: Counter[str] = Counter()

    def add(self, index: int, finding: Finding) -> None:
        """A finding of input ``index`` that stands (not baselined, not exempted)."""
        if finding.pending:
            self.pending.add((index, finding))
        if finding.to_review:
            self.review.add((index, finding))
        if not finding.pending and not finding.to_review:
            self.violations.add((index, finding))
            self.by_rule[finding.rule] += 1
            self.by_severity[finding.severity.value] += 1

    def exempt(self, index: int, finding: Finding, exemption: int) -> None:
        """A finding that the policy's ``exempt[exemption]`` accepts."""
        self.exempted.add((index, finding, exemption))

    def recorded(self) -> Iterator[Finding]:
        """What the ledger records: every finding that stands and is not pending."""
        yield from (f for _, f in self.violations)
        yield from (f for _, f in self.review if not f.pending)

    @classmethod
    def of(cls, findings: Iterable[tuple[int, Finding]]) -> Collected:
        collected = cls()
        for index, finding in findings:
            collected.add(index, finding)
        return collected


def build_report(
    inputs: Sequence[tuple[str, str, InputStats]],
    findings: Collected | Iterable[tuple[int, Finding]],
    loaded: LoadedPolicy,
    rules: dict[str, Rule],
    lang: Lang,
    *,
    prior: dict[str, int] | None = None,
    redact: bool = False,
) -> Report:
    """The report over ``findings``. The member totals need every violation's penalty in report
    order, so they are worked out here in one pass over the sorted violations; the rows
    themselves are made again each time a reporter reads them. ``findings`` are an audit's
    ``Collected``, or (input index, finding) pairs that stand (a membership check's few)."""
    found = findings if isinstance(findings, Collected) else Collected.of(findings)
    tz = loaded.policy.tz
    exemptions = loaded.policy.exempt

    def row(f: Finding, p: Penalty = NO_PENALTY) -> Violation:
        return _violation(f, p, rules, lang, tz, redact)

    def violations() -> Iterator[Violation]:
        assessor = Assessor(loaded.policy, prior)
        return (row(f, assessor.penalty(f)) for _, f in found.violations)

    assessor = Assessor(loaded.policy, prior)
    for _, f in found.violations:
        assessor.penalty(f)
    report = Report(
        tool=Tool(version=__version__),
        policy=PolicyRef(name=loaded.policy.policy.name, source=loaded.source),
        inputs=[
            InputSummary(path=path, format=fmt, lines=s.lines, messages=s.messages, events=s.events,
                         unparsed_lines=s.unparsed_lines, notes=list(s.notes), error=s.error)
            for path, fmt, s in inputs
        ],
        summary=Summary(
            violations=len(found.violations),
            by_rule=dict(sorted(found.by_rule.items())),
            by_severity={s.value: found.by_severity[s.value] for s in Severity if found.by_severity[s.value]},
        ),
        violations=Rows(len(found.violations), violations),
        members=[MemberOut(name=m.name, violations=m.violations, fines=whole(m.fines), action=m.action.value)
                 for m in assessor.members()],
        pending=Rows(len(found.pending), lambda: (row(f) for _, f in found.pending)),
        review=Rows(len(found.review), lambda: (row(f) for _, f in found.review)),
        exempted=Rows(len(found.exempted), lambda: (replace(row(f), exemption=ExemptionOut.of(exemptions[n]))
                                                    for _, f, n in found.exempted)),
    )
    report._custom_rules = {rid: rule for rid, rule in rules.items() if isinstance(rule, CustomRule)}
    return report


FINGERPRINT_ZONE = timezone(timedelta(hours=8))
"""Fingerprints hold the instant, always written in one fixed zone: changing the policy's
time zone must not make every known finding new. UTC+8 keeps the fingerprints that earlier
versions wrote for Chinese policies (Asia/Shanghai has had no DST since 1991)."""


def fingerprint(f: Finding) -> str:
    """Stable across runs, overlapping exports and upgrades: rule, group, sender, time and what
    was said — not how it was matched, so editing a lexicon keeps ledgers and baselines valid."""
    ts = f.ts.astimezone(FINGERPRINT_ZONE).isoformat() if f.ts else ""
    key = "\x1f".join([f.rule, f.group, f.sender or "", ts, f.excerpt])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def redacted(text: str) -> str:
    """Personal data (mobile, ID, card numbers, e-mail) masked: 138****5678."""
    for found in sorted(find_personal_data(text), key=lambda p: p.start, reverse=True):
        text = text[:found.start] + found.masked + text[found.end:]
    return text


def _violation(f: Finding, p: Penalty, rules: dict[str, Rule], lang: Lang, tz: tzinfo, redact: bool = False) -> Violation:
    """One report row. Its time is shown in the policy's zone, as the rules' messages are,
    whatever offset the export wrote."""
    hide = redacted if redact else (lambda text: text)
    return Violation(
        fingerprint=fingerprint(f),
        rule=f.rule,
        name=rules[f.rule].name,
        severity=f.severity.value,
        group=f.group,
        sender=f.sender,
        timestamp=f.ts.astimezone(tz).isoformat() if f.ts else None,
        source=SourceRef(path=f.loc.path, line=f.loc.line, record=f.loc.index, id=f.loc.ref) if f.loc else None,
        message=hide(f.message(lang)),
        excerpt=hide(f.excerpt),
        clause=rules[f.rule].clause(lang),
        penalty=PenaltyOut(action=p.action.value, fine=whole(p.fine)),
        score=f.data.get("score"),
        explanation=f.data.get("explanation"),
    )
