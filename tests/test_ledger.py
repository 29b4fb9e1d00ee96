"""The ledger: re-runs, overlapping exports, escalation across runs, --since last, concurrency."""

import json
import sqlite3
import subprocess

from tests.conftest import CHATAUDIT


def export(path, days):
    """An export where 销售部-张三 posts at 23:00 on each given day of October 2023."""
    path.write_text("".join(f"2023-10-{d:02d} 23:00:00 销售部-张三\n夜里{d}号\n\n" for d in days), encoding="utf-8")
    return path


def audit(cli, *args, cwd=None):
    result = cli("audit", *args, "--select", "T501", "--output", "json", cwd=cwd)
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


def test_a_future_timestamp_never_moves_the_since_last_mark(cli, tmp_path):
    """One message dated 2099 must not hide the next night's messages (issue #15, item 3)."""
    first = export(tmp_path / "群.txt", [9])
    with first.open("a", encoding="utf-8") as fh:
        fh.write("2099-01-01 23:00:00 销售部-张三\n时钟错了\n\n")
    result = cli("audit", first, "--select", "T501", "--output", "json", "--ledger", "ledger.db", "--since", "last")
    report = json.loads(result.out)
    assert report["summary"]["violations"] == 2  # the future message is still audited
    assert any("2099-01-01 23:00:00" in note for note in report["inputs"][0]["notes"])
    assert "do not move the ledger's --since last mark" in result.err
    night = audit(cli, export(tmp_path / "群.txt", [10]), "--ledger", "ledger.db", "--since", "last")
    assert [v["excerpt"] for v in night["violations"]] == ["夜里10号"]


def test_what_since_last_skips_is_counted_in_the_report_and_on_stderr(cli, tmp_path):
    audit(cli, export(tmp_path / "群.txt", [10, 11]), "--ledger", "ledger.db", "--since", "last")
    late = cli("audit", export(tmp_path / "群.txt", [9, 12]), "--select", "T501", "--output", "json",
               "--ledger", "ledger.db", "--since", "last")
    report = json.loads(late.out)
    assert [v["excerpt"] for v in report["violations"]] == ["夜里12号"]
    assert report["inputs"][0]["notes"] == [
        "1 record(s) at or before the ledger's last audited time were skipped (--since last)"]
    assert "群.txt: 1 record(s) at or before the ledger's last audited time were skipped" in late.err


def test_changing_the_policy_time_zone_keeps_fingerprints(cli, tmp_path):
    """The fingerprint holds the instant, not its rendering: no doubled findings, no escalation."""
    (tmp_path / "chataudit.toml").write_text(POLICY, encoding="utf-8")
    path = tmp_path / "群.txt"
    path.write_text("2023-10-09 23:00:00 销售部-张三\n夜里\n\n", encoding="utf-8")
    first = audit(cli, path, "--ledger", "ledger.db")
    tokyo = tmp_path / "tokyo"
    tokyo.mkdir()
    (tokyo / "chataudit.toml").write_text('[policy]\ntimezone = "Asia/Tokyo"\n' + POLICY, encoding="utf-8")
    (tokyo / "群.txt").write_text("2023-10-10 00:00:00 销售部-张三\n夜里\n\n", encoding="utf-8")  # the same instant
    second = audit(cli, tokyo / "群.txt", "--ledger", tmp_path / "ledger.db", cwd=tokyo)
    assert first["violations"][0]["fingerprint"] == second["violations"][0]["fingerprint"]
    assert stored(tmp_path) == 1
    assert second["violations"][0]["penalty"]["action"] == "warn"  # not escalated as a second offence


def test_a_repeated_dst_hour_is_not_skipped_by_since_last(cli, tmp_path):
    """New York, 2023-11-05: 01:00–02:00 happens twice. A message in the second pass that an
    export writes as a naive 01:15 comes after 01:45 of the first pass; it must be audited."""
    (tmp_path / "chataudit.toml").write_text('[policy]\ntimezone = "America/New_York"\n', encoding="utf-8")
    path = tmp_path / "群.txt"
    path.write_text("2023-11-05 01:45:00 销售部-张三\n第一次\n\n", encoding="utf-8")
    audit(cli, path, "--ledger", "ledger.db", "--since", "last")
    path.write_text("2023-11-05 01:45:00 销售部-张三\n第一次\n\n2023-11-05 01:15:00 销售部-张三\n第二次\n\n",
                    encoding="utf-8")
    again = audit(cli, path, "--ledger", "ledger.db", "--since", "last")
    assert "第二次" in [v["excerpt"] for v in again["violations"]]
