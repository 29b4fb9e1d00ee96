"""`chataudit audit`: parse each input, run the policy's rules in one pass, build the report."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chataudit.engine import Part, audit, audit_batched, splits_by_group
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
from chataudit.records import Event, Message, MessageRun
from chataudit.report.base import placeholder, write_json
from chataudit.report.build import Collected, build_report, fingerprint
from chataudit.report.model import Report
from chataudit.rules.base import Rule
from chataudit.rules.registry import build_rules
from chataudit.spill import SortedRun, read_blocks, write_blocks


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
    skipped, timestamps in the future.

    Findings go one by one into an ``_Intake`` as the rules produce them; it keeps them in
    sorted runs that spill to disk (chataudit/spill.py), so memory does not grow with them."""
    build_rules(req.policy, req.select, req.ignore)  # validate the policy before reading any input
    known = read_baseline(req.baseline) if req.baseline else set()
    files = expand(list(req.paths))
    paths = [file.path for file in files]
    rules_by_id = {rule.id: rule for rule in build_rules(req.policy, req.select, req.ignore)}
    now = datetime.now(timezone.utc)
    intake = _Intake(req, known)
    jobs = [_Job(req, i, file, tolerant=len(files) > 1, now=now) for i, file in enumerate(files)]
    with Progress(enabled=req.progress, paths=paths) as progress:
        if req.jobs > 1 and len(files) > 1:
            with ProcessPoolExecutor(max_workers=req.jobs) as pool:
                done = [intake.replay(d) for d in pool.map(_audit_apart, jobs)]
            progress.advance(paths, sum(d.stats.messages for d in done))
        elif req.jobs > 1 and _splits(req, files[0]):
            done = [_audit_split(jobs[0], intake, progress)]
        else:
            done = [_audit_one(job, intake.take, progress) for job in jobs]
    for d in done:
        for line in d.warnings:
            warn(line)
    inputs = [(d.shown, d.format, d.stats) for d in done]
    latest: dict[str, datetime] = {}
    for d in done:
        for group, ts in d.latest.items():
            latest[group] = max(ts, latest.get(group, ts))
    if req.write_baseline:
        write_baseline(req.write_baseline, intake.fingerprints)
    for line in intake.exemptions.ended(now.astimezone(req.policy.policy.tz).date()):
        warn(line)
    prior = None
    if req.ledger:
        ledger = Ledger(req.ledger)
        try:
            prior = ledger.record(((fingerprint(f), f.rule, f.group, f.sender, f.ts.isoformat() if f.ts else None)
                                   for f in intake.found.recorded()), latest)
        finally:
            ledger.close()
    report = build_report(inputs, intake.found, req.policy, rules_by_id, req.lang, prior=prior, redact=req.redact)
    report.summary.baselined = intake.baselined
    return report


class _Intake:
    """Where each finding goes as it arrives: its fingerprint into the new baseline
    (--write-baseline); out, counted, when the baseline knows it; aside when an [[exempt]]
    entry covers it; otherwise into the report's sorted lists (``Collected``)."""

    def __init__(self, req: AuditRequest, known: set[str]):
        self.known = known
        self.exemptions = Exemptions(req.policy.policy.exempt, req.policy.policy.tz)
        self.fingerprints: SortedRun[str] | None = SortedRun(str) if req.write_baseline else None
        self.found = Collected()
        self.baselined = 0

    def take(self, index: int, findings: Iterable[Finding]) -> None:
        for finding in findings:
            if not finding.pending and (self.known or self.fingerprints is not None):
                mark = fingerprint(finding)
                if self.fingerprints is not None:
                    self.fingerprints.add(mark)
                if mark in self.known:
                    self.baselined += 1
                    continue
            exemption = self.exemptions.covering(finding)
            if exemption is None:
                self.found.add(index, finding)
            else:
                self.found.exempt(index, finding, exemption)

    def replay(self, done: _Done) -> _Done:
        """Take the findings a worker process left in its spool file, then remove the file."""
        if done.spool is not None:
            try:
                with open(done.spool, "rb") as spool:
                    self.take(done.index, read_blocks(spool))
            finally:
                _discard(done)
        return done


