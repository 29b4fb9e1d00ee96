"""R201 and R202 on realistic exchanges, at their boundaries."""

from dataclasses import replace
from datetime import date

import pytest

from chataudit.rules.response import NoticeUnacknowledged, TaskResponseWindow
from tests.timeline import HOUSE_ROLES, make, run, timeline

TASK = "2023-10-11 09:00:00 王建国 / @财务部-陈静 上个月的回款明细今天中午前发我"


def r201(*lines, pending=False, **options):
    return run(make(TaskResponseWindow, roles=HOUSE_ROLES, **options), timeline(*lines), pending=pending)


# ---- R201 -------------------------------------------------------------------------------------

def test_reply_at_exactly_thirty_minutes_is_in_time():
    assert r201(TASK, "2023-10-11 09:30:00 财务部-陈静 / 好的") == []


def test_reply_one_second_late():
    [f] = r201(TASK, "2023-10-11 09:30:01 财务部-陈静 / 好的")
    assert f.sender == "财务部-陈静" and f.charged == ("财务部-陈静",)
    assert f.message.zh == "财务部-陈静 未在 30 分钟 内回复 王建国 的任务（截止 10-11 09:30:00），10-11 09:30:01 才回复，超时 1 分钟"
    assert f.message.en == ("财务部-陈静 did not answer 王建国's task within 30 min (due 10-11 09:30:00); "
                            "answered at 10-11 09:30:01, 1 min late")
    assert f.excerpt == "@财务部-陈静 上个月的回款明细今天中午前发我" and f.loc.line == 1
    assert f.data["answered"] == "2023-10-11T09:30:01+08:00"


def test_29_59_is_in_time_and_any_message_counts_even_zai_kan_le():
    assert r201(TASK, "2023-10-11 09:29:59 财务部-陈静 / 在看了") == []


def test_a_reply_by_the_wrong_person_does_not_count():
    [f] = r201(TASK, "2023-10-11 09:05:00 财务部-李会计 / 陈静在开会，我转告她",
               "2023-10-11 12:00:00 财务部-李会计 / 好")
    assert f.sender == "财务部-陈静" and "之后也未回复" in f.message.zh


def test_a_reply_in_another_group_does_not_answer_the_task():
    """A multi-group export (a WeCom archive, a generic CSV): the task is in its own group."""
    task, elsewhere, late = timeline(TASK, "2023-10-11 09:05:00 财务部-陈静 / 好的",
                                     "2023-10-11 10:00:00 财务部-陈静 / 发你了")
    elsewhere = replace(elsewhere, group="另一个群")
    [f] = run(make(TaskResponseWindow, roles=HOUSE_ROLES), [task, elsewhere, late])
    assert f.sender == "财务部-陈静" and f.data["answered"] == "2023-10-11T10:00:00+08:00"


def test_no_reply_is_reported_once_the_grace_period_has_passed():
    lines = (TASK, "2023-10-12 09:30:01 销售部-张伟 / 第二天")
    [f] = r201(*lines)
    assert f.data["answered"] is None


def test_a_task_still_in_its_window_at_the_end_is_pending():
    assert r201(TASK, "2023-10-11 09:10:00 销售部-张伟 / 别的事") == []
    [p] = r201(TASK, "2023-10-11 09:10:00 销售部-张伟 / 别的事", pending=True)
    assert p.pending and p.sender == "财务部-陈静" and "导出结束时仍在时限内" in p.message.zh


def test_overdue_at_the_end_of_the_export_is_a_violation():
    [f] = r201(TASK, "2023-10-11 09:40:00 销售部-张伟 / 别的事")
    assert not f.pending


def test_two_mentioned_people_are_each_responsible():
    found = r201("2023-10-12 09:10:00 王建国 / @市场部-周杰 @客服部-黄婷 投诉的事今天给我一个方案",
                 "2023-10-12 09:25:00 客服部-黄婷 / 上午出",
                 "2023-10-12 10:05:00 市场部-周杰 / 下午给您")
    assert [f.sender for f in found] == ["市场部-周杰"]


