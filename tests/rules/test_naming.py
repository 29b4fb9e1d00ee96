import pytest
from pydantic import ValidationError

from chataudit.engine import audit
from chataudit.policy.schema import Roles
from chataudit.rules.naming import NicknamePattern
from tests.timeline import make, run, timeline


def senders(rule, *names):
    return [f.sender for f in run(rule, timeline(*(f"2023-10-09 09:00:{i:02d} {n} / 收到" for i, n in enumerate(names))))]


@pytest.mark.parametrize(("name", "ok"), [
    ("销售部-张三", True), ("行政人事部-孙丽", True), ("人资中心-李敏", True), ("总裁办-欧阳娜娜", True),
    ("销售一部-王五", True), ("技术部-阿依古丽·买买提", True), ("IT部-Tom Li", True),
    ("销售部－张三", True),  # full-width hyphen typed on a Chinese IME
    ("张三", False), ("小周周🌸", False), ("销售部 张三", False), ("销售部张三", False),
    ("张三-销售部", False), ("销售部-", False), ("-张三", False), ("销售部-张三三三三三", False), ("Tom", False),
])
def test_dept_name_pattern(name, ok):
    assert (senders(make(NicknamePattern), name) == []) is ok


def test_each_sender_is_reported_once_per_group():
    rule = make(NicknamePattern)
    assert senders(rule, "张三", "张三", "销售部-李四", "张三") == ["张三"]


def test_executives_may_use_the_bare_name_but_not_anything():
    rule = make(NicknamePattern, roles=Roles(executives=["王建国", "小王总👑"]))
    assert senders(rule, "王建国", "小王总👑", "刘强") == ["小王总👑", "刘强"]


def test_center_pattern_from_the_second_seed():
    rule = make(NicknamePattern, pattern="{center}{name}")
    assert senders(rule, "人资中心张静", "人资中心-张静", "财务部张静") == ["人资中心-张静", "财务部张静"]


def test_several_patterns_and_custom_parts():
    rule = make(NicknamePattern, pattern=["{dept}-{name}", "{store}{name}"], parts={"store": r"\p{Han}{2,6}店"})
    assert senders(rule, "销售部-张三", "万达广场店李四", "李四") == ["李四"]


def test_real_name_only():
    rule = make(NicknamePattern, pattern="{name}")
    assert senders(rule, "张三", "销售部-张三") == ["销售部-张三"]


def test_strict_dashes():
    rule = make(NicknamePattern, lenient_dashes=False)
    assert senders(rule, "销售部－张三", "销售部-李四") == ["销售部－张三"]


def test_exempt_names():
    rule = make(NicknamePattern, exempt=["群助手"])
    assert senders(rule, "群助手") == []


def test_finding_says_what_to_do():
    [finding] = run(make(NicknamePattern), timeline("2023-10-09 09:00:00 小周 / 在吗"))
    assert finding.message.zh == "群昵称“小周”不符合命名规则 {dept}-{name}，请修改群昵称"
    assert finding.data["pattern"] == "{dept}-{name}"


@pytest.mark.parametrize("options", [
    {"pattern": "{department}-{name}"}, {"pattern": []}, {"parts": {"name": "([a-z"}}, {"colour": "red"},
])
def test_bad_options_are_rejected(options):
    with pytest.raises(ValidationError):
        NicknamePattern.Options.model_validate(options)


def test_a_catastrophic_part_times_out_per_name_and_the_rule_goes_on():
    """(?:\\p{Han}|\\p{Han}{2})+ on 46 characters ran past 300 s; now each name costs at most
    the policy regex timeout (CPU time, as the regex module counts it), and the name that
    took it is reported as not checked."""
    import time

    rule = make(NicknamePattern, parts={"name": r"(?:\p{Han}|\p{Han}{2})+"})
    slow = "销售部-" + "张" * 46 + "!"
    start = time.process_time()
    findings = run(rule, timeline(*(f"2023-10-09 09:00:0{i} {n} / 收到" for i, n in
                                    enumerate([slow, "销售部-张三", slow + "?", "小王"]))))
    assert time.process_time() - start < 2
    assert [f.sender for f in findings] == [slow, slow + "?", "小王"]
    assert findings[0].data["timed_out"] == r"{name} = (?:\p{Han}|\p{Han}{2})+"
    assert "未能按命名规则 {dept}-{name} 检查" in findings[0].message.zh and "fix" not in findings[0].data
    assert findings[2].data["fix"]["action"] == "rename"


def test_every_pattern_of_a_name_shares_one_timeout():
    """Three slow patterns and an executive's bare name: still one timeout per name, not four."""
    import time

    from chataudit.policy.types import REGEX_TIMEOUT

    slow = r"(?:\p{Han}|\p{Han}{2})+"
    rule = make(NicknamePattern, pattern=["{a}", "{b}", "{name}"], parts={"a": slow, "b": slow, "name": slow},
                roles=Roles(executives=["张" * 46 + "!"]))
    start = time.process_time()
    [finding] = audit(timeline("2023-10-09 09:00:00 " + "张" * 46 + "! / 收到"), [rule])  # once, not run()'s three engines
    assert time.process_time() - start < 2.5 * REGEX_TIMEOUT  # four patterns, each timing out: 4 ×
    assert "timed_out" in finding.data and finding.sender == "张" * 46 + "!"


def test_a_pattern_may_use_a_part_the_policy_adds():
    rule = make(NicknamePattern, pattern="{branch}-{name}", parts={"branch": r"\p{Han}{2}分公司"})
    assert senders(rule, "苏州分公司-张三", "销售部-李四") == ["销售部-李四"]


@pytest.mark.parametrize("pattern", ["{name:>999999999}", "{dept!r}-{name}", "{{name}}", "{dept}-{name}}", "{name[0]}"])
def test_only_plain_placeholders(pattern):
    with pytest.raises(ValidationError, match="only plain placeholders|unknown part"):
        NicknamePattern.Options.model_validate({"pattern": pattern})
