"""M106 and M107 from system lines."""

from chataudit.policy.schema import Roles
from chataudit.rules.membership import UnauthorizedInvite, UnauthorizedLeave
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
