"""The bundled sample: the audit finds exactly the violations planted in it."""

import json

from tests.conftest import SAMPLE, SAMPLE_POLICY, ROOT

EXPECTED = json.loads((ROOT / "samples" / "wechat" / "expected.json").read_text(encoding="utf-8"))


def test_sample_findings_match_the_planted_violations(cli):
    report = json.loads(cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json").out)
    found = sorted((v["timestamp"][:19].replace("T", " "), v["rule"], v["sender"]) for v in report["violations"])
    planted = sorted((row["ts"], row["rule"], row["sender"]) for row in EXPECTED["violations"])
    assert found == planted


def test_default_policy_also_flags_the_executive_bare_name(cli):
    """Without [roles] executives, 王建国's bare name is a naming violation too."""
    report = json.loads(cli("audit", SAMPLE, "--output", "json").out)
    m101 = {v["sender"] for v in report["violations"] if v["rule"] == "M101"}
    assert m101 == {row["sender"] for row in EXPECTED["violations"] if row["rule"] == "M101"} | {"王建国"}
