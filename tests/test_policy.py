"""Policies: discovery order, validation errors with file and dotted key, effective policy."""

import json
from pathlib import Path

import pytest

from chataudit.errors import PolicyError
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules
from tests.conftest import ROOT

POLICIES = sorted((ROOT / "policies").glob("*.toml")) + [ROOT / "samples" / "wechat" / "policy.toml"]


@pytest.mark.parametrize("path", POLICIES, ids=[p.name for p in POLICIES])
def test_bundled_policies_are_valid(path):
    loaded = load_policy(path)
    assert build_rules(loaded)


def test_discovery_prefers_chataudit_toml_then_pyproject_then_bundled(tmp_path):
    assert load_policy(cwd=tmp_path).source == "policies/default.toml"
    (tmp_path / "pyproject.toml").write_text('[tool.chataudit.policy]\nname = "来自 pyproject"\n', encoding="utf-8")
    assert load_policy(cwd=tmp_path).policy.policy.name == "来自 pyproject"
    (tmp_path / "chataudit.toml").write_text('[policy]\nname = "本地群规"\n', encoding="utf-8")
    loaded = load_policy(cwd=tmp_path)
    assert (loaded.source, loaded.policy.policy.name) == ("chataudit.toml", "本地群规")


def test_pyproject_without_our_table_falls_through(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_policy(cwd=tmp_path).source == "policies/default.toml"


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        build_rules(load_policy(path))
    return str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    ('[policy]\ntimezone = "Mars/Olympus"\n', "policy.timezone: unknown time zone 'Mars/Olympus'"),
    ('[policy]\nnmae = "x"\n', "policy.nmae: unknown key"),
    ('[rules.T501]\nquiet = [["22:00", "7:30am"]]\n', "rules.T501.quiet.0.1"),
    ('[rules.T501]\nquite = [["22:00", "07:30"]]\n', "rules.T501.quite: unknown key"),
    ('[rules.T501]\nseverity = "fatal"\n', "rules.T501.severity: expected info, warning or error"),
    ('[rules.X999]\nenabled = false\n', "rules.X999: unknown rule id"),
    ('[penalties.T501]\nfine = -5\n', "penalties.T501.fine"),
    ('[penalties.T501]\naction = "shout"\n', "penalties.T501.action"),
    ('[escalation]\nladder = ["warn", "ban"]\n', "escalation.ladder.1"),
    ('[rules.M101]\npattern = "{部门}-{name}"\n', "rules.M101.pattern"),
    ("[policy\nname = 1\n", "not valid TOML"),
])
def test_errors_name_the_file_and_the_dotted_key(tmp_path, text, expected):
    message = _error(tmp_path, text)
    assert expected in message
    assert "bad.toml" in message and "\n" not in message


def test_disabled_and_selected_rules(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[rules.T501]\nenabled = false\n", encoding="utf-8")
    assert "T501" not in [r.id for r in build_rules(load_policy(path))]
    picked = [r.id for r in build_rules(load_policy(path), select=["M", "T"])]
    assert picked and all(rid.startswith("M") for rid in picked) and "M101" in picked
    default = load_policy(ROOT / "policies" / "default.toml")
    assert [r.id for r in build_rules(default, select=["M1", "T"], ignore=["M10"])] == ["T501"]


def test_severity_and_clause_overrides(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[rules.T501]\nseverity = "error"\nclause = "第八条 夜间十一点后请勿发言"\n', encoding="utf-8")
    [rule] = [r for r in build_rules(load_policy(path)) if r.id == "T501"]
    assert rule.severity == "error" and rule.clause.zh == "第八条 夜间十一点后请勿发言"


def test_policy_show_fills_every_default(cli, tmp_path):
    (tmp_path / "p.toml").write_text('[rules.T501]\nquiet = [["23:30", "07:30"]]\n', encoding="utf-8")
    result = cli("policy", "show", "--policy", "p.toml")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["policy"]["timezone"] == "Asia/Shanghai"
    assert data["rules"]["T501"]["quiet"] == [["23:30", "07:30"]]
    assert data["rules"]["T501"]["days"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert data["rules"]["M101"] == {"enabled": True, "severity": "warning", "clause": data["rules"]["M101"]["clause"],
                                     "pattern": "{dept}-{name}", "parts": {}, "lenient_dashes": True, "exempt": []}