def test_overlapping_tasks_are_tracked_separately():
    found = r201("2023-10-11 09:00:00 王建国 / @销售部-张伟 合同今天发我",
                 "2023-10-11 09:20:00 人资中心-李敏 / @销售部-张伟 请把考勤表也确认一下",
                 "2023-10-11 09:45:00 销售部-张伟 / 合同和考勤表都在弄")
    # one reply answers both open tasks; only the first was already overdue
    assert [(f.sender, f.data["leader"]) for f in found] == [("销售部-张伟", "王建国")]


def test_mentions_without_a_separator_resolve_to_known_members():
    found = r201("2023-10-11 08:00:00 财务部-陈静 / 早",
                 "2023-10-11 09:00:00 王建国 / @财务部-陈静今天把明细发我",
                 "2023-10-11 09:50:00 财务部-陈静 / 已发")
    assert [f.sender for f in found] == ["财务部-陈静"]


def test_thanks_and_non_leaders_are_not_tasks():
    assert r201("2023-10-11 09:00:00 王建国 / @财务部-陈静 辛苦了",
                "2023-10-11 09:00:00 销售部-张伟 / @财务部-陈静 今天把明细发我",
                "2023-10-11 12:00:00 销售部-李四 / 好") == []


def test_a_task_to_a_department_without_a_mention():
    found = r201("2023-10-12 08:00:00 财务部-陈静 / 早", "2023-10-12 08:01:00 销售部-张伟 / 早",
                 "2023-10-12 14:30:00 王建国 / 请财务部今天下班前把报销全部处理完",
                 "2023-10-12 14:40:00 销售部-张伟 / 我的报销也在里面",
                 "2023-10-12 15:30:00 财务部-陈静 / 在处理了")
    assert [f.sender for f in found] == ["财务部-陈静"]


def test_a_task_naming_nobody_is_answered_by_anyone_but_its_author():
    found = r201("2023-10-12 14:30:00 王建国 / 请大家今天下班前把周报提交",
                 "2023-10-12 15:30:00 王建国 / 人呢？",
                 "2023-10-13 16:00:00 销售部-张伟 / 第二天")
    assert [(f.sender, f.charged) for f in found] == [(None, ())]
    assert found[0].message.zh.startswith("无人 未在 30 分钟 内回复")


def test_across_midnight_on_the_wall_clock():
    found = r201("2023-10-11 23:50:00 王建国 / @销售部-张伟 明天一早把合同发我",
                 "2023-10-12 00:20:00 销售部-张伟 / 好的")
    assert found == []
    [late] = r201("2023-10-11 23:50:00 王建国 / @销售部-张伟 明天一早把合同发我",
                  "2023-10-12 00:20:01 销售部-张伟 / 好的")
    assert "10-12 00:20:00" in late.message.zh


WORK = dict(clock="work", work_hours=[["09:00", "12:00"], ["13:30", "18:00"]])


def test_working_time_friday_evening_is_due_monday_morning():
    friday = "2023-10-13 21:50:00 王建国 / @销售部-张伟 周一把合同发我"
    assert r201(friday, "2023-10-16 09:30:00 销售部-张伟 / 好的", **WORK) == []
    [late] = r201(friday, "2023-10-16 09:30:01 销售部-张伟 / 好的", **WORK)
    assert "10-16 09:30:00" in late.message.zh and "工作时间 30 分钟" in late.message.zh


def test_working_time_skips_the_lunch_break():
    # 11:50 + 30 min of working time = 10 min before noon + 20 min after 13:30 → 13:50
    assert r201("2023-10-11 11:50:00 王建国 / @销售部-张伟 合同今天发我",
                "2023-10-11 13:50:00 销售部-张伟 / 好的", **WORK) == []


