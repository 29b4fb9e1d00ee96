"""`chataudit eval`: measure the policy's content rules on labelled messages.

Each row is a message and the content rules it should trigger (``{"text": …, "expect":
["C403"]}`` a line, ``rules`` accepted for ``expect``, or a CSV with ``text`` and ``expect`` columns, ids separated by spaces,
commas or semicolons). Every message is audited as a WeChat text message sent during work
hours, alone, by the policy's content rules; the result is precision, recall and F1 per rule,
the share of clean rows (nothing expected) that any content rule flags, and a few misses and
false alarms to read.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import regex

from chataudit.engine import audit
from chataudit.errors import InputError
from chataudit.findings import Finding
from chataudit.formats.base import find_mentions
from chataudit.policy.load import LoadedPolicy
from chataudit.records import Kind, Location, Message
from chataudit.report.base import visible
from chataudit.rules.registry import build_rules, rule_classes

CONTENT_MODULE = "chataudit.rules.content"
WORK_HOURS = datetime(2023, 10, 11, 10, 0)  # a Wednesday morning: no hours rule has a say
SENDER = "测试部-张三"
SHOWN = 5  # misses and false alarms shown per rule
BY_DESIGN = ("C404", "C406")
"""Links and personal data: flagged wherever they are real, whatever the message is about."""
_IDS = regex.compile(r"[\s,;，；]+")


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    expect: frozenset[str]
    line: int


@dataclass(slots=True)
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    to_review: int = 0  # findings the rule reports as to review (a classifier's alone), counted as flagged
    misses: list[Row] = field(default_factory=list)
    false_alarms: list[tuple[Row, str]] = field(default_factory=list)  # with what the finding said

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None


@dataclass(slots=True)
class Evaluation:
    rows: int
    clean: int
    clean_flagged: int
    clean_flagged_by_words: int  # by a rule other than BY_DESIGN
    scores: dict[str, RuleScore]
    clean_flagged_by: dict[str, int]


def content_rule_ids() -> list[str]:
    return [rid for rid, cls in rule_classes().items() if cls.__module__ == CONTENT_MODULE]


def read_labelled(path: Path) -> list[Row]:
    """The rows of a labelled file (.jsonl or .csv); a bad file is one InputError naming the line."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", where=str(path), fix="give a .jsonl or .csv of labelled messages") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", where=str(path), fix="give a .jsonl or .csv file") from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", where=str(path), fix="save it as UTF-8") from None
    rows = list(_csv_rows(raw, path) if path.suffix.lower() == ".csv" else _jsonl_rows(raw, path))
    if not rows:
        raise InputError("no labelled rows", where=str(path), fix='one {"text": …, "expect": [rule ids]} a line')
    return rows


def _jsonl_rows(raw: str, path: Path) -> Iterator[Row]:
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number}: not JSON ({exc.msg})", where=str(path),
                             fix='one {"text": …, "expect": [rule ids]} a line') from None
        if not isinstance(item, dict):
            raise InputError(f"line {number}: not a JSON object", where=str(path), fix='write {"text": …, "expect": […]}')
        yield _row(item.get("text"), item.get("expect", item.get("rules", [])), number, path)


def _csv_rows(raw: str, path: Path) -> Iterator[Row]:
    reader = csv.DictReader(raw.splitlines())
    if not reader.fieldnames or "text" not in reader.fieldnames:
        raise InputError("no 'text' column", where=str(path), fix="a header line with text and expect columns")
    for number, item in enumerate(reader, 2):
        yield _row(item.get("text"), _IDS.split((item.get("expect") or "").strip()), number, path)


def _row(text: object, expect: object, number: int, path: Path) -> Row:
    if not isinstance(text, str):
        raise InputError(f"line {number}: 'text' is missing or not a string", where=str(path),
                         fix="every row needs the message text")
    if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
        raise InputError(f"line {number}: 'expect' is not a list of rule ids", where=str(path),
                         fix='e.g. "expect": ["C403"], or [] for a clean message')
    known = set(content_rule_ids())
    ids = frozenset(e.strip().upper() for e in expect if e.strip())
    unknown = sorted(ids - known)
    if unknown:
        raise InputError(f"line {number}: {', '.join(unknown)} is not a content rule", where=str(path),
                         fix=f"use {', '.join(sorted(known))}")
    return Row(text, ids, number)


def evaluate(rows: list[Row], loaded: LoadedPolicy) -> Evaluation:
    """Audit every row as its own work-hours message under the policy's content rules."""
    rules = build_rules(loaded, content_rule_ids())
    ts = WORK_HOURS.replace(tzinfo=loaded.policy.tz)
    messages = [Message("eval", ts, SENDER, Kind.TEXT, row.text, Location("eval", row.line),
                        mentions=find_mentions(row.text)) for row in rows]
    found: dict[int, dict[str, Finding]] = {}
    for finding in audit(messages, rules):
        found.setdefault(finding.loc.line, {}).setdefault(finding.rule, finding)
    scores = {rule.id: RuleScore() for rule in rules}
    clean = clean_flagged = by_words = 0
    clean_flagged_by = dict.fromkeys(scores, 0)
    for row in rows:
        flagged = found.get(row.line, {})
        for rid, score in scores.items():
            _tally(score, row, flagged.get(rid), rid in row.expect)
        if not row.expect:
            clean += 1
            clean_flagged += bool(flagged)
            by_words += any(rid not in BY_DESIGN for rid in flagged)
            for rid in flagged:
                clean_flagged_by[rid] += 1
    return Evaluation(len(rows), clean, clean_flagged, by_words, scores, clean_flagged_by)


def _tally(score: RuleScore, row: Row, finding: Finding | None, wanted: bool) -> None:
    if finding is not None and finding.data.get("review"):
        score.to_review += 1
    if finding is not None and wanted:
        score.tp += 1
    elif finding is not None:
        score.fp += 1
        score.false_alarms.append((row, finding.message.en))
    elif wanted:
        score.fn += 1
        score.misses.append(row)


def render(result: Evaluation, source: str) -> list[str]:
    """The lines `chataudit eval` prints. Each rule's line stands alone (grep C403 says it all)."""
    lines = [f"{result.rows} labelled rows, {result.clean} clean, audited under {visible(source)}"]
    for rid, s in result.scores.items():
        if s.tp + s.fp + s.fn:
            lines.append(f"{rid}  precision {_figure(s.precision)}  recall {_figure(s.recall)}  F1 {_figure(s.f1)}"
                         f"  (tp {s.tp}, fp {s.fp}, fn {s.fn}{_review_note(s.to_review)})")
    by_rule = ", ".join(f"{rid} {n}" for rid, n in result.clean_flagged_by.items() if n) or "none"
    lines.append(f"clean rows flagged by any content rule: {_share(result.clean_flagged, result.clean)} "
                 f"(by rule: {by_rule})")
    lines.append(f"clean rows flagged, links and personal data ({', '.join(BY_DESIGN)}) aside: "
                 f"{_share(result.clean_flagged_by_words, result.clean)}")
    for rid, s in result.scores.items():
        lines.extend(f"  missed by {rid}, line {row.line}: {_quote(row.text)}" for row in s.misses[:SHOWN])
        lines.extend(f"  false alarm {rid}, line {row.line}: {_quote(row.text)} — {visible(said)}"
                     for row, said in s.false_alarms[:SHOWN])
    return lines


def _review_note(count: int) -> str:
    return f"; {count} of the findings to review" if count else ""


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({part / whole if whole else 0.0:.1%})"


def _figure(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def _quote(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return visible(flat if len(flat) <= width else flat[: width - 1] + "…")
