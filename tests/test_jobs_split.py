"""--jobs on one export holding several groups (issue #18): the input is split by group into
parts audited in parallel processes, and the report is the same, byte for byte, as --jobs 1.
Rules whose state spans groups run over the whole export; R201 and R202 are told when the
whole export ends; an export not in time order is audited whole."""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import chataudit.jobs.audit as audit_job
from chataudit.engine import Part, audit, splits_by_group
from chataudit.jobs.audit import AuditRequest, run_audit
from chataudit.jobs.inputs import open_input
from chataudit.ledger import Ledger
from chataudit.policy.load import load_policy
from chataudit.records import Kind, Location, Message, Unparsed
from chataudit.report.json_report import JsonReporter
from chataudit.rules.registry import build_rules
from tests.conftest import ROOT, SAMPLE_POLICY

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY = """[policy]
name = "两个群"
[roles]
leaders = ["王建国"]
[rules.R201]
window = "30m"
"""


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["时间", "群名", "发送人", "内容"])
        writer.writerows(rows)
    return path


@pytest.fixture
def policy(tmp_path) -> Path:
    """``POLICY``: 王建国 leads, tasks are due in 30 minutes."""
    path = tmp_path / "p.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture
def split_runs(monkeypatch):
    """For each input --jobs tried to split: True when its parts were used, False when it was
    audited whole after all (in this process)."""
    seen: list[bool] = []
    split, whole = audit_job._audit_split, audit_job._audit_one

    def splitting(job, intake, progress):
        seen.append(True)
        return split(job, intake, progress)

    def auditing(job, take, progress=None):
        if seen and job.part is None:
            seen[-1] = False
        return whole(job, take, progress)

    monkeypatch.setattr(audit_job, "_audit_split", splitting)
    monkeypatch.setattr(audit_job, "_audit_one", auditing)
    return seen


def _json(path: Path, policy: Path, jobs: int, **options) -> str:
    report = run_audit(AuditRequest(paths=[path], policy=load_policy(policy), lang="zh", jobs=jobs, **options))
    out = io.StringIO()
    JsonReporter().render(report, "zh", out)
    return out.getvalue()


def test_a_two_group_export_gives_the_same_report_with_two_jobs(tmp_path, split_runs):
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    export = tmp_path / "两个群.csv"
    corpus.write(4000, str(export), groups=2)
    one = _json(export, SAMPLE_POLICY, 1)
    two = _json(export, SAMPLE_POLICY, 2)
    assert split_runs == [True]  # split, not audited whole
    assert two == one
    report = json.loads(one)
    assert {v["group"] for v in report["violations"]} == {"项目群1", "项目群2"}
    assert {"R201", "R202", "S302"} <= set(report["summary"]["by_rule"])