def test_working_time_with_policy_holidays():
    found = r201("2023-09-28 17:50:00 王建国 / @销售部-张伟 合同今天发我",
                 "2023-10-09 09:20:00 销售部-张伟 / 好的",
                 holidays=[date(2023, 9, 29 + i) for i in range(2)] + [date(2023, 10, d) for d in range(1, 9)],
                 **WORK)
    assert found == []  # 10 min on 9-28, 20 min on 10-09 (the holiday week and weekend skipped)


def test_working_time_with_the_chinese_calendar():
    pytest.importorskip("chinese_calendar", reason="the 'holidays' extra is not installed")
    # 2023-10-07 (Saturday) was a make-up workday (调休); 10-02 was a holiday
    on_makeup_day = r201("2023-10-07 17:50:00 王建国 / @销售部-张伟 合同今天发我",
                         "2023-10-09 09:21:00 销售部-张伟 / 好的", holiday_calendar="cn", **WORK)
    assert len(on_makeup_day) == 1  # due 10-09 09:20
    holiday = r201("2023-10-02 10:00:00 王建国 / @销售部-张伟 合同今天发我",
                   "2023-10-07 09:30:00 销售部-张伟 / 好的", holiday_calendar="cn", **WORK)
    assert holiday == []  # counted from 09:00 on 10-07


def test_leaders_can_be_named_by_id():
    from chataudit.policy.schema import Roles
    from chataudit.records import Kind, Message
    from tests.timeline import record

    task = record(TASK)
    by_id = Message(task.group, task.ts, "老板", Kind.TEXT, task.text, task.loc, sender_id="wxid_boss",
                    mentions=task.mentions)
    rule = make(TaskResponseWindow, roles=Roles(leaders=["wxid_boss"]))
    late = record("2023-10-11 10:00:00 财务部-陈静 / 好的")
    assert [f.sender for f in run(rule, [by_id, late])] == ["财务部-陈静"]


# ---- R202 -------------------------------------------------------------------------------------

NOTICE = "2023-10-10 09:40:00 人资中心-李敏 / @所有人 【通知】周五下午三点全员大会，请回复收到"
LATER = "2023-10-10 18:00:00 人资中心-李敏 / 下班前请关好门窗"  # closes every window of the morning
MEMBERS = ("2023-10-10 08:00:00 销售部-张伟 / 早", "2023-10-10 08:01:00 财务部-陈静 / 早",
           "2023-10-10 08:02:00 技术部-赵磊 / 早", "2023-10-10 08:03:00 王建国 / 早")


def r202(*lines, pending=False, **options):
    return run(make(NoticeUnacknowledged, roles=HOUSE_ROLES, **options), timeline(*lines), pending=pending)


def test_notice_lists_everyone_missing_in_one_finding():
    [f] = r202(*MEMBERS, NOTICE, "2023-10-10 09:41:00 销售部-张伟 / 收到",
               "2023-10-10 12:00:00 财务部-陈静 / 收到")  # too late
    assert f.sender == "人资中心-李敏" and f.data["missing"] == ["技术部-赵磊", "财务部-陈静"]
    assert f.charged == ("技术部-赵磊", "财务部-陈静")
    assert f.message.zh == "通知发出后 1 小时内以下 2 人未回复确认：技术部-赵磊、财务部-陈静"


def test_ack_at_the_deadline_counts_and_one_second_after_does_not():
    [f] = r202(*MEMBERS, NOTICE, "2023-10-10 10:40:00 销售部-张伟 / 收到", "2023-10-10 10:40:01 财务部-陈静 / 收到",
               "2023-10-10 10:40:02 技术部-赵磊 / 执行")
    assert f.data["missing"] == ["技术部-赵磊", "财务部-陈静"]


@pytest.mark.parametrize("ack", ["收到", "好的，准时到", "马上执行", "OK", "ｏｋ", "👌", "1", "嗯"])
def test_acknowledgement_words(ack):
    found = r202("2023-10-10 08:00:00 销售部-张伟 / 早", NOTICE, f"2023-10-10 09:45:00 销售部-张伟 / {ack}")
    assert found == []


