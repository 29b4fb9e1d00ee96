"""Runs of plain messages kept as columns (``records.MessageRun``): what the batch engine reads
instead of one ``Message`` per record, from the wechat-txt and generic CSV/JSON Lines readers.
Each reader of a run is checked against the same reader given the run's messages one by one:
the parser's times, a batch's columns, --since/--until, the progress count, the ledger and
--since last, a --jobs part's timing, and the engine's findings."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from chataudit.columns import Batch, Codes
from chataudit.engine import audit, audit_batched
from chataudit.formats.wechat_txt import _Reader
from chataudit.jobs import progress as progress_module
from chataudit.jobs.inputs import open_input, within
from chataudit.jobs.progress import Progress
from chataudit.policy.load import load_policy
from chataudit.records import MessageRun
from chataudit.rules.registry import build_rules
from tests.conftest import ROOT, SAMPLE, SAMPLE_POLICY
from tests.formats.block_reading import expanded
from tests.timeline import SHANGHAI

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo",
         "Pacific/Apia", "America/St_Johns", "UTC"]
"""Shanghai (no DST), DST at 02:00 and 01:00, a 30-minute DST, DST at midnight (Sao Paulo until
2019), a day left out of the calendar (Apia, 2011-12-30), a transition at 00:01 (St John's, 1980s)."""


def items(path: Path, tz=SHANGHAI, fmt: str = "wechat-txt") -> list:
    """The records of an export, plain messages as runs, unparsed lines left out."""
    opened = open_input(path, fmt, tz, None)
    opened.source = replace(opened.source, runs=True)
    found = list(within(opened.records(), None, None))
    assert any(type(item) is MessageRun for item in found), "the export has runs to test"
    return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus as bench_corpus

    path = tmp_path_factory.mktemp("runs") / "bench.txt"
    bench_corpus.write(3_000, str(path), seed=11)
    return path


@pytest.fixture(scope="module", params=["generic-csv", "generic-jsonl"])
def table(request, tmp_path_factory) -> tuple[Path, str]:
    """Two groups' messages interleaved as a generic CSV or JSON Lines export, with rows that
    cannot be plain messages between the plain ones: system rows, mentions, account ids, a bad
    time (unparsed), a 拍一拍-like text, media."""
    rows = []
    for i in range(2500):
        when = f"{datetime(2023, 3, 1, 8) + timedelta(seconds=37 * i):%Y-%m-%d %H:%M:%S}"
        sender = ["销售部-张伟", "技术部-李娜", "王强", ""][i % 7 % 4]
        text = ["收到", "今晚十点前把报表发我", "[图片]", "@销售部-张伟 请看", "加我微信 abc12345 详聊", "好的好的好的"][i % 6]
        uid = "wxid_9" if i % 13 == 0 else ""
        rows.append({"time": when if i % 97 else "昨天", "group": f"项目群{i % 3 % 2 + 1}", "sender": sender,
                     "text": text, "wxid": uid})
    path = tmp_path_factory.mktemp("table") / ("群.csv" if request.param == "generic-csv" else "群.jsonl")
    if request.param == "generic-csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path, request.param


def test_generic_exports_give_runs_of_both_groups(table):
    path, fmt = table
    found = items(path, fmt=fmt)
    runs = [item for item in found if type(item) is MessageRun]
    assert any(len(set(run.groups)) == 2 for run in runs)
    assert any(run.sender_ids and "wxid_9" in run.sender_ids for run in runs), "account ids travel in runs"
    assert sum(map(len, runs)) > 1000
    assert list(expanded(found)) == list(within(expanded(_records(path, fmt)), None, None))


def _records(path: Path, fmt: str) -> list:
    return list(open_input(path, fmt, SHANGHAI, None).records())


# --- the parser's times --------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2037, 12, 30)), st.sampled_from(ZONES))
def test_epochs_are_what_timestamp_gives(moment, zone):
    reader = _Reader("群", "群.txt", ZoneInfo(zone), v2=False)
    stamps = [f"{moment + timedelta(minutes=step):%Y-%m-%d %H:%M:%S}" for step in range(0, 3 * 1440, 37)]
    times = reader.times(stamps)
    assert times == [reader.timestamp(stamp) for stamp in stamps]
    assert list(map(reader.epoch, stamps)) == [t.timestamp() for t in times]


@pytest.mark.parametrize("zone, day", [("America/New_York", "2023-03-12"), ("America/New_York", "2023-11-05"),
                                       ("Australia/Lord_Howe", "2023-04-02"), ("America/Sao_Paulo", "2018-11-04"),
                                       ("America/St_Johns", "1988-04-03"), ("Europe/London", "2023-03-26")])
def test_every_second_of_a_day_whose_offset_changes(zone, day):
    reader = _Reader("群", "群.txt", ZoneInfo(zone), v2=False)
    stamps = [f"{day} {s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}" for s in range(0, 86400, 7)]
    assert list(map(reader.epoch, stamps)) == [reader.timestamp(stamp).timestamp() for stamp in stamps]
    assert reader.epochs[day] is None, "the day is worked out time by time"


def test_a_steady_day_is_worked_out_from_its_midnight():
    reader = _Reader("群", "群.txt", ZoneInfo("America/New_York"), v2=False)
    assert reader.epoch("2023-07-01 12:00:00") == datetime(2023, 7, 1, 16, tzinfo=ZoneInfo("UTC")).timestamp()
    assert reader.epochs["2023-07-01"] == datetime(2023, 7, 1, 4, tzinfo=ZoneInfo("UTC")).timestamp()


# --- a batch's columns ---------------------------------------------------------------------------

COLUMNS = ["is_message", "ts", "moments", "group", "sender", "sender_ids", "urls", "mentioning", "kind", "texts",
           "length", "member", "first_of_sender"]


@pytest.mark.parametrize("export", ["sample", "corpus", "table"])
def test_a_batch_of_runs_has_the_columns_of_its_records(export, corpus, table):
    found = items(SAMPLE) if export == "sample" else items(corpus) if export == "corpus" else items(table[0], fmt=table[1])
    records = list(expanded(found))
    with_runs, one_by_one = Batch(found, Codes(), Codes()), Batch(records, Codes(), Codes())
    assert len(with_runs) == len(one_by_one) == len(records)
    for name in COLUMNS:
        got, expected = getattr(with_runs, name), getattr(one_by_one, name)
        if isinstance(expected, np.ndarray):
            assert got.dtype == expected.dtype and np.array_equal(got, expected), name
        else:
            assert got == expected, name
    assert list(with_runs.records) == records
    assert [with_runs.records[row] for row in range(-len(records), len(records))] == records * 2


def test_a_run_cut_by_a_mask_keeps_the_messages_it_keeps(table):
    """``MessageRun.where`` (--since last cuts runs with it), account ids included."""
    runs = [item for item in items(*table[:1], fmt=table[1]) if type(item) is MessageRun and item.sender_ids]
    for run in runs:
        keep = [row % 3 != 1 for row in range(len(run))]
        cut = run.where(keep)
        assert list(cut.messages()) == [m for m, kept in zip(run.messages(), keep) if kept]
        assert [cut.message(row) for row in range(len(cut))] == list(cut.messages())
    assert runs


def test_a_row_of_a_run_is_built_once():
    found = items(SAMPLE)
    batch = Batch(found, Codes(), Codes())
    row = next(start for start, piece in zip(batch.records.starts, batch.records.pieces) if type(piece) is MessageRun)
    assert batch.records[row] is batch.records[row]
    with pytest.raises(IndexError):
        batch.records[len(batch)]


# --- --since and --until --------------------------------------------------------------------------

def test_since_and_until_cut_runs_where_they_cut_messages(corpus):
    found = items(corpus)
    times = sorted({m.ts for m in expanded(found)})
    for since, until in [(times[10], None), (None, times[-10]), (times[100], times[2000]), (times[5], times[5]),
                         (times[0], None), (None, times[-1] + timedelta(seconds=1)),
                         (times[50] + timedelta(microseconds=1), times[60] - timedelta(microseconds=1))]:
        cut = list(within(iter(found), since, until))
        assert all(len(item) for item in cut if type(item) is MessageRun), "no empty runs"
        assert list(expanded(cut)) == list(within(expanded(found), since, until))


# --- the progress count ---------------------------------------------------------------------------

def test_the_progress_count_counts_the_messages_of_runs(corpus, monkeypatch):
    monkeypatch.setattr(progress_module.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(progress_module, "EVERY", 500)
    counts = []
    for records in (items(corpus), list(expanded(items(corpus)))):
        with Progress(enabled=True, paths=[corpus]) as bar:
            assert list(bar.counting(iter(records), corpus)) == records
            counts.append(bar._messages)
    assert counts == [3000, 3000]


# --- the engine -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 7, 1000])
@pytest.mark.parametrize("policy", [None, SAMPLE_POLICY], ids=["default", "sample"])
def test_the_engine_finds_in_runs_what_it_finds_in_records(corpus, table, policy, size):
    loaded = load_policy(policy)
    for path, fmt in ((SAMPLE, "wechat-txt"), (corpus, "wechat-txt"), table):
        found = items(path, fmt=fmt)
        expected = list(audit(expanded(found), build_rules(loaded, None, None)))
        assert list(audit_batched(iter(found), build_rules(loaded, None, None), size)) == expected
        assert expected or path != SAMPLE


# --- the ledger and --since last ------------------------------------------------------------------

def test_the_ledger_and_since_last_read_runs_as_records(corpus, tmp_path, monkeypatch):
    """A first audit of the export's first half with a ledger, then of the whole with --since
    last: the batch engine (runs) and the record engine (records) skip the same messages, mark
    the same times and report the same."""
    import chataudit.jobs.audit as audit_job
    from typer.testing import CliRunner

    from chataudit.cli import app

    (tmp_path / "half").mkdir()
    half = tmp_path / "half" / corpus.name  # the same group (the file's name)
    half.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:4500]), encoding="utf-8")
    reports = []
    for records in (False, True):
        monkeypatch.setattr(audit_job, "RECORD_ENGINE", records)
        home = tmp_path / ("records" if records else "runs")
        home.mkdir()
        monkeypatch.chdir(home)  # each engine its own ledger.db
        runs = []
        for path, extra in ((half, ()), (corpus, ("--since", "last"))):
            result = CliRunner().invoke(app, ["audit", str(path), "--output", "json", "--ledger", "ledger.db", *extra])
            assert result.exit_code in (0, 1), result.output
            runs.append(result.stdout)
        reports.append(runs)
    assert reports[0] == reports[1]
    assert "1500 record(s) at or before the ledger's last audited time were skipped" in reports[0][1]


# --- --jobs parts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shuffled", [False, True], ids=["in order", "out of order"])
def test_a_part_times_the_rows_it_hands_over_in_runs_as_it_reads_them(table, tmp_path, shuffled):
    """A part's parser leaves out the other group's rows and hands its own plain messages over
    in runs, later than it read them: the part's end, order check and counts come out as with
    records."""
    from chataudit.engine import Part, _own

    path, fmt = table
    if shuffled:  # one row moved back: the export is not in time order
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        first = 1 if fmt == "generic-csv" else 0
        lines.insert(first + 1500, lines.pop(first + 2000))
        path = tmp_path / path.name
        path.write_text("".join(lines), encoding="utf-8")
    seen = []
    for runs in (True, False):
        part = Part(1, 2)
        opened = open_input(path, fmt, SHANGHAI, None)
        opened.source = replace(opened.source, share=part, runs=runs)
        found = list(_own(within(opened.records(), None, None), part))
        assert any(type(item) is MessageRun for item in found) == runs
        # out of order, the parts' work is thrown away (the input is audited whole): only that counts
        seen.append((part.in_order, *((list(expanded(found)), part.end, part.left_out) if part.in_order else ())))
    assert seen[0] == seen[1]
    assert seen[0][0] is not shuffled