def test_the_cli_report_is_the_same_bytes(cli, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    corpus.write(1500, str(tmp_path / "g.csv"), groups=3)
    one = cli("audit", "g.csv", "--policy", SAMPLE_POLICY, "--output", "json")
    two = cli("audit", "g.csv", "--policy", SAMPLE_POLICY, "--output", "json", "--jobs", "2")
    assert one.code == two.code == 1 and two.out == one.out and two.err == one.err


def _task_export(tmp_path: Path, b_ends: str) -> Path:
    """Group A: a leader's task at 09:00, due 09:30, and nothing after it. Group B talks on."""
    return _csv(tmp_path / "群.csv", [
        ("2023-10-09 08:59:00", "A群", "销售部-张三", "早上好，今天的拜访计划已经发了"),
        ("2023-10-09 09:00:00", "A群", "王建国", "@销售部-张三 今天下班前把报表发我"),
        ("2023-10-09 09:05:00", "B群", "财务部-李四", "发票已经开好了"),
        (b_ends, "B群", "财务部-李四", "下午对账"),
    ])


def _records(path: Path) -> list:
    return list(open_input(path, "auto", SHANGHAI, None).records())


@pytest.mark.parametrize(("b_ends", "pending"), [("2023-10-09 10:00:00", False), ("2023-10-09 09:20:00", True)])
def test_an_open_task_at_the_end_of_its_group_is_judged_at_the_end_of_the_export(tmp_path, policy, b_ends, pending):
    """Group A's last message is the task itself; the export ends with group B's. At 10:00 the
    task is overdue (a violation), at 09:20 it is still open (pending) — in the part that
    audits group A alone as in the whole export."""
    records = _records(_task_export(tmp_path, b_ends))
    loaded = load_policy(policy)
    whole = [f for f in audit(records, build_rules(loaded, ["R201"])) if f.group == "A群"]
    part = Part(0, 2)
    alone = list(audit(records, build_rules(loaded, ["R201"]), part))
    assert part.groups == {"A群": True, "B群": False} and part.in_order
    assert alone == whole and [f.pending for f in alone] == [pending]
    assert _json(tmp_path / "群.csv", policy, 2) == _json(tmp_path / "群.csv", policy, 1)


def test_a_notice_open_at_the_end_of_its_group_is_closed_by_the_end_of_the_export(tmp_path, policy):
    export = _csv(tmp_path / "群.csv", [
        ("2023-10-09 09:00:00", "A群", "销售部-张三", "早"),
        ("2023-10-09 09:01:00", "A群", "王建国", "@所有人 【通知】周五下午三点全员大会，请回复收到"),
        ("2023-10-09 09:02:00", "B群", "财务部-李四", "发票已经开好了"),
        ("2023-10-09 11:00:00", "B群", "财务部-李四", "下午对账"),
    ])
    loaded = load_policy(policy)
    records = _records(export)
    whole = [f for f in audit(records, build_rules(loaded, ["R202"])) if f.group == "A群"]
    alone = list(audit(records, build_rules(loaded, ["R202"]), Part(0, 2)))
    assert alone == whole and [f.pending for f in alone] == [False]


def test_repeated_content_is_judged_per_group(tmp_path, policy, split_runs):
    """S302 forgets a content ``period`` after its last posting, whatever the other groups
    post, so it splits by group. (It used to forget from the front of one memory shared by
    every group and stop at the first fresh entry, so group B's entry kept group A's stale
    one remembered.) Group A: a repeat two hours later, then a day and a half later."""
    rows = [("2023-10-09 09:00:00", "A群", "销售部-张三", "本周销售日报已经提交到系统"),
            ("2023-10-09 10:00:00", "B群", "财务部-李四", "三季度的发票已经全部开好了"),
            ("2023-10-09 11:00:00", "A群", "销售部-张三", "本周销售日报已经提交到系统"),
            ("2023-10-10 08:00:00", "B群", "财务部-李四", "三季度的发票已经全部开好了"),
            ("2023-10-10 23:30:00", "A群", "销售部-张三", "本周销售日报已经提交到系统")]
    export = _csv(tmp_path / "群.csv", rows)
    one = _json(export, policy, 1, select=["S302"])
    assert _json(export, policy, 2, select=["S302"]) == one and split_runs == [True]
    assert [(v["group"], v["timestamp"][:16]) for v in json.loads(one)["violations"]] == [
        ("A群", "2023-10-09T11:00"), ("B群", "2023-10-10T08:00")]
    assert splits_by_group(build_rules(load_policy(policy), ["S302"])[0])


def test_an_export_out_of_time_order_is_audited_whole(tmp_path, policy, split_runs):
    """Group B's record, two days later, comes before group A's reply in the file. Read whole,
    it expires A's task before the reply arrives (unanswered); group A alone would take the
    reply as in time. The parts see the disorder and the input is audited whole."""
    export = _csv(tmp_path / "群.csv", [
        ("2023-10-09 09:00:00", "A群", "王建国", "@销售部-张三 今天下班前把报表发我"),
        ("2023-10-11 09:00:00", "B群", "财务部-李四", "发票已经开好了"),
        ("2023-10-09 09:10:00", "A群", "销售部-张三", "收到，马上发"),
    ])
    one = _json(export, policy, 1, select=["R201"])
    assert _json(export, policy, 2, select=["R201"]) == one and split_runs == [False]
    assert json.loads(one)["summary"]["by_rule"] == {"R201": 1}


def test_a_single_group_format_is_not_split(tmp_path, split_runs):
    assert _json(ROOT / "samples" / "wechat" / "华东销售中心工作群.txt", SAMPLE_POLICY, 2)
    assert split_runs == []


def test_parts_number_groups_by_first_appearance():
    msgs = [Message(group, datetime(2023, 10, 9, 9, n, tzinfo=SHANGHAI), "甲", Kind.TEXT, "x", Location("t", n + 1))
            for n, group in enumerate("ABCAB")]
    part = Part(1, 2)
    assert [part.audits(m) for m in msgs] == [False, True, False, False, True] and part.in_order


ROWS = [
    ("2023-10-09 09:00:00", "A群", "销售部-张三", "@财务部-李四 加微信 vx123456 领红包"),
    ("2023-10-09 09:01:00", "B群", "财务部-李四", "加微信 vx123456 领红包"),
    ("昨天", "B群", "财务部-李四", "时间坏了"),
    ("2023-10-09 09:02:00", "B群", "", "王建国 邀请 赵六 加入了群聊"),
    ("2023-10-09 23:03:00", "A群", "", "销售部-张三 修改群名为 A群"),
    ("2023-10-09 23:05:00", "B群", "财务部-李四", "加微信 vx123456 领红包"),
]


def test_a_part_leaves_out_the_other_groups_records_and_counts_them(tmp_path):
    """A part's parser leaves out the records of the groups it does not audit, telling the
    part of each (counted, and timed for the end of the export and the order); unparsed rows
    of every group stay records, so part 0's counts are the input's."""
    export = _csv(tmp_path / "群.csv", ROWS)
    opened = open_input(export, "auto", SHANGHAI, None)
    part = Part(0, 2)
    opened.source = replace(opened.source, share=part)
    records = list(opened.records())
    assert [(r.group, r.text) for r in records if not isinstance(r, Unparsed)] == [
        ("A群", "@财务部-李四 加微信 vx123456 领红包"), ("A群", "销售部-张三 修改群名为 A群")]
    assert sum(isinstance(r, Unparsed) for r in records) == 1 and part.left_out == [1, 2]
    assert part.end.hour == 23 and part.end.minute == 5 and part.in_order
    out_of_order = Part(0, 2)
    out_of_order.skip(datetime(2023, 10, 9, 9, tzinfo=SHANGHAI), True)
    out_of_order.skip(datetime(2023, 10, 9, 8, tzinfo=SHANGHAI), False)
    assert not out_of_order.in_order and out_of_order.left_out == [1, 1]


@pytest.mark.parametrize("options", [{}, {"until": datetime(2023, 10, 9, 23, 4, tzinfo=SHANGHAI)},
                                     {"since": datetime(2023, 10, 9, 9, 1, tzinfo=SHANGHAI)}], ids=["all", "until", "since"])
def test_left_out_records_give_the_same_report(tmp_path, split_runs, options):
    """--until ends the export before group B's last message, so group A's part must not take
    that message's time for the end (R201/R202); --since leaves group A's first message out."""
    export = _csv(tmp_path / "群.csv", ROWS)
    one = _json(export, SAMPLE_POLICY, 1, **options)
    assert _json(export, SAMPLE_POLICY, 2, **options) == one and split_runs == [True]
    assert json.loads(one)["inputs"][0]["messages"] == 3


def test_a_left_out_record_after_until_does_not_end_the_export(tmp_path, policy, split_runs):
    """Group A's task at 09:00 is still open when the export, cut at 09:25 by --until, ends at
    group B's 09:20 message; B's 10:00 message, left out of A's part, must not end it later."""
    export = _csv(tmp_path / "群.csv", [
        ("2023-10-09 09:00:00", "A群", "王建国", "@销售部-张三 今天下班前把报表发我"),
        ("2023-10-09 09:20:00", "B群", "财务部-李四", "发票已经开好了"),
        ("2023-10-09 10:00:00", "B群", "财务部-李四", "下午对账"),
    ])
    until = {"until": datetime(2023, 10, 9, 9, 25, tzinfo=SHANGHAI), "select": ["R201"]}
    one = _json(export, policy, 1, **until)
    assert _json(export, policy, 2, **until) == one and split_runs == [True]
    assert json.loads(one)["summary"]["by_rule"] == {}


def test_with_a_ledger_every_part_reads_every_record(tmp_path, split_runs):
    """The ledger's marks (each group's latest time) come from part 0's reading of every
    group's records, so with a ledger no record is left out."""
    export = _csv(tmp_path / "群.csv", ROWS)
    one = _json(export, SAMPLE_POLICY, 1, ledger=tmp_path / "one.db")
    two = _json(export, SAMPLE_POLICY, 2, ledger=tmp_path / "two.db")
    assert two == one and split_runs == [True]
    ledgers = [Ledger(tmp_path / name) for name in ("one.db", "two.db")]
    try:
        for group in ("A群", "B群"):
            assert ledgers[0].last_seen(group) is not None and ledgers[0].last_seen(group) == ledgers[1].last_seen(group)
    finally:
        for ledger in ledgers:
            ledger.close()
