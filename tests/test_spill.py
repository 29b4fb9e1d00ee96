"""Findings that spill (issue #18): past a memory budget the audit's findings go to sorted
chunks on disk and every report reads them back in order. The report must not change by a
byte, whatever the budget, in every output format and along the baseline, ledger, exemption,
--explain and --jobs paths."""

from __future__ import annotations

import io
import json
import os
import random
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from chataudit.jobs.audit import AuditRequest, run_audit
from chataudit.plugins import load_group
from chataudit.policy.load import load_policy
from chataudit.report.base import placeholder, write_json
from chataudit.spill import BUDGET_ENV, SortedRun
from tests.conftest import ROOT, SAMPLE
from tests.memory import peak_mib_of

ADMIN_POLICY = ROOT / "samples" / "wechat" / "admin-loop.toml"  # custom rule, exemptions, a ladder, fines
TEXT_OUTPUTS = ["table", "json", "jsonl", "csv", "markdown", "html", "junit", "sarif"]
REVIEW_EXPORT = ("2023-10-09 10:00:00 销售部-张三\n某地人都是骗子，一个都信不过，别跟他们做生意\n\n"
                 "2023-10-09 10:05:00 销售部-李四\n今天的报表已经提交了\n\n")  # a model's finding: "to review"


# ---- the sorted run ------------------------------------------------------------------------------

@pytest.mark.parametrize("budget", [1, 3, 7, 1000])
def test_a_sorted_run_reads_back_as_a_stable_sort(budget):
    rng = random.Random(budget)
    items = [(rng.randint(0, 9), rng.choice("abc"), n) for n in range(500)]  # many equal keys
    run = SortedRun(lambda item: item[:2], budget)
    for item in items:
        run.add(item)
    expected = sorted(items, key=lambda item: item[:2])
    assert list(run) == expected and list(run) == expected  # read twice
    assert len(run) == 500 and run.spilled == (budget < 500)


def test_a_sorted_run_takes_more_after_it_was_read():
    run = SortedRun(lambda n: n % 10, 4)
    for n in range(30):
        run.add(n)
    list(run)
    for n in range(30, 45):
        run.add(n)
    assert list(run) == sorted(range(45), key=lambda n: n % 10)


def test_a_finding_pickles_with_every_field():
    """Finding pickles flat (its own __reduce__): a field added to it must be added there too."""
    import dataclasses
    import pickle
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from chataudit.findings import Finding, Severity
    from chataudit.i18n import Text
    from chataudit.records import Location

    finding = Finding("R202", Severity.ERROR, "群", "甲", datetime(2023, 10, 9, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
                      Location("x.json", None, 3, "m7"), Text("中", "en"), "原文", {"missing": ["乙"], "score": 0.9},
                      ("乙", "丙"), True)
    assert all(getattr(finding, f.name) != f.default for f in dataclasses.fields(Finding))  # nothing left at its default
    assert pickle.loads(pickle.dumps(finding)) == finding
    assert len(finding.__reduce__()[1]) == len(dataclasses.fields(Finding)) + 1  # the message as two texts


@pytest.mark.parametrize("indent", [1, 2])
def test_write_json_streams_lists_into_exactly_what_json_dumps_writes(indent):
    rows = [{"a": [1, {"b": "中文\u2028"}], "c": None}, {"d": "x"}]
    first, empty, inner = placeholder("first"), placeholder("empty"), placeholder("inner")
    value = {"head": {"n": 1}, "first": first, "mid": [1, 2], "empty": empty, "deep": [{"runs": inner}]}
    whole = {"head": {"n": 1}, "first": rows, "mid": [1, 2], "empty": [], "deep": [{"runs": rows}]}
    out = io.StringIO()
    write_json(out, value, {first: iter(rows), empty: iter(()), inner: iter(rows)}, indent=indent, dumps=json.dumps)
    assert out.getvalue() == json.dumps(whole, indent=indent)


# ---- whole reports: a small budget forces the spill ------------------------------------------------

@pytest.fixture
def review_export(tmp_path):
    path = tmp_path / "复核.txt"
    path.write_text(REVIEW_EXPORT, encoding="utf-8")
    return path


def _spills(monkeypatch) -> list[int]:
    """Counts the chunks written to disk from now on."""
    written = []
    spill = SortedRun._spill

    def counting(self):
        written.append(len(self._held))
        spill(self)

    monkeypatch.setattr(SortedRun, "_spill", counting)
    return written


def _rendered(report, output: str, lang: str = "zh") -> str | bytes:
    reporter = load_group("chataudit.reporters")[output]()
    out = io.BytesIO() if reporter.binary else io.StringIO()
    reporter.render(report, lang, out)
    return out.getvalue()


def _audit(monkeypatch, budget: int | None, paths, policy=ADMIN_POLICY, **options):
    if budget is None:
        monkeypatch.delenv(BUDGET_ENV, raising=False)
    else:
        monkeypatch.setenv(BUDGET_ENV, str(budget))
    warnings: list[str] = []
    report = run_audit(AuditRequest(paths=paths, policy=load_policy(policy), lang="zh", **options), warn=warnings.append)
    return report, warnings


def test_every_output_is_the_same_bytes_when_the_findings_spill(monkeypatch, review_export):
    paths = [SAMPLE, review_export]
    held, held_warnings = _audit(monkeypatch, None, paths)
    written = _spills(monkeypatch)
    spilled, spilled_warnings = _audit(monkeypatch, 2, paths)
    assert len(written) > 10, "the budget of 2 findings did not make the audit spill"
    assert len(held.violations) > 30 and held.pending and held.review and held.exempted  # every list is exercised
    assert spilled_warnings == held_warnings
    for output in TEXT_OUTPUTS:
        assert _rendered(spilled, output) == _rendered(held, output), output
    assert _rendered(spilled, "json", "en") == _rendered(held, "json", "en")


def test_the_xlsx_cells_are_the_same_when_the_findings_spill(monkeypatch, review_export):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")

    def cells(report) -> dict:
        book = openpyxl.load_workbook(io.BytesIO(_rendered(report, "xlsx")))
        return {name: [[(c.value, c.data_type) for c in row] for row in book[name].iter_rows()] for name in book.sheetnames}

    held, _ = _audit(monkeypatch, None, [SAMPLE, review_export])
    spilled, _ = _audit(monkeypatch, 3, [SAMPLE, review_export])
    assert cells(spilled) == cells(held)


def test_explain_and_redact_survive_the_spill(monkeypatch):
    held, _ = _audit(monkeypatch, None, [SAMPLE], explain=True, redact=True)
    spilled, _ = _audit(monkeypatch, 1, [SAMPLE], explain=True, redact=True)
    text = _rendered(spilled, "json")
    assert text == _rendered(held, "json") and '"explanation"' in text


def test_parallel_inputs_spool_their_findings_and_give_the_same_report(monkeypatch, review_export):
    held, _ = _audit(monkeypatch, None, [SAMPLE, review_export])
    parallel, _ = _audit(monkeypatch, 2, [SAMPLE, review_export], jobs=2)
    assert _rendered(parallel, "json") == _rendered(held, "json")
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("chataudit-findings-*"))  # spools are removed