SPLIT_FORMATS = frozenset({"generic-csv", "generic-jsonl", "wecom-archive"})
"""Formats whose one input may hold several groups and that number their records across the
whole input (line or record number), so findings of two groups never tie in the report's
order and the parts' findings may be taken in any order. Not slack-json: it numbers messages
within each day file, so two channels' findings could tie on every sort key and their order
would depend on how the parts were merged. Telegram and Discord exports hold one chat each."""


def _splits(req: AuditRequest, file: InputFile) -> bool:
    """Whether ``--jobs`` splits this one input by group: a format above, no --group (which
    makes one group of everything), no --explain (a debugging aid, kept simple)."""
    if req.group or req.explain:
        return False
    try:
        opened = open_input(file, req.fmt, req.policy.policy.tz, req.group, input_options(req.policy, req.mapping))
    except InputError:
        return False  # auditing it whole says what is wrong
    return opened.format.name in SPLIT_FORMATS


def _audit_split(job: _Job, intake: _Intake, progress: Progress) -> _Done:
    """One input in ``--jobs`` parts by group (``engine.Part``), each in a worker process; the
    report is the same as auditing it whole. Every part reads the whole input, so its counts,
    notes and ledger marks are part 0's. An input whose records are not in time order is
    audited whole after all."""
    count = job.req.jobs
    with ProcessPoolExecutor(max_workers=count) as pool:
        parts = list(pool.map(_audit_apart, [replace(job, part=(k, count)) for k in range(count)]))
    if not all(part.in_order for part in parts):
        for part in parts:
            _discard(part)
        return _audit_one(job, intake.take, progress)
    for part in parts:
        intake.replay(part)
    progress.advance([job.file.path], parts[0].stats.messages)
    return parts[0]


def _discard(done: _Done) -> None:
    if done.spool is not None:
        os.unlink(done.spool)
        done.spool = None


FUTURE = timedelta(days=1)
RECORD_ENGINE = os.environ.get("CHATAUDIT_ENGINE") == "records"
"""The record-at-a-time engine (``engine.audit``) instead of the batch engine: the reference
the batch engine is tested against. ``--jobs`` parts and ``--explain`` use it anyway."""
"""How far past the run's own clock a timestamp may be before it is called a clock error."""


@dataclass(frozen=True, slots=True)
class _Job:
    req: AuditRequest
    index: int
    file: InputFile
    tolerant: bool  # one of several inputs: if it cannot be read, say so and audit the others
    now: datetime
    part: tuple[int, int] | None = None  # (index, count): this share of the input's groups (engine.Part)


@dataclass(slots=True)
class _Done:
    index: int
    shown: str
    format: str
    stats: InputStats
    latest: dict[str, datetime]
    warnings: list[str] = field(default_factory=list)
    spool: str | None = None  # from a worker process: the file holding its findings
    in_order: bool = True  # a part: its records were in time order, as splitting needs


Take = Callable[[int, Iterable[Finding]], None]
"""Takes the findings of input ``index`` as the rules produce them."""


def _audit_apart(job: _Job) -> _Done:
    """``_audit_one`` in a worker process. Its findings go to a temporary file, named in the
    result, rather than back through the pipe: neither process holds them all."""
    with tempfile.NamedTemporaryFile(prefix="chataudit-findings-", delete=False) as spool:
        try:
            done = _audit_one(job, lambda index, findings: write_blocks(findings, spool))
        except BaseException:
            os.unlink(spool.name)
            raise
    done.spool = spool.name
    return done


