"""The false alarms and misses issue #16 lists, from auditing real messages: each is a test."""

import json
import os
import subprocess
import sys

import pytest

from chataudit.engine import audit
from chataudit.jobs.eval import content_rule_ids
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules
from chataudit.text.classifier import han_count
from chataudit.text.urls import find_links
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


@pytest.mark.parametrize("text", ["价格砍到八折客户才同意", "客户问能不能打折，我说请示一下", "发票已寄出", "打车去客户那边，发票回来报",
                                  "记得开发票，报销要用"])
def test_discounts_and_invoices_in_work_talk_are_not_ads(rules, text):
    assert "C402" not in flagged(rules, text)


@pytest.mark.parametrize("text", [
    "地铁口精装公寓，89-120平，首付5万起，看房热线 0571-88886666",
    "无抵押免担保，当天放款，有需要请联系刘经理 13812345678",
    "暑期辅导班火热招生，名师授课，免费试听，报名电话 0571-88886666",
    "正规发票可开，税点低，需要请电 13812345678",
    "【优品商城】年终大促，全场包邮，回T退订",
    "今日带会员建仓，明日必涨，切勿追高，合作电话 020-12345678",
    "店庆三天，进店有礼，满200送50，欢迎新老顾客光临选购 88886666",
])
def test_spam_families_pile_up_cues(rules, text):
    assert "C402" in flagged(rules, text)


@pytest.mark.parametrize("text", [
    "客户详询请联系我", "报价单已发", "优惠政策已经报给客户了", "退订了那个会议室",
    "客户详询请联系我，报价单已发，优惠政策也报给他们了", "下周新员工培训班报名，名额有限，请抓紧",
    "这个户型的首付是多少，客户在问", "理财产品的收益率报表已更新", "项目融资方案下周汇报，贷款利率待确认",
    "明天上午新品发布会，欢迎各部门参加", "公司年会抽奖，奖品很丰富，欢迎家属参加", "新店开业的物料清单已发，店长确认一下",
    "年终奖考核细则详见附件，有疑问联系人事 88886666", "楼盘二期开盘方案已定稿，户型图和均价表在共享盘，销售部周五前熟悉",
    "各位同事：下周三下午在三楼会议室举办新品发布会，欢迎各部门派人参加，会后有抽奖环节，奖品丰富",
    "严禁在群内发布代开发票、贷款、理财等广告，违者清退", "群内禁止发布贷款、促销等广告信息",
])
def test_work_talk_with_a_cue_or_two_is_not_an_ad(rules, text):
    assert "C402" not in flagged(rules, text)


@pytest.mark.parametrize("text", ["双色球专家推荐，每期稳中，群里报名", "福彩3D内部精准预测，免费领取今日号码", "排列三计划群，导师带单"])
def test_lottery_tips_are_advertising(rules, text):
    assert "C402" in flagged(rules, text)


@pytest.mark.parametrize("text", ["双色球又没中，下期再买", "体彩中心推荐的公益活动下周开始", "福彩中心2024年工作计划已下发",
                                  "彩票店今天中了个小奖"])
def test_talk_about_a_lottery_is_not_a_tip(rules, text):
    assert "C402" not in flagged(rules, text)


@pytest.mark.parametrize("text", ["回复TD退订", "【某某证券】晨报：指数震荡，关注消费板块，投资建议仅供参考，回复N退订",
                                  "【某某职场】张三在平台上给您发了消息，请打开客户端查看 回复N退订",
                                  "您的验证码是482913，五分钟内有效，请勿告诉他人。回T退订"])
def test_a_sign_off_alone_is_a_mass_message_not_an_ad(rules, text):
    assert "C402" not in flagged(rules, text)


@pytest.mark.parametrize("text", ["【优品商城】年终大促，全场包邮，回T退订", "会员日到店有礼，退订回复TD",
                                  "新品首发，点击领取，回复N退订"])
def test_a_sign_off_beside_one_selling_cue_is_an_ad(rules, text):
    assert "C402" in flagged(rules, text)


def test_cues_can_be_turned_off(tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text('[policy]\nname = "t"\n[rules.C402]\nmin_cues = 0\n', encoding="utf-8")
    text = "暑期辅导班火热招生，名师授课，免费试听，报名电话 0571-88886666"
    assert "C402" in flagged(build_rules(load_policy(None), ["C402"]), text)
    assert list(audit([record(f"2023-10-11 10:00:00 测试部-张三 / {text}")], build_rules(load_policy(policy), ["C402"]))) == []


@pytest.mark.parametrize("text", ["招商信诺温馨提醒您：警惕非法集资、保险欺诈、洗钱等违法行为，增强风险防范及维权意识，谨防上当受骗。",
                                  "全国交通安全日，请您自觉抵制超速、超载、酒驾、毒驾、闯红灯、不礼让斑马线等交通违法行为，安全出行"])
def test_a_public_warning_is_not_abuse_for_the_model(rules, text):
    assert "C403" not in flagged(rules, text)


def test_an_insult_outside_a_warning_is_still_found_by_the_model(rules):
    assert "C403" in flagged(rules, "不接我电话的人才恶心")


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


@pytest.mark.parametrize(("text", "url"), [
    ("(见 http://x.cn/a.apk)", "http://x.cn/a.apk"),  # a closing bracket of the prose is not the link's
    ("下载 http://x.cn/a.apk.", "http://x.cn/a.apk"),
    ("http://1.2.3.4/x.exe!", "http://1.2.3.4/x.exe"),
    ("http://en.wikipedia.org/wiki/Foo_(bar)", "http://en.wikipedia.org/wiki/Foo_(bar)"),  # balanced: kept
])
def test_links_end_before_the_sentence_punctuation_after_them(text, url):
    assert [link.url for link in find_links(text)] == [url]


def test_sentence_punctuation_keeps_two_clauses_apart(rules):
    """The normaliser removes separators between Chinese characters (赌.博), but a full-width
    comma or stop ends a clause: it is kept, and two clauses never join into a word."""
    from chataudit.text.normalize import normalize

    assert normalize("我们赌，博物馆见").text == "我们赌，博物馆见"
    assert normalize("好，好！好？").text == "好，好！好？"
    assert normalize("赌.博").text == "赌博"
    assert "C401" not in flagged(rules, "这局我们赌，博物馆见")


@pytest.mark.parametrize(("text", "count"), [
    ("\u33ff\u3400\u4dbf\u4dc0", 2),  # Extension A, both ends, and the characters just outside it
    ("\u4dff\u4e00\u9fff\ua000", 2),  # the Unified Ideographs, both ends
    ("你好 hello，世界！", 4), ("\U00020000𠀀", 0),  # Extension B is not what the model was trained on
])
def test_the_model_counts_the_chinese_characters_it_was_trained_on(text, count):
    assert han_count(text) == count


SCORES = """
import json, sys
from chataudit.text.classifier import abuse_model
print(json.dumps([repr(abuse_model().score(text).score) for text in json.loads(sys.stdin.read())]))
"""


def test_the_model_scores_a_text_alike_in_every_process():
    """String hashes are salted per process, so the n-grams of a text come out of their set in
    another order each run; the score must not depend on it (a plain sum did, in the last digit)."""
    texts = [f"这些{place}人素质太差了，开会迟到早退还不服管，领导说了多少次都没用，真是让人头疼{n}"
             for n, place in enumerate(["外地", "河南", "东北", "农村", "新来"] * 4)]
    runs = [subprocess.run([sys.executable, "-c", SCORES], input=json.dumps(texts), capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")]
    assert runs[0] == runs[1] == runs[2] and len(json.loads(runs[0])) == 20