@pytest.mark.parametrize("not_ack", ["在开会，晚点看", "好运连连", "11点前到"])
def test_other_replies_are_not_acknowledgements(not_ack):
    [f] = r202("2023-10-10 08:00:00 销售部-张伟 / 早", NOTICE, f"2023-10-10 09:45:00 销售部-张伟 / {not_ack}", LATER)
    assert f.data["missing"] == ["销售部-张伟"]


def test_two_notices_in_a_row_are_acknowledged_separately():
    found = r202(*MEMBERS, NOTICE,
                 "2023-10-10 09:41:00 销售部-张伟 / 收到", "2023-10-10 09:42:00 财务部-陈静 / 收到",
                 "2023-10-10 09:43:00 技术部-赵磊 / 收到",
                 "2023-10-10 09:50:00 人资中心-李敏 / @所有人 【通知】会议改到四点，请回复收到",
                 "2023-10-10 09:51:00 销售部-张伟 / 收到", LATER)
    assert [f.data["missing"] for f in found] == [["技术部-赵磊", "财务部-陈静"]]
    assert found[0].ts.minute == 50


def test_notice_by_pattern_without_at_all_and_only_from_leaders_or_admins():
    assert r202(*MEMBERS, "2023-10-10 09:40:00 人资中心-李敏 / 【通知】周五全员大会", LATER) != []
    assert r202(*MEMBERS, "2023-10-10 09:40:00 销售部-张伟 / @所有人 【通知】中午一起吃饭", LATER) == []


def test_people_who_joined_after_or_left_before_are_not_required():
    [f] = r202("2023-10-10 08:00:00 销售部-张伟 / 早", "2023-10-10 08:01:00 财务部-陈静 / 早",
               '2023-10-10 09:00:00 [system] "财务部-陈静"退出了群聊', NOTICE,
               '2023-10-10 10:00:00 [system] "人资中心-李敏"邀请"行政人事部-孙丽"加入了群聊',
               "2023-10-10 10:01:00 行政人事部-孙丽 / 大家好", LATER)
    assert f.data["missing"] == ["销售部-张伟"]


def test_executives_are_exempt_unless_the_policy_says_otherwise():
    found = r202("2023-10-10 08:03:00 王建国 / 早", NOTICE, "2023-10-10 12:00:00 王建国 / 大家辛苦")
    assert found == []
    [f] = r202("2023-10-10 08:03:00 王建国 / 早", NOTICE, "2023-10-10 12:00:00 王建国 / 大家辛苦",
               exempt_executives=False)
    assert f.data["missing"] == ["王建国"]


def test_a_notice_open_at_the_end_is_pending():
    assert r202(*MEMBERS, NOTICE) == []
    [p] = r202(*MEMBERS, NOTICE, pending=True)
    assert p.pending and "导出结束时仍在 1 小时 时限内" in p.message.zh


def test_leaders_can_come_from_roster_titles():
    from chataudit.policy.schema import Roles
    from tests.timeline import HOUSE_ROSTER

    roles = Roles(leader_titles=["总监", "总经理"])
    task = ("2023-10-11 09:00:00 人资中心-李敏 / @财务部-李四 考勤表今天发我", "2023-10-11 10:00:00 财务部-李四 / 好")
    [late] = run(make(TaskResponseWindow, roles=roles, roster=HOUSE_ROSTER), timeline(*task))
    assert late.sender == "财务部-李四"  # 李敏 is 人资总监 in the roster
    not_leader = ("2023-10-11 09:00:00 销售部-张三 / @财务部-李四 考勤表今天发我", "2023-10-11 10:00:00 财务部-李四 / 好")
    assert run(make(TaskResponseWindow, roles=roles, roster=HOUSE_ROSTER), timeline(*not_leader)) == []