def _audit_one(job: _Job, take: Take, progress: "Progress | None" = None) -> _Done:
    """One input, with its own rules (their state never crosses inputs): the same result in a
    worker process as in this one."""
    req, file = job.req, job.file
    try:
        opened = open_input(file, req.fmt, req.policy.policy.tz, req.group, input_options(req.policy, req.mapping))
    except InputError as exc:
        if not job.tolerant:
            raise
        return _Done(job.index, file.shown, req.fmt if req.fmt != "auto" else "unknown", InputStats(error=exc.line()),
                     {}, [exc.line()])
    rules = build_rules(req.policy, req.select, req.ignore)
    part = Part(*job.part, window=(req.since, req.until)) if job.part else None
    if part is not None and _may_skip(req, rules):
        opened.source = replace(opened.source, share=part)
    if not (RECORD_ENGINE or req.explain) and (part is None or opened.source.share is not None):
        opened.source = replace(opened.source, runs=True)  # only the batch engine reads MessageRuns
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
            found = _engine(records, rules, part)
        take(job.index, found)
    finally:
        if ledger is not None:
            ledger.close()
    if opened.source.share is not None:
        opened.stats.events += part.left_out[False]
        opened.stats.messages += part.left_out[True]
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
    return _Done(job.index, file.shown, opened.format.name, opened.stats, marks.latest,
                 [f"{file.shown}: {note}" for note in notes], in_order=part is None or part.in_order)


def _may_skip(req: AuditRequest, rules: list[Rule]) -> bool:
    """Whether a part's parser may leave out the other groups' records (``Part.skip``): when no
    rule looks at them (every rule splits by group) and there is no ledger, whose marks (and
    --since last) part 0 takes from every group's records. The counts come out the same: the
    part counts what the parser left out, and part 0's counts are the input's."""
    return all(map(splits_by_group, rules)) and not req.ledger


def _engine(records: Iterable[Message | Event], rules: list[Rule], part: Part | None) -> Iterator[Finding]:
    """The batch engine, unless asked for the record engine or auditing one part of an export
    with a rule that does not split by group (it sees every record in part 0)."""
    if RECORD_ENGINE or (part is not None and not all(map(splits_by_group, rules))):
        return audit(records, rules, part)
    return audit_batched(records, rules, part=part)


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


def _unseen(records: Iterator[Message | Event | MessageRun], ledger: Ledger,
            marks: _Marks) -> Iterator[Message | Event | MessageRun]:
    """--since last: records after the last time the ledger holds for their group. A wall
    time that a DST change repeats counts by its later reading, so that the second pass of
    the hour is never taken for the first; what is skipped is counted."""
    last: dict[str, datetime | None] = {}

    def unseen(group: str, ts: datetime) -> bool:
        if group not in last:
            last[group] = ledger.last_seen(group)
        seen = last[group]
        return seen is None or ts.replace(fold=1).timestamp() > seen.timestamp()

    for record in records:
        if type(record) is MessageRun:
            keep = list(map(unseen, record.groups, record.moments()))
            marks.skipped += keep.count(False)
            if any(keep):
                yield record if all(keep) else record.where(keep)
        elif unseen(record.group, record.ts):
            yield record
        else:
            marks.skipped += 1


def _noting_latest(records: Iterator[Message | Event | MessageRun],
                   marks: _Marks) -> Iterator[Message | Event | MessageRun]:
    """Each group's latest timestamp for the ledger, leaving out timestamps past the horizon:
    one message dated 2099 must not hide every later night's messages from --since last."""
    latest, horizon = marks.latest, marks.horizon
    for record in records:
        pairs = zip(record.groups, record.moments()) if type(record) is MessageRun else ((record.group, record.ts),)
        for group, ts in pairs:
            if ts > horizon:
                marks.future += 1
                marks.first_future = marks.first_future or ts
            elif group not in latest or ts > latest[group]:
                latest[group] = ts
        yield record


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return set(data["fingerprints"])
    except FileNotFoundError:
        raise InputError("baseline file not found", where=str(path), fix="write one with --write-baseline") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputError("not a chataudit baseline", where=str(path), fix="write one with --write-baseline") from None


def write_baseline(path: Path, fingerprints: SortedRun[str]) -> None:
    """The fingerprints, sorted and each once, as ``json.dump(…, indent=1)`` writes them; read
    twice from the sorted run (to count, then to write) instead of held as a set."""
    with open_output(path) as out:
        token = placeholder("fingerprints")
        data = {"schema": "chataudit.baseline/v1", "count": sum(1 for _ in _unique(fingerprints)), "fingerprints": token}
        write_json(out, data, {token: _unique(fingerprints)}, indent=1, dumps=json.dumps)
        out.write("\n")


def _unique(ordered: Iterable[str]) -> Iterator[str]:
    previous = None
    for item in ordered:
        if item != previous:
            yield item
        previous = item
