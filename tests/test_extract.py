"""`policy extract` against the seeds: each regulation's extracted draft equals its bundled
policy field by field, the issue's phrasings map, and the drafts load."""

import tomllib

import pytest

from chataudit.policy.extract import extract, to_toml
from chataudit.policy.load import validate
from chataudit.text.numbers import to_number
from tests.conftest import ROOT

REGULATIONS = ROOT / "policies" / "regulations"
PAIRS = {  # bundled policy → the regulation it was written from
    "art-elite": "art精英交流群管理办法", "drucker-center": "德鲁克咨询微信群管理制度", "drucker-group": "德鲁克咨询交流群管理制度",
    "jiushen": "酒神公司微信群管理制度", "chongqing-group": "重庆集团微信群管理办法", "unit-confidential": "单位微信工作群管理办法",
    "trial-2014": "公司微信群管理试行办法2014", "community-quark": "夸克链信创富孵化群入群须知", "measures-2": "微信群管理办法二",
    "regulation-3": "微信群管理规定", "township": "镇村微信群管理规定", "association": "会员单位微信群管理规定",
}
FIELDS = ["rules.R201.window", "penalties.R201.fine", "rules.T501.quiet", "rules.S304.max_chars", "rules.M101.pattern",
          "rules.C401.categories", "escalation.ladder", "rules.R202.ack_words", "rules.C402.enabled",
          "membership.required_roles", "rules.S302.scope"]


def dig(data: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


@pytest.mark.parametrize("slug", sorted(PAIRS))
def test_extraction_equals_the_hand_checked_policy(slug):
    policy = tomllib.loads((ROOT / "policies" / f"{slug}.toml").read_text(encoding="utf-8"))
    found = extract((REGULATIONS / f"{PAIRS[slug]}.txt").read_text(encoding="utf-8"))
    for field in FIELDS:
        assert found.get(field) == dig(policy, field), field
    assert len(found.unmapped) <= 12  # short: what is left is admin duties and general exhortation


def test_every_distinct_regulation_in_the_seeds_has_a_policy():
    assert sorted(p.stem for p in REGULATIONS.glob("*.txt")) == sorted(PAIRS.values())
    for slug in PAIRS:
        validate(tomllib.loads((ROOT / "policies" / f"{slug}.toml").read_text(encoding="utf-8")), slug)


@pytest.mark.parametrize(("text", "field", "value"), [
    ("领导布置的任务，必须在15分钟内回复。", "rules.R201.window", "15m"),
    ("对领导提出的问题，一小时内要回复。", "rules.R201.window", "1h"),
    ("领导交办事项须在半小时内予以回应。", "rules.R201.window", "30m"),
    ("超过三十分钟未回复的，罚款二十元。", "penalties.R201.fine", 20),
    ("超过30分钟未回复的，扣当月绩效。", "penalties.R201.action", "severe-warning"),
    ("晚上十点至早上七点半为休息时间，请勿在群内发言。", "rules.T501.quiet", [["22:00", "07:30"]]),
    ("夜间十一点后请勿群聊。", "rules.T501.quiet", [["23:00", "07:30"]]),
    ("晚上22:00至早上07:30休息时间段请勿群聊。", "rules.T501.quiet", [["22:00", "07:30"]]),
    ("内容请在三百字以内，超过则使用链接分享。", "rules.S304.max_chars", 300),
    ("群名片统一为部门·姓名，例如：销售部·张三。", "rules.M101.pattern", "{dept}·{name}"),
    ("以中心名称+姓名作为名片（例如：人资中心张静）。", "rules.M101.pattern", "{center}{name}"),
    ("发布广告者警告一次，第二次再发直接清退出群。", "escalation.ladder", ["warn", "remove"]),
    ("违反任意一条第一次给予警告，第二次给予严重警告。", "escalation.ladder", ["warn", "severe-warning"]),
    ("通知要及时回复，比如收到、好的、明白之类的回复。", "rules.R202.ack_words", ["收到", "好的", "明白"]),
    ("未经群主同意，不得擅自拉人进群。", "rules.M106.enabled", True),
    ("严禁在群内发布色情、赌博、病毒链接，一经发现给予严重警告。", "penalties.C404.action", "severe-warning"),
])
def test_phrasings(text, field, value):
    assert extract(text).get(field) == value


@pytest.mark.parametrize(("numeral", "value"), [("三十", 30), ("十一", 11), ("一百", 100), ("两", 2), ("二十五", 25),
                                                ("半", 0.5), ("一千二百", 1200), ("100", 100)])
def test_chinese_numerals(numeral, value):
    assert to_number(numeral) == value


def test_settings_cite_their_sentence_and_unmapped_rules_are_listed():
    found = extract("晚上22:00至早上07:30休息时间段请勿群聊。严禁在群内讨论股票。")
    [quiet] = [s for s in found.settings if s.key == "rules.T501.quiet"]
    assert quiet.sentence == "晚上22:00至早上07:30休息时间段请勿群聊。"
    assert found.unmapped == ["严禁在群内讨论股票。"]
    draft = to_toml(found, "测试")
    assert "# 来自：晚上22:00至早上07:30休息时间段请勿群聊。" in draft and "#   - 严禁在群内讨论股票。" in draft
    validate(tomllib.loads(draft), "draft")


def test_cli_extract_init_and_check(cli, tmp_path):
    result = cli("policy", "extract", REGULATIONS / "会员单位微信群管理规定.txt", "-o", "draft.toml")
    assert result.code == 0 and "setting(s) drafted" in result.err
    assert cli("policy", "check", "draft.toml").code == 0
    assert cli("policy", "init", "--from", "jiushen").code == 0
    assert "{dept}-{name}" in (tmp_path / "chataudit.toml").read_text(encoding="utf-8")
    again = cli("policy", "init")
    assert again.code == 2 and "file exists" in again.err
    listing = cli("policy", "init", "--list").out
    assert "association" in listing and "酒神公司" in listing
    assert cli("policy", "init", "--from", "nope", "-o", "x.toml").code == 2


@pytest.mark.parametrize("slug", sorted(PAIRS))
def test_each_policy_audits_the_sample(cli, slug):
    result = cli("audit", ROOT / "samples/wechat/华东销售中心工作群.txt", "--policy", ROOT / "policies" / f"{slug}.toml",
                 "--output", "jsonl", "--fail-on", "never")
    assert result.code == 0 and result.err == "" and result.out.count("\n") > 5
