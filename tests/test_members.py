"""`chataudit members`, the roster and member-list readers, and roster checks in audits."""

import json

import pytest

from chataudit.errors import InputError
from chataudit.roster import read_member_list, read_roster
from tests.conftest import ROOT, SAMPLE

ROSTER = ROOT / "samples" / "roster" / "花名册.csv"
LIST = ROOT / "samples" / "members" / "华东销售中心工作群-成员.csv"
POLICY = ROOT / "samples" / "members" / "policy.toml"
EXPECTED = json.loads((ROOT / "samples" / "wechat" / "expected.json").read_text(encoding="utf-8"))


def test_the_sample_roster():
    roster = read_roster(ROSTER)
    assert len(roster.employees) == 230
    assert len({e.dept for e in roster.employees}) >= 8
    assert sum(not e.current for e in roster.employees) == 19
    assert [e.dept for e in roster.named("张伟")] == ["销售部", "市场部"]
    assert not roster.named("钱多多")[0].current and roster.named("孙丽")[0].current  # 离职 / 试用


def test_members_report_and_fix_list(cli):
    result = cli("members", LIST, "--policy", POLICY, "--output", "json")
    assert result.code == 1, result.err  # M102/M103 are errors
    report = json.loads(result.out)
    found = sorted((v["rule"], v["sender"]) for v in report["violations"])
    assert found == sorted([
        ("M101", "刘强"), ("M101", "技术部 马超"), ("M101", "小周周🌸"),
        ("M102", "小周周🌸"), ("M102", "销售部-张玮"), ("M103", "销售部-钱多多"),
        ("M104", "华东门店-郑爽"), ("M105", "销售部-张伟"), ("M108", "市场部-黄婷"),
    ])
    fixes = [(f["action"], f["member"], f["to"]) for f in report["fixes"]]
    assert fixes == [
        ("remove", "小周周🌸", None), ("remove", "销售部-张伟（wxid_zw_small）", None), ("remove", "销售部-钱多多", None),
        ("rename", "刘强", "销售部-刘强"), ("rename", "市场部-黄婷", "客服部-黄婷"), ("rename", "技术部 马超", "技术部-马超"),
        ("rename", "销售部-张玮", "销售部-张伟"), ("invite", "华东门店-郑爽", None),
    ]
    near = next(v for v in report["violations"] if v["sender"] == "销售部-张玮")
    assert "是否为：张伟（销售部）、张伟（市场部）" in near["message"]
    m104 = next(v for v in report["violations"] if v["rule"] == "M104")
    assert m104["source"]["path"].endswith("花名册.csv") and m104["source"]["line"] > 1
    assert report["inputs"][0]["format"] == "member-list"


def test_members_table_lists_the_fixes(cli):
    out = cli("members", LIST, "--policy", POLICY).out
    assert "整改清单" in out and "改名  刘强 → 销售部-刘强" in out and "邀请入群  华东门店-郑爽" in out
    assert "成员名单 18 人；共 9 项问题。" in out


def test_roster_option_overrides_the_policy(cli, tmp_path):
    (tmp_path / "r.csv").write_text("姓名,部门,状态\n刘强,销售部,在职\n", encoding="utf-8")
    report = json.loads(cli("members", LIST, "--policy", POLICY, "--roster", "r.csv", "--output", "json").out)
    assert ("M102", "销售部-张伟") in {(v["rule"], v["sender"]) for v in report["violations"]}


def test_membership_rebuilt_from_the_sample_export(cli, tmp_path):
    report = json.loads(cli("members", "--export", SAMPLE, "--policy", POLICY, "--output", "json",
                            "--select", "M101").out)
    flagged = {v["sender"] for v in report["violations"]}
    from chataudit.jobs.members import MembersRequest, membership_from_export
    from chataudit.policy.load import load_policy

    _, members, stats, fmt = membership_from_export(MembersRequest(policy=load_policy(POLICY), lang="zh", export=SAMPLE))
    assert sorted(m.name for _, m in members) == EXPECTED["members_at_end"]
    assert fmt == "wechat-txt" and stats.messages > 300
    assert flagged == {"刘强", "技术部 马超", "小周周🌸"}  # 王建国 is an executive; 赵小明 was removed


def test_audit_checks_senders_against_the_roster(cli):
    report = json.loads(cli("audit", SAMPLE, "--policy", ROOT / "samples" / "wechat" / "policy.toml",
                            "--select", "M102,M103", "--output", "json").out)
    assert sorted(v["sender"] for v in report["violations"]) == ["小周周🌸", "赵小明"]


def test_xlsx_roster_and_txt_member_list(tmp_path, cli):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Employee ID", "Name", "Department", "Title", "Status"])
    sheet.append(["E1", "张三", "销售部", "销售经理", "active"])
    sheet.append(["E2", "李四", "财务部", "财务总监", "left"])
    book.save(tmp_path / "roster.xlsx")
    roster = read_roster(tmp_path / "roster.xlsx")
    assert [(e.name, e.current) for e in roster.employees] == [("张三", True), ("李四", False)]
    (tmp_path / "list.txt").write_text("销售部-张三\n\n财务部-李四\n王五\n", encoding="utf-8")
    assert [m.name for _, m in read_member_list(tmp_path / "list.txt")] == ["销售部-张三", "财务部-李四", "王五"]
    report = json.loads(cli("members", "list.txt", "--roster", "roster.xlsx", "--output", "json").out)
    assert sorted((v["rule"], v["sender"]) for v in report["violations"]) == [
        ("M101", "王五"), ("M102", "王五"), ("M103", "财务部-李四")]


def test_gbk_roster_with_english_headers(tmp_path):
    (tmp_path / "r.csv").write_bytes("Name,Department,Status\n张三,销售部,在职\n".encode("gbk"))
    assert read_roster(tmp_path / "r.csv").employees[0].dept == "销售部"


def test_duplicate_employee_ids_name_the_rows_and_column(tmp_path):
    (tmp_path / "r.csv").write_text("工号,姓名\nE1,张三\nE2,李四\nE1,王五\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_roster(tmp_path / "r.csv")
    assert "employee id E1 appears twice (rows 2 and 4, column 工号)" in str(info.value)


def test_no_name_column_is_an_error_not_a_guess(tmp_path, cli):
    (tmp_path / "r.csv").write_text("编号,部门\nE1,销售部\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_roster(tmp_path / "r.csv")
    assert "no name column in this roster (columns: 编号, 部门)" in str(info.value) and "row 1" in str(info.value)
    result = cli("members", LIST, "--roster", "r.csv")
    assert result.code == 2 and "no name column" in result.err and "Traceback" not in result.err


def test_members_needs_a_list_or_an_export(cli):
    result = cli("members")
    assert result.code == 2 and "--export" in result.err