def test_baseline_and_ledger_are_the_same_when_the_findings_spill(monkeypatch, tmp_path):
    """--write-baseline, then two ledger runs (the second sees the first's offences on the
    ladder) and a run against the baseline: files and reports equal for both budgets."""
    results = {}
    for budget in (None, 1):
        where = tmp_path / f"budget-{budget}"
        where.mkdir()
        ledger, baseline = where / "ledger.db", where / "baseline.json"
        first, _ = _audit(monkeypatch, budget, [SAMPLE], ledger=ledger, write_baseline=baseline)
        second, _ = _audit(monkeypatch, budget, [SAMPLE], ledger=ledger)
        known, _ = _audit(monkeypatch, budget, [SAMPLE], baseline=baseline)
        with sqlite3.connect(ledger) as db:
            stored = db.execute("SELECT fingerprint, rule, grp, member, ts, first_run FROM findings ORDER BY fingerprint").fetchall()
            runs = db.execute("SELECT id, findings FROM runs ORDER BY id").fetchall()
        results[budget] = (baseline.read_text(encoding="utf-8"), stored, runs,
                           *(_rendered(r, "json") for r in (first, second, known)))
    assert results[1] == results[None]
    baseline_text, stored, runs, first, second, known = results[1]
    assert json.loads(baseline_text)["count"] == len(json.loads(baseline_text)["fingerprints"]) > 0
    assert len(stored) > 0 and runs[0][1] == runs[1][1] > 0
    assert json.loads(known)["summary"]["violations"] == 0 and json.loads(known)["summary"]["baselined"] > 0


# ---- memory on the worst case: a message at night every few minutes for ten years -----------------

@pytest.mark.skipif(not os.environ.get("CHATAUDIT_SLOW"),
                    reason="about 5 minutes (a 1M-message audit): set CHATAUDIT_SLOW=1 (see SECURITY.md)")
def test_a_million_findings_stay_under_200_mib(tmp_path):
    """Every message of a 1M-message export posted at night: one T501 finding each. Before the
    spill the JSON report of it peaked at 1.7 GB (docs/performance.md, issue #18)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    export, report = tmp_path / "night.txt", tmp_path / "r.json"
    corpus.write(1_000_000, str(export), night=True)
    script = ("import sys\nfrom chataudit.cli import app\n"
              "try:\n    app(sys.argv[1:])\nexcept SystemExit as exc:\n    print('exit', exc.code)\n")
    said, peak = peak_mib_of(script, "audit", str(export), "--output", "json", "-o", str(report), timeout=1800)
    with report.open(encoding="utf-8") as fh:
        head = fh.read(4000)
    violations = int(re.search(r'"summary": \{\s*"violations": (\d+)', head)[1])
    assert said.strip().endswith("exit 1") and violations >= 1_000_000
    assert peak <= 200, peak
