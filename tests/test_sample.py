"""The bundled sample: the audit finds exactly the violations planted in it."""

import json

import pytest

from tests.conftest import ROOT, SAMPLE, SAMPLE_POLICY

EXPECTED = json.loads((ROOT / "samples" / "wechat" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    import subprocess

    from tests.conftest import CHATAUDIT

    out = subprocess.run([str(CHATAUDIT), "audit", str(SAMPLE), "--policy", str(SAMPLE_POLICY), "--output", "json"],
                         capture_output=True, text=True, check=False).stdout
    return json.loads(out)


def keys(rows, ts="ts"):
    return sorted((row[ts][:19].replace("T", " "), row["rule"], row["sender"]) for row in rows)


def test_sample_findings_match_the_planted_violations(report):
    assert keys(report["violations"], "timestamp") == keys(EXPECTED["violations"])


def test_notices_list_exactly_the_members_who_did_not_acknowledge(report):
    found = {v["timestamp"][:19].replace("T", " "): v["message"].split("：", 1)[1].split("、")
             for v in report["violations"] if v["rule"] == "R202"}
    assert found == {row["ts"]: row["missing"] for row in EXPECTED["violations"] if row["rule"] == "R202"}


def test_the_task_open_at_the_end_is_pending_not_a_violation(report):
    assert keys(report["pending"], "timestamp") == keys(EXPECTED["pending"])
    assert report["summary"]["violations"] == len(EXPECTED["violations"])


def test_every_planted_rule_fires_with_a_readable_message(report):
    rules = {v["rule"] for v in report["violations"]}
    assert {"R201", "R202", "S301", "S302", "S303", "S304", "S307", "M106", "M107", "T501", "M101"} <= rules
    assert all(v["message"] and v["clause"] for v in report["violations"])


def test_default_policy_also_flags_the_executive_bare_name(cli):
    """Without [roles] executives, 王建国's bare name is a naming violation too."""
    report = json.loads(cli("audit", SAMPLE, "--output", "json").out)
    m101 = {v["sender"] for v in report["violations"] if v["rule"] == "M101"}
    assert m101 == {row["sender"] for row in EXPECTED["violations"] if row["rule"] == "M101"} | {"王建国"}
