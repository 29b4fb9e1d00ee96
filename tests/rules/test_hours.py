from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from chataudit.records import Kind, Location, Message
from chataudit.rules.hours import OffHours
from tests.timeline import make, run, timeline


def flagged(rule, *lines):
    return [f.ts.strftime("%Y-%m-%d %H:%M:%S") for f in run(rule, timeline(*lines))]


@pytest.mark.parametrize(("clock", "quiet"), [
    ("21:59:59", False), ("22:00:00", True), ("23:59:59", True), ("00:00:00", True),
    ("03:00:00", True), ("07:29:59", True), ("07:30:00", False), ("12:00:00", False),
])
def test_default_overnight_range_boundaries(clock, quiet):
    rule = make(OffHours)
    found = flagged(rule, f"2023-10-09 {clock} 销售部-张三 / 报表已发")
    assert bool(found) is quiet


def test_finding_names_the_range_and_the_time():
    [finding] = run(make(OffHours), timeline("2023-10-08 22:41:05 销售部-张三 / 明天的报表我发群里了"))
    assert finding.sender == "销售部-张三"
    assert finding.message.en == "Posted at 22:41, inside quiet hours 22:00–07:30"
    assert "22:00–07:30" in finding.message.zh and "22:41" in finding.message.zh
    assert finding.excerpt == "明天的报表我发群里了"


def test_second_seed_range_2330():
    rule = make(OffHours, quiet=[["23:30", "07:30"]])
    assert not flagged(rule, "2023-10-09 23:29:59 a部-张三 / x")
    assert flagged(rule, "2023-10-09 23:30:00 a部-张三 / x")


def test_daytime_range_is_half_open():
    rule = make(OffHours, quiet=[["12:00", "13:30"]])
    assert flagged(rule, "2023-10-09 12:00:00 a部-张三 / x", "2023-10-09 13:29:59 a部-张三 / x",
                   "2023-10-09 13:30:00 a部-张三 / x", "2023-10-09 11:59:59 a部-张三 / x") == [
        "2023-10-09 12:00:00", "2023-10-09 13:29:59"]


def test_overnight_range_belongs_to_the_day_it_starts():
    # 2023-10-13 is a Friday: Fri 23:00 and Sat 01:00 are quiet on weekdays-only; Sat 23:00 and Mon 01:00 are not.
    rule = make(OffHours, days=["mon", "tue", "wed", "thu", "fri"])
    assert flagged(rule,
                   "2023-10-13 23:00:00 a部-张三 / 周五晚",
                   "2023-10-14 01:00:00 a部-张三 / 周六凌晨",
                   "2023-10-14 23:00:00 a部-张三 / 周六晚",
                   "2023-10-16 01:00:00 a部-张三 / 周一凌晨") == ["2023-10-13 23:00:00", "2023-10-14 01:00:00"]


def test_all_day_weekends_and_holidays():
    rule = make(OffHours, all_day=["sat", "sun", "2023-10-02"])
    found = run(rule, timeline("2023-10-14 12:00:00 a部-张三 / 周六中午",
                               "2023-10-02 10:00:00 a部-张三 / 国庆",
                               "2023-10-16 10:00:00 a部-张三 / 周一上午"))
    assert [f.ts.day for f in found] == [14, 2]
    assert found[0].message.en == "Posted at 12:00, inside quiet hours all day"


def test_times_are_read_in_the_policy_time_zone():
    utc = ZoneInfo("UTC")
    msg = Message("g", datetime(2023, 10, 9, 14, 30, tzinfo=utc), "a部-张三", Kind.TEXT, "x", Location("p", 1))
    assert run(make(OffHours), [msg])  # 14:30 UTC is 22:30 in Shanghai
    assert not run(make(OffHours, tz=utc), [msg])


def test_exempt_members_may_post():
    rule = make(OffHours, exempt=["客服部-值班"])
    assert not flagged(rule, "2023-10-09 23:00:00 客服部-值班 / 夜班交接")


def test_system_events_are_not_posts():
    assert not flagged(make(OffHours), '2023-10-09 23:00:00 [system] "张三"撤回了一条消息')


@pytest.mark.parametrize("options", [
    {"quiet": [["22:00", "22:00"]]}, {"quiet": [["25:00", "07:30"]]}, {"days": []},
    {"days": ["monday"]}, {"quiet": "22:00-07:30"},
])
def test_bad_options_are_rejected(options):
    with pytest.raises(ValidationError):
        OffHours.Options.model_validate(options)


def test_24_00_is_the_end_of_the_day():
    rule = make(OffHours, quiet=[["20:00", "24:00"]])
    assert OffHours.Options.model_validate({"quiet": [["20:00", "24:00"]]}).quiet[0][1] == time.max
    assert flagged(rule, "2023-10-09 23:59:59 a部-张三 / x") and not flagged(rule, "2023-10-09 00:00:01 a部-张三 / x")


@given(st.lists(st.tuples(st.times(), st.times()).filter(lambda r: r[0] != r[1]), min_size=1, max_size=3),
       st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), min_size=1, unique=True),
       st.lists(st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2023, 1, 20)), max_size=40))
@settings(max_examples=200, deadline=None)
def test_the_per_day_memo_answers_like_the_full_check(quiet, days, moments):
    """T501 remembers its answer per day and boundary slot; it must never differ."""
    rule = make(OffHours, quiet=quiet, days=days)
    for moment in sorted(moments):
        local = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        assert rule._quiet_window_memo(local) == rule.quiet_window(local)
