"""Issue #16 item 6: the cases behind each library swap, kept or not (docs/performance.md,
"Library swaps"). python-stdnum gives the resident-ID check character; tldextract and cn2an were
measured slower, so the cases they get right are fixed in the hand-written code."""

import pytest

from chataudit.engine import audit
from chataudit.policy.extract import extract
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules
from chataudit.text.numbers import to_number
from chataudit.text.pii import find_personal_data, valid_resident_id
from chataudit.text.urls import find_links
from tests.timeline import record


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", "440305199003079991",
                                    "440305197003071237"])  # born 1970, in a district code from 1990
def test_real_resident_ids_pass_the_check_character(number):
    assert valid_resident_id(number)


@pytest.mark.parametrize("number", ["110105194912310021", "440305199003079992", "440305197003071230"])
def test_a_wrong_check_character_is_not_an_id(number):
    assert not valid_resident_id(number)


def test_a_province_without_that_county_is_still_read_without_error():
    # stdnum's ric.is_valid raises KeyError here; only its check character is used
    assert [p.kind for p in find_personal_data("身份证 110199199001011232")] == ["id"]


@pytest.fixture(scope="module")
def deny_rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "p.toml"
    path.write_text('[rules.C404]\ndeny_domains = ["example.com", "example.co.uk", "xn--fsqu00a.com"]\n',
                    encoding="utf-8")
    return build_rules(load_policy(path), ["C404"])


def c404(rules, text: str) -> list[str]:
    return [f.message.en for f in audit([record(f"2023-10-11 10:00:00 测试部-张三 / {text}")], rules)]


@pytest.mark.parametrize("text", ["见 https://a.b.example.co.uk/x", "见 docs.example.com/a", "见 http://xn--fsqu00a.com/a"])
def test_a_deny_listed_domain_and_its_subdomains_are_flagged(deny_rules, text):
    assert c404(deny_rules, text) == [f"Deny-listed domain: {text.removeprefix('见 ')}"]


@pytest.mark.parametrize("text", ["见 notexample.com/a", "见 example.community/a", "见 https://example.com.evil.cn/a"])
def test_a_name_that_only_contains_a_deny_listed_domain_is_not_flagged(deny_rules, text):
    assert c404(deny_rules, text) == []


def test_a_top_level_domain_ends_its_label():
    assert [link.host for link in find_links("example.community/x 和 example.cn1 和 example.com.")] == ["example.com"]


@pytest.mark.parametrize(("numeral", "value"), [("一千五", 1500), ("一万五", 15000), ("两百五", 250), ("一万五千五", 15500),
                                                ("一千零五", 1005), ("一万零五", 10005), ("十五", 15), ("三千五百", 3500)])
def test_a_digit_right_after_a_unit_counts_in_the_unit_below(numeral, value):
    assert to_number(numeral) == value


def test_a_colloquial_limit_in_a_regulation():
    assert extract("内容请在一千五字以内，超过则使用链接分享。").get("rules.S304.max_chars") == 1500
