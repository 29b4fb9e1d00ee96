"""The ledger: re-runs, overlapping exports, escalation across runs, --since last, concurrency."""

import json
import sqlite3
import subprocess

from tests.conftest import CHATAUDIT


def export(path, days):
    """An export where 销售部-张三 posts at 23:00 on each given day of October 2023."""
    path.write_text("".join(f"2023-10-{d:02d} 23:00:00 销售部-张三\n夜里{d}号\n\n" for d in days), encoding="utf-8")
    return path


def audit(cli, *args):
    result = cli("audit", *args, "--select", "T501", "--output", "json")
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


def stored(tmp_path):
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        return db.execute("SELECT count(*) FROM findings").fetchone()[0]


POLICY = '[escalation]\nladder = ["warn", "severe-warning", "remove"]\n'


def test_re_running_the_same_export_never_counts_twice(cli, tmp_path):
    (tmp_path / "chataudit.toml").write_text(POLICY, encoding="utf-8")
    path = export(tmp_path / "群.txt", [9, 10])
    first = audit(cli, path, "--ledger", "ledger.db")
    second = audit(cli, path, "--ledger", "ledger.db")
    assert stored(tmp_path) == 2
    assert [v["penalty"]["action"] for v in first["violations"]] == ["warn", "severe-warning"]
    assert [v["penalty"]["action"] for v in second["violations"]] == ["warn", "severe-warning"]  # same offences


def test_overlapping_exports_and_escalation_across_runs(cli, tmp_path):
    (tmp_path / "chataudit.toml").write_text(POLICY, encoding="utf-8")
    audit(cli, export(tmp_path / "群.txt", [9, 10]), "--ledger", "ledger.db")
    later = audit(cli, export(tmp_path / "群.txt", [10, 11]), "--ledger", "ledger.db")
    assert stored(tmp_path) == 3  # the 10th is the same finding in both exports
    # 9th (earlier run) is offence 1; in this run the 10th is 2 and the 11th is 3
    assert [v["penalty"]["action"] for v in later["violations"]] == ["severe-warning", "remove"]
    assert later["members"][0]["action"] == "remove"


def test_since_last_audits_only_what_is_new(cli, tmp_path):
    audit(cli, export(tmp_path / "群.txt", [9, 10]), "--ledger", "ledger.db")
    later = audit(cli, export(tmp_path / "群.txt", [9, 10, 11, 12]), "--ledger", "ledger.db", "--since", "last")
    assert [v["timestamp"][:10] for v in later["violations"]] == ["2023-10-11", "2023-10-12"]
    result = cli("audit", tmp_path / "群.txt", "--since", "last")
    assert result.code == 2 and "--since last needs --ledger" in result.err


def test_two_concurrent_runs_on_one_ledger_lose_nothing(tmp_path):
    paths = [export(tmp_path / f"群{i}.txt", range(1 + 10 * i, 11 + 10 * i)) for i in range(2)]
    procs = [subprocess.Popen([str(CHATAUDIT), "audit", str(p), "--select", "T501", "--ledger", "ledger.db",
                               "--output", "jsonl"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for p in paths]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]  # warnings only
    assert stored(tmp_path) == 20
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_a_file_that_is_not_a_ledger(cli, tmp_path):
    (tmp_path / "ledger.db").write_text("not sqlite at all" * 100, encoding="utf-8")
    result = cli("audit", export(tmp_path / "群.txt", [9]), "--ledger", "ledger.db")
    assert result.code == 2 and "not a usable ledger" in result.err
