"""`chataudit audit`: parse each input, run the policy's rules in one pass, build the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chataudit.engine import audit
from chataudit.findings import Finding
from chataudit.formats.base import InputStats
from chataudit.i18n import Lang
from chataudit.formats.base import InputOptions
from chataudit.jobs.inputs import check_strict, expand, open_input, within
from chataudit.policy.load import LoadedPolicy
from chataudit.report.build import build_report
from chataudit.report.model import Report
from chataudit.rules.registry import build_rules


@dataclass(frozen=True, slots=True)
class AuditRequest:
    paths: Sequence[Path]
    policy: LoadedPolicy
    lang: Lang
    fmt: str = "auto"
    group: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    mapping: dict[str, str] | None = None  # --map, over the policy's [input.mapping]
    strict: bool = False


def input_options(policy: LoadedPolicy, mapping: dict[str, str] | None) -> InputOptions:
    settings = policy.policy.input
    return InputOptions(mapping={**settings.mapping, **(mapping or {})}, names=dict(settings.names),
                        date_order=settings.date_order)


def run_audit(req: AuditRequest) -> Report:
    tz = req.policy.policy.tz
    build_rules(req.policy, req.select, req.ignore)  # validate the policy before reading any input
    options = input_options(req.policy, req.mapping)
    inputs: list[tuple[str, str, InputStats]] = []
    findings: list[tuple[int, Finding]] = []
    rules_by_id = {}
    for index, path in enumerate(expand(list(req.paths))):
        opened = open_input(path, req.fmt, tz, req.group, options)
        rules = build_rules(req.policy, req.select, req.ignore)  # fresh state for every input
        rules_by_id.update({rule.id: rule for rule in rules})
        records = within(opened.records(), req.since, req.until)
        findings.extend((index, finding) for finding in audit(records, rules))
        if req.strict:
            check_strict(opened)
        inputs.append((str(path), opened.format.name, opened.stats))
    return build_report(inputs, findings, req.policy, rules_by_id, req.lang)
