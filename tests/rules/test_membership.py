"""M106 and M107 from system lines."""

from chataudit.policy.schema import Roles
from chataudit.rules.membership import JoinRaid, UnauthorizedInvite, UnauthorizedLeave
from tests.timeline import HOUSE_ROLES, make, run, timeline


def test_invites_by_members_are_flagged_and_by_admins_not():
    found = run(make(UnauthorizedInvite, roles=HOUSE_ROLES), timeline(
        '2023-10-12 16:20:00 [system] "销售部-刘洋"邀请"赵小明、钱多多"加入了群聊',
        '2023-10-12 16:21:00 [system] "人资中心-李敏"邀请"行政人事部-孙丽"加入了群聊',
        '2023-10-12 16:22:00 [system] "赵小明"通过扫描"销售部-刘洋"分享的二维码加入群聊'))
    assert [(f.sender, f.data["invited"]) for f in found] == [("销售部-刘洋", ["赵小明", "钱多多"]),
                                                              ("销售部-刘洋", ["赵小明"])]
    assert found[0].message.zh == "未经群主或管理员同意，邀请“赵小明、钱多多”进群"
    assert found[1].message.zh == "未经群主或管理员同意，分享二维码让“赵小明”进群"


def test_qrcode_joins_can_be_allowed():
    assert run(make(UnauthorizedInvite, roles=HOUSE_ROLES, count_qrcode=False), timeline(
        '2023-10-12 16:22:00 [system] "赵小明"通过扫描"销售部-刘洋"分享的二维码加入群聊')) == []


def test_the_exporting_account_you():
    line = '2023-10-12 16:20:00 [system] 你邀请"王五"加入了群聊'
    assert run(make(UnauthorizedInvite, roles=HOUSE_ROLES), timeline(line)) == []
    named = Roles(owner="人资中心-李敏", admins=["人资中心-李敏"], exporter="销售部-刘洋")
    [f] = run(make(UnauthorizedInvite, roles=named), timeline(line))
    assert f.sender == "销售部-刘洋"
    admin_exporter = Roles(owner="人资中心-李敏", exporter="人资中心-李敏")
    assert run(make(UnauthorizedInvite, roles=admin_exporter), timeline(line)) == []


def test_leaving_is_flagged_but_being_removed_is_not():
    found = run(make(UnauthorizedLeave), timeline('2023-10-13 17:30:00 [system] "采购部-吴刚"退出了群聊',
                                                  '2023-10-13 17:31:00 [system] 你将"赵小明"移出了群聊'))
    assert [(f.sender, f.message.zh) for f in found] == [("采购部-吴刚", "“采购部-吴刚”擅自退出群聊")]
    assert run(make(UnauthorizedLeave, exempt=["采购部-吴刚"]),
               timeline('2023-10-13 17:30:00 [system] "采购部-吴刚"退出了群聊')) == []


# ---- M109 join raid ----------------------------------------------------------------------------

def _joins(minutes: list[int], inviter: str = "销售部-刘洋") -> list[str]:
    return [f"2023-10-12 16:{m:02d}:00 [system] \"{inviter}\"邀请\"新人{i}\"加入了群聊" for i, m in enumerate(minutes)]


def test_five_joins_in_ten_minutes_is_a_raid_naming_who_and_by_whom():
    [f] = run(make(JoinRaid, roles=HOUSE_ROLES), timeline(*_joins([0, 2, 4, 6, 8, 9])))
    assert f.sender == "销售部-刘洋" and f.data["joined"] == ["新人0", "新人1", "新人2", "新人3", "新人4"]
    assert "销售部-刘洋 5人" in f.message.zh


def test_joins_spread_over_more_than_the_window_are_not_a_raid():
    assert run(make(JoinRaid, roles=HOUSE_ROLES), timeline(*_joins([0, 3, 6, 9, 10]))) == []  # 0 is outside (0, 10]
    assert run(make(JoinRaid, roles=HOUSE_ROLES), timeline(*_joins([0, 11, 22, 33, 44]))) == []


def test_an_admin_adding_a_batch_of_new_staff_is_not_a_raid():
    assert run(make(JoinRaid, roles=HOUSE_ROLES), timeline(*_joins([0, 1, 2, 3, 4], inviter="人资中心-李敏"))) == []
