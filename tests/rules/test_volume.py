"""S301–S304 and S307 on realistic bursts, at their boundaries."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from chataudit.formats.base import placeholder_kind
from chataudit.records import Kind, Location, Message
from chataudit.policy.schema import Roles
from chataudit.rules.volume import (
    BurstCounter, Flood, LongMessage, MediaFlood, MentionSpam, RepeatedContent, TrivialRedPacket,
)
from chataudit.text.normalize import count_zi
from tests.timeline import SHANGHAI, make, run, timeline


def burst(sender: str, seconds: list[float], text: str = "在吗", start=datetime(2023, 10, 11, 11, 0, tzinfo=SHANGHAI)):
    return [Message("群", start + timedelta(seconds=s), sender, placeholder_kind(text), text,
                    Location("t", i + 1)) for i, s in enumerate(seconds)]


# ---- S301 flood --------------------------------------------------------------------------------

def test_five_messages_inside_ten_seconds():
    [f] = run(make(Flood), burst("客服部-黄婷", [0, 2, 4, 6, 8]))
    assert f.loc.line == 5 and f.message.zh == "10 秒内连续发送 5 条消息（刷屏）"


def test_five_messages_over_exactly_ten_seconds_is_not_a_flood():
    assert run(make(Flood), burst("客服部-黄婷", [0, 2.5, 5, 7.5, 10])) == []


def test_ten_in_a_minute_is_the_second_threshold():
    [f] = run(make(Flood), burst("客服部-黄婷", [i * 6 for i in range(10)]))
    assert f.data["count"] == 10 and "1 分钟" in f.message.zh


def test_one_finding_per_burst_and_a_new_burst_after_a_pause():
    times = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] + [100, 101, 102, 103, 104]
    assert [f.loc.line for f in run(make(Flood), burst("客服部-黄婷", times))] == [5, 15]


def test_bursts_are_per_sender():
    msgs = sorted(burst("甲部-张三", [0, 2, 4]) + burst("乙部-李四", [1, 3, 5]), key=lambda m: m.ts)
    assert run(make(Flood), msgs) == []


def test_custom_thresholds_and_exempt():
    assert run(make(Flood, thresholds=[[3, "5s"]]), burst("a部-甲乙", [0, 1, 2]))
    assert run(make(Flood, exempt=["群机器人"]), burst("群机器人", [0, 1, 2, 3, 4])) == []


@pytest.mark.parametrize("thresholds", [[], [[1, "10s"]], [[5, "0s"]], [[5, "soon"]]])
def test_bad_thresholds(thresholds):
    with pytest.raises(ValueError):
        Flood.Options.model_validate({"thresholds": thresholds})


# ---- S303 media flood --------------------------------------------------------------------------

def test_media_flood_counts_images_videos_and_stickers_not_text():
    pictures = burst("采购部-吴刚", [0, 4, 8, 12, 16], "[图片]")
    [f] = run(make(MediaFlood), pictures)
    assert f.message.zh == "1 分钟内连续发送 5 张图片/视频/表情"
    texts = burst("采购部-吴刚", [0, 4, 8, 12, 16], "看图")
    assert run(make(MediaFlood), texts) == []


def test_sticker_and_emoji_only_floods():
    assert len(run(make(MediaFlood), burst("采购部-吴刚", [0, 4, 8, 12, 16], "[表情包]"))) == 1
    assert len(run(make(MediaFlood), burst("采购部-吴刚", [0, 4, 8, 12, 16], "👍👍 🙏🏻"))) == 1
    assert run(make(MediaFlood), burst("采购部-吴刚", [0, 4, 8, 12, 16], "好的👍")) == []  # words with an emoji
    assert run(make(MediaFlood, emoji_only=False), burst("采购部-吴刚", [0, 4, 8, 12, 16], "👍")) == []
    assert run(make(MediaFlood, kinds=["image"]), burst("采购部-吴刚", [0, 4, 8, 12, 16], "[表情包]")) == []


def test_media_spread_over_a_minute_is_fine():
    assert run(make(MediaFlood), burst("采购部-吴刚", [0, 15, 30, 45, 60], "[图片]")) == []


# ---- S302 repeated content ---------------------------------------------------------------------

AD = "新店开业，全场五折，欢迎捧场！"


def test_same_text_with_other_punctuation_width_and_emoji_is_a_repeat():
    found = run(make(RepeatedContent), timeline(
        f"2023-10-11 16:30:00 市场部-周杰 / {AD}",
        "2023-10-11 16:35:00 市场部-周杰 / 新店开业 全场五折 欢迎捧场🎉🎉",
        "2023-10-11 16:40:00 市场部-周杰 / ｎｅｗ店开业，全场五折，欢迎捧场！"))
    assert [f.loc.line for f in found] == [2]
    assert found[0].message.zh == "与 10-11 16:30 发布的内容重复"


def test_period_boundary_one_day():
    at = lambda stamp: f"{stamp} 市场部-周杰 / {AD}"
    assert run(make(RepeatedContent), timeline(at("2023-10-11 16:30:00"), at("2023-10-12 16:30:00")))
    assert not run(make(RepeatedContent), timeline(at("2023-10-11 16:30:00"), at("2023-10-12 16:30:01")))


def test_short_acknowledgements_and_media_never_repeat():
    assert run(make(RepeatedContent), timeline(*(f"2023-10-11 09:0{i}:00 销售部-张伟 / {t}"
                                                 for i, t in enumerate(["收到", "收到", "好的收到", "好的收到", "[图片]", "[图片]"])))) == []


def test_scope_sender_or_group():
    lines = (f"2023-10-11 16:30:00 市场部-周杰 / {AD}", f"2023-10-11 16:31:00 销售部-刘洋 / {AD}")
    assert run(make(RepeatedContent), timeline(*lines)) == []
    [f] = run(make(RepeatedContent, scope="group"), timeline(*lines))
    assert f.sender == "销售部-刘洋" and "市场部-周杰 已发过" in f.message.zh


def test_numbers_still_tell_messages_apart():
    assert run(make(RepeatedContent), timeline("2023-10-11 09:00:00 行政人事部-孙丽 / 请大家明天9点到三楼会议室",
                                               "2023-10-11 10:00:00 行政人事部-孙丽 / 请大家明天10点到三楼会议室")) == []


# ---- S304 long message -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "zi"), [
    ("收到", 2), ("收到，马上整理。", 8), ("Q3销售报表 ready", 6), ("见 https://example.com/a?b=1 谢谢", 3),
    ("2023年Q3 销售额 1,200 万", 8),
])
def test_counting_zi(text, zi):
    assert count_zi(text) == zi


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_counting_zi_never_exceeds_the_characters(text):
    """S304 skips counting any text no longer than the limit; that shortcut relies on this."""
    assert count_zi(text) <= len(text)


def test_limit_boundary():
    assert run(make(LongMessage), timeline("2023-10-11 10:00:00 客服部-黄婷 / " + "字" * 200)) == []
    [f] = run(make(LongMessage), timeline("2023-10-11 10:00:00 客服部-黄婷 / " + "字" * 201))
    assert f.data["length"] == 201 and "超过 200 字上限" in f.message.zh


def test_links_and_quotes_do_not_count():
    link = "https://pan.example.com/s/" + "a" * 300
    assert run(make(LongMessage), timeline(f"2023-10-11 10:00:00 客服部-黄婷 / 资料见 {link}")) == []


# ---- S307 red packets --------------------------------------------------------------------------

def test_red_packet_spam_and_small_amounts():
    packets = burst("销售部-刘洋", [0, 120, 240], "[红包]")
    packets = [Message(m.group, m.ts, m.sender, Kind.RED_PACKET, m.text, m.loc) for m in packets]
    [f] = run(make(TrivialRedPacket), packets)
    assert f.message.zh == "10 分钟内连续发送 3 个红包"
    cent = Message("群", packets[0].ts, "销售部-刘洋", Kind.RED_PACKET, "[红包]", Location("t", 1), amount=0.01)
    [small] = run(make(TrivialRedPacket), [cent])
    assert small.message.zh == "红包金额 0.01 元，低于 1 元"
    fine = Message("群", packets[0].ts, "销售部-刘洋", Kind.RED_PACKET, "[红包]", Location("t", 1), amount=1.0)
    assert run(make(TrivialRedPacket), [fine]) == []


def test_burst_state_does_not_grow_with_the_number_of_senders():
    """A million one-message senders held a million queues (issue #15, item 6): a key whose
    last event is older than the longest window is dropped, and results are unchanged."""
    counter = BurstCounter([(5, timedelta(seconds=10)), (10, timedelta(seconds=60))])
    start = datetime(2023, 10, 9, 9, 0, tzinfo=SHANGHAI)
    for i in range(20_000):
        assert counter.add(("群", f"销售部-员工{i}"), start + timedelta(seconds=i)) is None
    assert len(counter.times) <= 2_048
    burst = [counter.add(("群", "销售部-张三"), start + timedelta(seconds=20_000 + i)) for i in range(5)]
    assert burst[:4] == [None] * 4 and burst[4] == (5, timedelta(seconds=10))


def test_a_swept_sender_in_a_burst_starts_clean():
    counter = BurstCounter([(2, timedelta(seconds=10))])
    start = datetime(2023, 10, 9, 9, 0, tzinfo=SHANGHAI)
    assert counter.add(("群", "张三"), start) is None
    assert counter.add(("群", "张三"), start + timedelta(seconds=1)) == (2, timedelta(seconds=10))
    for i in range(3_000):  # others post long after: 张三's state is swept
        counter.add(("群", f"员工{i}"), start + timedelta(minutes=5, seconds=i))
    assert ("群", "张三") not in counter.times and ("群", "张三") not in counter.in_burst
    later = start + timedelta(hours=2)
    assert counter.add(("群", "张三"), later) is None
    assert counter.add(("群", "张三"), later + timedelta(seconds=1)) == (2, timedelta(seconds=10))


def test_repeated_content_keeps_a_small_key_not_the_message():
    rule = make(RepeatedContent)
    long_text = "新店开业，全场五折，欢迎捧场！" * 50
    run(rule, timeline(f"2023-10-11 16:30:00 市场部-周杰 / {long_text}"))
    (key, (_, _, first_sender)), = rule.recent.items()
    assert len(key[2]) == 16 and first_sender == "市场部-周杰"


def test_a_repeat_counts_from_the_last_posting_whatever_other_senders_post():
    """Reposted every 20 hours, content is a repeat each time; what other people post in
    between does not decide when it is forgotten."""
    rule = make(RepeatedContent)
    found = run(rule, timeline(
        "2023-10-09 09:00:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！",
        "2023-10-09 10:00:00 财务部-陈静 / 三季度的发票已经全部开好了",
        "2023-10-10 05:00:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！",
        "2023-10-10 06:00:00 财务部-陈静 / 三季度的发票已经全部开好了",
        "2023-10-11 01:00:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！",
        "2023-10-12 09:00:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！"))
    assert [(f.sender, f.ts.strftime("%d %H")) for f in found] == [
        ("市场部-周杰", "10 05"), ("财务部-陈静", "10 06"), ("市场部-周杰", "11 01")]


# ---- S308 mention spam -------------------------------------------------------------------------

PEOPLE = ["销售部-张伟", "销售部-王磊", "财务部-陈静", "技术部-刘洋", "客服部-黄婷", "行政人事部-孙丽"]


def test_more_than_five_people_mentioned_is_spam_five_is_not():
    six = " ".join(f"@{p}" for p in PEOPLE) + " 都来捧场"
    five = " ".join(f"@{p}" for p in PEOPLE[:5]) + " 都来捧场"
    [f] = run(make(MentionSpam), timeline(f"2023-10-10 10:00:00 市场部-周杰 / {six}"))
    assert f.data["mentions"] == 6
    assert run(make(MentionSpam), timeline(f"2023-10-10 10:00:00 市场部-周杰 / {five}")) == []
    assert run(make(MentionSpam, max_mentions=6), timeline(f"2023-10-10 10:00:00 市场部-周杰 / {six}")) == []


def test_at_all_only_from_owner_admins_and_leaders_when_the_policy_names_them():
    roles = Roles(owner="人资中心-李敏", admins=["人资中心-李敏"], leaders=["王建国"])
    msg = "@所有人 下午三点开会"
    assert len(run(make(MentionSpam, roles=roles), timeline(f"2023-10-10 10:00:00 市场部-周杰 / {msg}"))) == 1
    for sender in ("王建国", "人资中心-李敏"):
        assert run(make(MentionSpam, roles=roles), timeline(f"2023-10-10 10:00:00 {sender} / {msg}")) == []
    assert run(make(MentionSpam, roles=Roles()), timeline(f"2023-10-10 10:00:00 市场部-周杰 / {msg}")) == []
    assert run(make(MentionSpam, roles=roles, exempt=["市场部-周杰"]),
               timeline(f"2023-10-10 10:00:00 市场部-周杰 / {msg}")) == []
