"""`chataudit audit`: parse each input, run the policy's rules in one pass, build the report."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chataudit.engine import audit
from chataudit.findings import Finding
from chataudit.formats.base import InputOptions, InputStats
from chataudit.i18n import Lang
from chataudit.jobs.inputs import check_strict, expand, open_input, within
from chataudit.policy.load import LoadedPolicy
from chataudit.errors import InputError
from chataudit.jobs.progress import Progress
from chataudit.ledger import Ledger
from chataudit.output import open_output
from chataudit.records import Event, Message
from chataudit.report.build import build_report, fingerprint
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
    since_last: bool = False  # --since last: only what the ledger has not seen for each group
    ledger: Path | None = None
    baseline: Path | None = None
    write_baseline: Path | None = None
    redact: bool = False
    jobs: int = 1  # inputs audited in parallel processes; the report is the same as with 1
    progress: bool = False  # a progress display on stderr (only when it is a terminal)


def input_options(policy: LoadedPolicy, mapping: dict[str, str] | None) -> InputOptions:
    settings = policy.policy.input
    return InputOptions(mapping={**settings.mapping, **(mapping or {})}, names=dict(settings.names),
                        date_order=settings.date_order)


def run_audit(req: AuditRequest) -> Report:
    build_rules(req.policy, req.select, req.ignore)  # validate the policy before reading any input
    known = read_baseline(req.baseline) if req.baseline else set()
    paths = expand(list(req.paths))
    rules_by_id = {rule.id: rule for rule in build_rules(req.policy, req.select, req.ignore)}
    with Progress(enabled=req.progress, paths=paths) as progress:
        if req.jobs > 1 and len(paths) > 1:
            with ProcessPoolExecutor(max_workers=req.jobs) as pool:
                done = list(pool.map(_audit_one, [(req, i, p) for i, p in enumerate(paths)]))
            progress.advance(paths, sum(d.stats.messages for d in done))
        else:
            done = [_audit_one((req, i, p), progress) for i, p in enumerate(paths)]
    inputs = [(str(d.path), d.format, d.stats) for d in done]
    findings = [pair for d in done for pair in d.findings]
    latest: dict[str, datetime] = {}
    for d in done:
        for group, ts in d.latest.items():
            latest[group] = max(ts, latest.get(group, ts))
    if req.write_baseline:
        write_baseline(req.write_baseline, {fingerprint(f) for _, f in findings if not f.pending})
    kept = [(i, f) for i, f in findings if f.pending or fingerprint(f) not in known] if known else findings
    prior = None
    if req.ledger:
        ledger = Ledger(req.ledger)
        try:
            prior = ledger.record([(fingerprint(f), f.rule, f.group, f.sender, f.ts.isoformat() if f.ts else None)
                                   for _, f in kept if not f.pending], latest)
        finally:
            ledger.close()
    report = build_report(inputs, kept, req.policy, rules_by_id, req.lang, prior=prior, redact=req.redact)
    report.summary.baselined = len(findings) - len(kept)
    return report


@dataclass(slots=True)
class _Done:
    path: Path
    format: str
    stats: InputStats
    findings: list[tuple[int, Finding]]
    latest: dict[str, datetime]


def _audit_one(job: tuple[AuditRequest, int, Path], progress: "Progress | None" = None) -> _Done:
    """One input, with its own rules (their state never crosses inputs): the same result in a
    worker process as in this one."""
    req, index, path = job
    opened = open_input(path, req.fmt, req.policy.policy.tz, req.group, input_options(req.policy, req.mapping))
    rules = build_rules(req.policy, req.select, req.ignore)
    records = within(opened.records(), req.since, req.until)
    ledger = Ledger(req.ledger) if req.since_last and req.ledger else None
    try:
        if ledger is not None:
            records = _unseen(records, ledger)
        latest: dict[str, datetime] = {}  # only the ledger needs it
        if req.ledger:
            records = _noting_latest(records, latest)
        if progress is not None:
            records = progress.counting(records, path)
        findings = [(index, finding) for finding in audit(records, rules)]
    finally:
        if ledger is not None:
            ledger.close()
    if req.strict:
        check_strict(opened)
    if progress is not None:
        progress.advance([path], 0)
    return _Done(path, opened.format.name, opened.stats, findings, latest)


def _unseen(records: Iterator[Message | Event], ledger: Ledger) -> Iterator[Message | Event]:
    """--since last: records after the last timestamp the ledger holds for their group."""
    last: dict[str, datetime | None] = {}
    for record in records:
        if record.group not in last:
            last[record.group] = ledger.last_seen(record.group)
        seen = last[record.group]
        if seen is None or record.ts > seen:
            yield record


def _noting_latest(records: Iterator[Message | Event], latest: dict[str, datetime]) -> Iterator[Message | Event]:
    for record in records:
        if record.group not in latest or record.ts > latest[record.group]:
            latest[record.group] = record.ts
        yield record


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return set(data["fingerprints"])
    except FileNotFoundError:
        raise InputError("baseline file not found", where=str(path), fix="write one with --write-baseline") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputError("not a chataudit baseline", where=str(path), fix="write one with --write-baseline") from None


def write_baseline(path: Path, fingerprints: set[str]) -> None:
    with open_output(path) as out:
        json.dump({"schema": "chataudit.baseline/v1", "count": len(fingerprints),
                   "fingerprints": sorted(fingerprints)}, out, indent=1)
        out.write("\n")
