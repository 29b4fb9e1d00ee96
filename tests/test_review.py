"""A model's findings: "to review" by default (listed apart, not violations, with their score),
violations when the policy says so (SPEC §9)."""

import json

EXPORT = ("2023-10-09 10:00:00 销售部-张三\n某地人都是骗子，一个都信不过，别跟他们做生意\n\n"
          "2023-10-09 10:05:00 销售部-李四\n今天的报表已经提交了\n\n")


def _audit(cli, tmp_path, policy: str = ""):
    (tmp_path / "群.txt").write_text(EXPORT, encoding="utf-8")
    (tmp_path / "chataudit.toml").write_text(policy, encoding="utf-8")
    result = cli("audit", "群.txt", "--select", "C403", "--output", "json")
    return result.code, json.loads(result.out)


def test_model_findings_are_to_review_by_default(cli, tmp_path):
    code, report = _audit(cli, tmp_path)
    assert code == 0 and report["violations"] == [] and report["summary"]["violations"] == 0
    (row,) = report["review"]
    assert row["rule"] == "C403" and row["sender"] == "销售部-张三" and 0.7 <= row["score"] <= 1
    assert row["penalty"] == {"action": "none", "fine": 0}


def test_the_policy_can_count_them_as_violations(cli, tmp_path):
    code, report = _audit(cli, tmp_path, '[rules.C403]\nmodel_findings = "violation"\n')
    assert code == 1 and "review" not in report
    (row,) = report["violations"]
    assert row["rule"] == "C403" and row["score"] >= 0.7


def test_the_table_lists_them_apart(cli, tmp_path):
    (tmp_path / "群.txt").write_text(EXPORT, encoding="utf-8")
    out = cli("audit", "群.txt", "--select", "C403").out
    assert "待人工复核" in out and "未发现违规" in out
