"""`chataudit audit`: parse each input, run the policy's rules in one pass, build the report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chataudit.engine import audit
from chataudit.exemptions import Exemptions
from chataudit.jobs.explain import Explainer
from chataudit.findings import Finding
from chataudit.formats.base import InputOptions, InputStats
from chataudit.i18n import Lang
from chataudit.jobs.inputs import InputFile, check_strict, expand, open_input, within
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
    explain: bool = False  # attach to content findings what was matched, after which normalisation, and why
    jobs: int = 1  # inputs audited in parallel processes; the report is the same as with 1
    progress: bool = False  # a progress display on stderr (only when it is a terminal)


def input_options(policy: LoadedPolicy, mapping: dict[str, str] | None) -> InputOptions:
    settings = policy.policy.input
    return InputOptions(mapping={**settings.mapping, **(mapping or {})}, names=dict(settings.names),
                        date_order=settings.date_order)


def run_audit(req: AuditRequest, warn: Callable[[str], None] = lambda line: None) -> Report:
    """The report of every input. ``warn`` hears, one line each, what a CI log should show
    although the run goes on: an unreadable input among several, records that --since last
    skipped, timestamps in the future."""
    build_rules(req.policy, req.select, req.ignore)  # validate the policy before reading any input
    known = read_baseline(req.baseline) if req.baseline else set()
    files = expand(list(req.paths))
    paths = [file.path for file in files]
    rules_by_id = {rule.id: rule for rule in build_rules(req.policy, req.select, req.ignore)}
    now = datetime.now(timezone.utc)
    jobs = [_Job(req, i, file, tolerant=len(files) > 1, now=now) for i, file in enumerate(files)]
    with Progress(enabled=req.progress, paths=paths) as progress:
        if req.jobs > 1 and len(files) > 1:
            with ProcessPoolExecutor(max_workers=req.jobs) as pool:
                done = list(pool.map(_audit_one, jobs))
            progress.advance(paths, sum(d.stats.messages for d in done))
        else:
            done = [_audit_one(job, progress) for job in jobs]
    for d in done:
        for line in d.warnings:
            warn(line)
    inputs = [(d.shown, d.format, d.stats) for d in done]
    findings = [pair for d in done for pair in d.findings]
    latest: dict[str, datetime] = {}
    for d in done:
        for group, ts in d.latest.items():
            latest[group] = max(ts, latest.get(group, ts))
    if req.write_baseline:
        write_baseline(req.write_baseline, {fingerprint(f) for _, f in findings if not f.pending})
    kept = [(i, f) for i, f in findings if f.pending or fingerprint(f) not in known] if known else findings
    exemptions = Exemptions(req.policy.policy.exempt, req.policy.policy.tz)
    kept, exempted = exemptions.split(kept)
    for line in exemptions.ended(now.astimezone(req.policy.policy.tz).date()):
        warn(line)
    prior = None
    if req.ledger:
        ledger = Ledger(req.ledger)
        try:
            prior = ledger.record([(fingerprint(f), f.rule, f.group, f.sender, f.ts.isoformat() if f.ts else None)
                                   for _, f in kept if not f.pending], latest)
        finally:
            ledger.close()
    report = build_report(inputs, kept, req.policy, rules_by_id, req.lang, prior=prior, redact=req.redact,
                          exempted=exempted)
    report.summary.baselined = len(findings) - len(kept) - len(exempted)
    return report


FUTURE = timedelta(days=1)
"""How far past the run's own clock a timestamp may be before it is called a clock error."""


@dataclass(frozen=True, slots=True)
class _Job:
    req: AuditRequest
    index: int
    file: InputFile
    tolerant: bool  # one of several inputs: if it cannot be read, say so and audit the others
    now: datetime


@dataclass(slots=True)
class _Done:
    shown: str
    format: str
    stats: InputStats
    findings: list[tuple[int, Finding]]
    latest: dict[str, datetime]
    warnings: list[str] = field(default_factory=list)


def _audit_one(job: _Job, progress: "Progress | None" = None) -> _Done:
    """One input, with its own rules (their state never crosses inputs): the same result in a
    worker process as in this one."""
    req, file = job.req, job.file
    try:
        opened = open_input(file, req.fmt, req.policy.policy.tz, req.group, input_options(req.policy, req.mapping))
    except InputError as exc:
        if not job.tolerant:
            raise
        return _Done(file.shown, req.fmt if req.fmt != "auto" else "unknown", InputStats(error=exc.line()), [], {},
                     [exc.line()])
    rules = build_rules(req.policy, req.select, req.ignore)
    marks = _Marks(horizon=job.now + FUTURE)
    records = within(opened.records(), req.since, req.until)
    ledger = Ledger(req.ledger) if req.since_last and req.ledger else None
    try:
        if ledger is not None:
            records = _unseen(records, ledger, marks)
        if req.ledger:
            records = _noting_latest(records, marks)
        if progress is not None:
            records = progress.counting(records, file.path)
        if req.explain:
            explainer, last = Explainer(rules, req.policy), []
            found = explainer.attach(audit(explainer.watch(records, last), rules), last)
        else:
            found = audit(records, rules)
        findings = [(job.index, finding) for finding in found]
    finally:
        if ledger is not None:
            ledger.close()
    if req.strict:
        check_strict(opened)
    if progress is not None:
        progress.advance([file.path], 0)
    notes = marks.notes()
    if why := opened.nothing_read():
        opened.stats.notes[:] = [why]
        notes.insert(0, why)
    else:
        opened.stats.notes.extend(notes)
    return _Done(file.shown, opened.format.name, opened.stats, findings, marks.latest,
                 [f"{file.shown}: {note}" for note in notes])


@dataclass(slots=True)
class _Marks:
    """What --since last and the ledger's high-water mark saw in one input."""

    horizon: datetime  # later than this is a clock error, not news
    latest: dict[str, datetime] = field(default_factory=dict)  # per group, for the ledger
    skipped: int = 0  # already audited by an earlier run (--since last)
    future: int = 0
    first_future: datetime | None = None

    def notes(self) -> list[str]:
        found = []
        if self.skipped:
            found.append(f"{self.skipped} record(s) at or before the ledger's last audited time were skipped (--since last)")
        if self.future:
            found.append(f"{self.future} record(s) dated after {self.horizon:%Y-%m-%d %H:%M} UTC, first {self.first_future}: "
                         f"audited, but they do not move the ledger's --since last mark (check the exporting device's clock)")
        return found


def _unseen(records: Iterator[Message | Event], ledger: Ledger, marks: _Marks) -> Iterator[Message | Event]:
    """--since last: records after the last time the ledger holds for their group. A wall
    time that a DST change repeats counts by its later reading, so that the second pass of
    the hour is never taken for the first; what is skipped is counted."""
    last: dict[str, datetime | None] = {}
    for record in records:
        if record.group not in last:
            last[record.group] = ledger.last_seen(record.group)
        seen = last[record.group]
        if seen is None or record.ts.replace(fold=1).timestamp() > seen.timestamp():
            yield record
        else:
            marks.skipped += 1


def _noting_latest(records: Iterator[Message | Event], marks: _Marks) -> Iterator[Message | Event]:
    """Each group's latest timestamp for the ledger, leaving out timestamps past the horizon:
    one message dated 2099 must not hide every later night's messages from --since last."""
    latest, horizon = marks.latest, marks.horizon
    for record in records:
        ts = record.ts
        if ts > horizon:
            marks.future += 1
            marks.first_future = marks.first_future or ts
        elif record.group not in latest or ts > latest[record.group]:
            latest[record.group] = ts
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
