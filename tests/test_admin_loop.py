"""The admin's loop (issue #17): the policy's own rules ([[custom]]) and exemptions with a
reason, an owner and an end date ([[exempt]]), on the bundled sample, in every output format."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chataudit.policy.custom import CustomRuleSpec
from chataudit.policy.schema import Roles
from chataudit.records import Kind, Location, Message
from chataudit.rules.base import RuleContext
from chataudit.rules.custom import CustomRule
from tests.conftest import ROOT, SAMPLE
from tests.timeline import bundled_matcher, run

ADMIN_POLICY = ROOT / "samples" / "wechat" / "admin-loop.toml"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def rule(roles: Roles | None = None, **spec) -> CustomRule:
    base = {"id": "X901", "name": "competitor-pricing", "clause": "不得在群内讨论竞品报价"}
    ctx = RuleContext(roles=roles or Roles(), tz=SHANGHAI, matcher=bundled_matcher()[0])
    return CustomRule(CustomRuleSpec.model_validate({**base, **spec}), ctx)


def said(text: str, sender: str = "销售部-张伟", group: str = "华东销售中心工作群", kind: Kind = Kind.TEXT) -> list:
    msg = Message(group, datetime(2023, 10, 9, 10, 0, tzinfo=SHANGHAI), sender, kind, text, Location("t", 1))
    return [msg]


# ---- custom rules: terms, normalisation, allow phrases, distance, scope ----------------------

def test_any_all_none():
    r = rule(any=["竞品A", "竞品B"], all=["报价"], none=["据报道"])
    assert len(run(r, said("竞品A的报价比我们低一成"))) == 1
    assert run(r, said("竞品A最近在招人")) == []  # no 报价
    assert run(r, said("我们的报价下周出")) == []  # no competitor
    assert run(r, said("据报道竞品B报价下调")) == []  # none wins


def test_terms_are_normalised_like_the_lexicons():
    r = rule(any=["竞品A"], all=["报价"])
    for text in ("竞品ａ的報價", "竞 品A 的报​价", "竞品a的报价"):
        [f] = run(r, said(text))
        assert f.data["terms"] == ["竞品A", "报价"]


def test_an_allow_phrase_wins_over_the_terms_inside_it():
    r = rule(any=["报价", "!报价单模板"])
    assert run(r, said("报价单模板放在共享盘了")) == []
    assert len(run(r, said("报价单模板放在共享盘了，新报价明天发"))) == 1


def test_within_measures_the_closest_terms():
    r = rule(any=["竞品A"], all=["报价"], within=10)
    assert len(run(r, said("竞品A报价"))) == 1
    far = "竞品A" + "，" * 20 + "报价"
    assert run(r, said(far)) == []
    assert len(run(r, said(far + "，竞品A又报价"))) == 1  # a second, closer pair


def test_regex_kinds_groups_and_exempt_roles():
    roles = Roles(owner="人资中心-李敏", admins=["人资中心-李敏"], leaders=["王建国"])
    r = rule(roles=roles, regex=[r"报价\d+万"], groups=["华东*"], exempt_roles=["leaders"], kinds=["text", "link"])
    assert len(run(r, said("报价12万"))) == 1
    assert len(run(r, said("报价12万", kind=Kind.LINK))) == 1
    assert run(r, said("报价12万", kind=Kind.IMAGE)) == []
    assert run(r, said("报价12万", group="华南群")) == []
    assert run(r, said("报价12万", sender="王建国")) == []


# ---- the sample under a policy with a custom rule and two exemptions --------------------------

@pytest.fixture(scope="module")
def admin_report(tmp_path_factory):
    import subprocess

    from tests.conftest import CHATAUDIT

    out = tmp_path_factory.mktemp("admin") / "r.json"
    proc = subprocess.run([str(CHATAUDIT), "audit", str(SAMPLE), "--policy", str(ADMIN_POLICY), "--output", "json",
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    return proc, json.loads(out.read_text(encoding="utf-8"))


def test_the_custom_rule_finds_what_it_states(admin_report):
    _, report = admin_report
    custom = [v for v in report["violations"] if v["rule"] == "X901"]
    assert [(v["sender"], v["source"]["line"]) for v in custom] == [("销售部-张伟", 126), ("采购部-吴刚", 750)]
    assert all(v["penalty"]["fine"] == 50 and v["clause"] == "不得在群内讨论竞品报价" for v in custom)


def test_exemptions_accept_findings_with_their_reason_until_the_end_date(admin_report):
    _, report = admin_report
    exempted = report["exempted"]
    c402 = [e for e in exempted if e["rule"] == "C402"]
    assert c402 and all(e["sender"] == "市场部-周杰" and e["exemption"]["reason"] == "店铺开业推广，经行政部批准"
                        and e["exemption"]["by"] == "人资中心-李敏" for e in c402)
    assert not [v for v in report["violations"] if v["rule"] == "C402" and v["sender"] == "市场部-周杰"]
    night = [e for e in exempted if e["rule"] == "T501"]
    assert night and all(e["timestamp"][:10] <= "2023-10-10" for e in night)
    assert [v for v in report["violations"] if v["rule"] == "T501"]  # after the end date: reported again
    assert all(v["timestamp"][:10] > "2023-10-10" for v in report["violations"] if v["rule"] == "T501")


def test_an_ended_exemption_is_said_once_on_stderr(admin_report):
    proc, _ = admin_report
    lines = [line for line in proc.stderr.splitlines() if "[[exempt]]" in line]
    assert lines == ["policy [[exempt]] #2 (T5, group 华东*) ended on 2023-10-10: findings after that date are "
                     "reported again; renew or remove it"]


@pytest.mark.parametrize("output", ["table", "json", "jsonl", "csv", "markdown", "html", "junit", "sarif", "xlsx"])
def test_every_output_format_shows_the_custom_rule(cli, tmp_path, output):
    out = tmp_path / f"report.{output}"
    result = cli("audit", SAMPLE, "--policy", ADMIN_POLICY, "--output", output, "-o", out)
    assert result.code == 1, result.err
    data = out.read_bytes()
    if output == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(out).worksheets[0]
        data = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row).encode()
    assert "X901".encode() in data
    if output == "table":
        assert "另有 7 项已按群规豁免" in data.decode()


# ---- policy errors: one line, the dotted path ------------------------------------------------

@pytest.mark.parametrize(("toml", "where"), [
    ('[[custom]]\nid = "X901"\nname = "a"\nclause = "x"\nany = ["y"]\n[[custom]]\nid = "X901"\nname = "b"\nclause = "x"\nany = ["z"]\n',
     "custom.1.id"),
    ('[[custom]]\nid = "C401"\nname = "a"\nclause = "x"\nany = ["y"]\n', "custom.0.id"),
    ('[[custom]]\nid = "X90"\nname = "a"\nclause = "x"\nany = ["y"]\n', "custom.0.id"),
    ('[[custom]]\nid = "X901"\nname = "a"\nclause = "x"\n', "custom.0"),
    ('[[custom]]\nid = "X901"\nname = "a"\nclause = "x"\nregex = ["(unclosed"]\n', "custom.0.regex.0"),
    ('[[custom]]\nid = "X901"\nname = "a"\nclause = "x"\nany = ["y"]\nexempt_roles = ["boss"]\n', "custom.0.exempt_roles.0"),
    ('[[exempt]]\nrule = "C402"\nsender = "x"\nreason = "r"\nby = "b"\n', "exempt.0.until"),
    ('[[exempt]]\nrule = "C402"\nuntil = "2023-12-31"\nreason = "r"\nby = "b"\n', "exempt.0"),
    ('[[exempt]]\nrule = "C402"\nsender = "x"\nuntil = "2023-12-31"\nby = "b"\n', "exempt.0.reason"),
])
def test_bad_custom_rules_and_exemptions_are_one_line_with_the_path(cli, tmp_path, toml, where):
    (tmp_path / "p.toml").write_text(toml, encoding="utf-8")
    result = cli("audit", SAMPLE, "--policy", tmp_path / "p.toml")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"{where}:" in result.err and "Traceback" not in result.err


def test_the_report_with_custom_rules_and_exemptions_follows_the_schema(admin_report):
    import jsonschema

    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    _, report = admin_report
    jsonschema.validate(report, schema)
    assert schema["properties"]["exempted"] and "exemption" in schema["properties"]["violations"]["items"]["properties"]
