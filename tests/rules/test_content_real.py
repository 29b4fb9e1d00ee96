"""The false alarms and misses issue #16 lists, from auditing real messages: each is a test."""

import pytest

from chataudit.engine import audit
from chataudit.jobs.eval import content_rule_ids
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules
from tests.timeline import record


@pytest.fixture(scope="module")
def rules():
    return build_rules(load_policy(None), content_rule_ids())


def flagged(rules, text: str) -> set[str]:
    return {f.rule for f in audit([record(f"2023-10-11 10:00:00 测试部-张三 / {text}")], rules)}


@pytest.mark.parametrize("text", ["楼盘大堂全石材铺装", "今天的食材很新鲜", "设计师采用了新方案", "点开始菜单里的设置",
                                  "市财政局的通知已转发", "宣传教育活动下周开始", "孩子要听他妈的话"])
def test_sounds_and_seams_of_words_are_not_hits(rules, text):
    assert flagged(rules, text) == set()


@pytest.mark.parametrize("text", ["不要吸毒", "好像赌博一样刺激", "他挪用公款用于赌博被判刑",
                                  "重申群规：禁止发布色情、赌博、毒品等内容", "提醒大家防范网络赌博诈骗"])
def test_prohibition_negation_report_and_comparison_are_not_violations(rules, text):
    assert "C401" not in flagged(rules, text)


def test_a_plain_visit_service_is_business(rules):
    assert flagged(rules, "空调维修提供免费上门服务") == set()


@pytest.mark.parametrize("text", ["订单号 110105194912310021 已发货", "保单号：11010519491231002X 已生效",
                                  "客服热线 13812345678 有问题找他们"])
def test_labelled_order_policy_and_hotline_numbers_are_not_personal_data(rules, text):
    assert "C406" not in flagged(rules, text)


def test_hedge_words_in_a_harmless_post_are_not_rumour(rules):
    assert flagged(rules, "据说这家店口味正宗，周末去试试") == set()
    assert "C407" in flagged(rules, "据说公司下个月要裁员")


def test_a_link_stops_at_full_width_punctuation(rules):
    from chataudit.text.urls import find_links

    assert [link.url for link in find_links("下载 http://45.76.12.9/a.apk，明天装")] == ["http://45.76.12.9/a.apk"]
    assert [link.url for link in find_links("见 https://x.cn/s/abc：明天开会")] == ["https://x.cn/s/abc"]


@pytest.mark.parametrize("text", ["全场8折，欢迎选购", "全场五折", "国庆促销，欢迎惠顾", "详询 0571-88886666",
                                  "代开发票，税点低", "低息贷款，快速放款", "麻将透视作弊器，包教包会", "满300减50，低至5折"])
def test_spam_families_are_advertising(rules, text):
    assert "C402" in flagged(rules, text)


@pytest.mark.parametrize("text", ["价格砍到八折客户才同意", "客户问能不能打折，我说请示一下", "发票已寄出", "打车去客户那边，发票回来报"])
def test_discounts_and_invoices_in_work_talk_are_not_ads(rules, text):
    assert "C402" not in flagged(rules, text)


@pytest.mark.parametrize("text", ["河南人都是骗子，一个都不能信，离他们远点", "女人就是头发长见识短，只配在家带孩子",
                                  "黑人都是懒惰的，只会偷东西和抢劫"])
def test_attacks_on_a_group_without_a_swear_word_are_found_by_the_model(rules, text):
    findings = audit([record(f"2023-10-11 10:00:00 测试部-张三 / {text}")], rules)
    model = [f for f in findings if f.rule == "C403"]
    assert model and model[0].data["score"] >= 0.7 and model[0].data["ngrams"] and model[0].data["review"] is True


@pytest.mark.parametrize("text", ["人渣", "你这个贱人", "绿茶婊"])
def test_common_slurs_are_abuse(rules, text):
    assert "C403" in flagged(rules, f"{text}，滚")


def test_model_findings_can_be_violations_and_have_a_threshold(tmp_path):
    text = "河南人都是骗子，一个都不能信，离他们远点"

    def c403(settings: str) -> list:
        policy = tmp_path / "p.toml"
        policy.write_text(f'[policy]\nname = "t"\n[rules.C403]\n{settings}\n', encoding="utf-8")
        return list(audit([record(f"2023-10-11 10:00:00 测试部-张三 / {text}")], build_rules(load_policy(policy), ["C403"])))

    [violation] = c403('model_findings = "violation"')
    assert violation.data["review"] is False
    assert c403("model_threshold = 1.0") == []
    assert c403("model = false") == []
