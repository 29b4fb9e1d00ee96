"""Turn findings into the report: sorted, translated, with penalties and member totals."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta, timezone, tzinfo

from chataudit import __version__
from chataudit.findings import Finding, Severity
from chataudit.policy.custom import Exemption
from chataudit.formats.base import InputStats
from chataudit.i18n import Lang
from chataudit.penalties import Penalty, assess
from chataudit.policy.schema import Action
from chataudit.policy.load import LoadedPolicy
from chataudit.report.model import (
    ExemptionOut, InputSummary, MemberOut, PenaltyOut, PolicyRef, Report, SourceRef, Summary, Tool, Violation,
)
from chataudit.rules.base import Rule
from chataudit.rules.custom import CustomRule
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


def build_report(
    inputs: Sequence[tuple[str, str, InputStats]],
    findings: Sequence[tuple[int, Finding]],
    loaded: LoadedPolicy,
    rules: dict[str, Rule],
    lang: Lang,
    *,
    prior: dict[str, int] | None = None,
    redact: bool = False,
    exempted: Sequence[tuple[int, Finding, Exemption]] = (),
) -> Report:
    everything = [f for _, f in sorted(findings, key=lambda pair: sort_key(*pair))]
    ordered = [f for f in everything if not f.pending and not f.to_review]
    penalties, members = assess(ordered, loaded.policy, prior)
    tz = loaded.policy.tz
    violations = [_violation(f, p, rules, lang, tz, redact) for f, p in zip(ordered, penalties, strict=True)]
    pending = [_violation(f, Penalty(Action.NONE, 0), rules, lang, tz, redact) for f in everything if f.pending]
    review = [_violation(f, Penalty(Action.NONE, 0), rules, lang, tz, redact) for f in everything if f.to_review]
    accepted = [replace(_violation(f, Penalty(Action.NONE, 0), rules, lang, tz, redact), exemption=ExemptionOut.of(ex))
                for _, f, ex in sorted(exempted, key=lambda item: sort_key(item[0], item[1]))]
    by_rule = Counter(v.rule for v in violations)
    by_severity = Counter(v.severity for v in violations)
    report = Report(
        tool=Tool(version=__version__),
        policy=PolicyRef(name=loaded.policy.policy.name, source=loaded.source),
        inputs=[
            InputSummary(path=path, format=fmt, lines=s.lines, messages=s.messages, events=s.events,
                         unparsed_lines=s.unparsed_lines, notes=list(s.notes), error=s.error)
            for path, fmt, s in inputs
        ],
        summary=Summary(
            violations=len(violations),
            by_rule=dict(sorted(by_rule.items())),
            by_severity={s.value: by_severity[s.value] for s in Severity if by_severity[s.value]},
        ),
        violations=violations,
        members=[MemberOut(name=m.name, violations=m.violations, fines=whole(m.fines), action=m.action.value)
                 for m in members],
        pending=pending,
        review=review,
        exempted=accepted,
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
