"""`chataudit members`, the roster and member-list readers, and roster checks in audits."""

import json

import re

import pytest

from chataudit.errors import InputError
from chataudit.roster import read_member_list, read_roster
from tests.conftest import ROOT, SAMPLE
from tests.memory import peak_mib_of

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


# ---- hostile rosters and member lists (issue 15, items 5, 6 and 7) ------------------------------

def _workbook(tmp_path, rows, name="roster.xlsx"):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / name)
    return tmp_path / name


def _rewrite(path, change):
    """The same workbook with some parts' bytes changed (the zip itself stays valid)."""
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as src:
        for info in src.infolist():
            parts[info.filename] = change(info.filename, src.read(info))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_a_truncated_xlsx_sheet_is_one_input_error_not_a_partial_roster(tmp_path, cli):
    """A roster cut short would make every employee after the cut "not on the roster" (and
    the fix list would say remove them): the whole file is refused, naming where it broke."""
    path = _workbook(tmp_path, [["姓名", "部门"]] + [[f"员工{i}", "销售部"] for i in range(300)])
    _rewrite(path, lambda name, data: data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(InputError, match=r"the workbook is damaged after row \d+ \(ParseError\); no row of it was used"):
        read_roster(path)
    (tmp_path / "list.txt").write_text("销售部-员工1\n", encoding="utf-8")
    for args in (("members", "list.txt", "--roster", "roster.xlsx"), ("members", "roster.xlsx")):
        result = cli(*args)
        assert result.code == 2 and "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
        assert "roster.xlsx" in result.err and "damaged after row" in result.err, result.err


def test_a_sheet_with_a_bad_crc_is_an_input_error(tmp_path):
    import zipfile

    path = _workbook(tmp_path, [["姓名"], ["张三"], ["李四"]])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x55  # inside the sheet's data
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="roster.xlsx: (not a readable .xlsx workbook|the workbook is damaged)"):
        read_roster(path)


def _shared_strings_bomb(path, mib):
    """A workbook whose sharedStrings part is one string of ``mib`` MiB of "A" (1 KB packed per MiB)."""
    import io
    import zipfile

    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")
    book = openpyxl.Workbook()
    book.active.append(["x"])
    plain = io.BytesIO()
    book.save(plain)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/strings.xml" ContentType="{kind}"/></Types>'.encode())
            out.writestr(info, data)
        part = zipfile.ZipInfo("xl/strings.xml")  # not the usual name: found as openpyxl finds it
        part.compress_type = zipfile.ZIP_DEFLATED
        with out.open(part, "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            for _ in range(mib):
                fh.write(b"A" * 1024 * 1024)
            fh.write(b"</t></si></sst>")


def test_an_xlsx_shared_strings_bomb_is_refused_before_it_is_unpacked(tmp_path):
    """830 KB expanding to GBs peaked at 1.9 GB; the sizes the zip declares are checked first
    (bench/roster.py --bomb measures the peak: 43 MB now)."""
    path = tmp_path / "bomb.xlsx"
    _shared_strings_bomb(path, 40)  # over the 32 MiB a part read whole may unpack to
    assert path.stat().st_size < 100_000
    said, peak = peak_mib_of(
        "import sys, time\nfrom pathlib import Path\nfrom chataudit.errors import InputError\n"
        "from chataudit.roster import read_roster\nstart = time.monotonic()\n"
        "try:\n    read_roster(Path(sys.argv[1]))\nexcept InputError as exc:\n    print(exc)\n"
        "print(round(time.monotonic() - start))", str(path), timeout=120)
    error, seconds = said.rsplit("\n", 1)
    assert re.search(r"refused: part xl/strings.xml would unpack from [\d,]+ to [\d,]+ bytes", error), error
    assert int(seconds) < 10 and peak < 100  # MiB: nothing was unpacked (40 MiB would be)


def test_a_deflate_ratio_no_sheet_reaches_is_refused(tmp_path):
    import zipfile

    path = _workbook(tmp_path, [["姓名"], ["张三"]])
    _rewrite(path, lambda name, data: data.replace(b"</worksheet>", b"<!--" + b" " * 3_000_000 + b"--></worksheet>")
             if name == "xl/worksheets/sheet1.xml" else data)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 200 * info.compress_size
    with pytest.raises(InputError, match="200:1 packed"):
        read_roster(path)


def test_a_sheet_that_declares_its_size_wrongly(tmp_path):
    """<dimension ref="A1:XFD1048576"/> padded every row to 16,384 cells and made a million
    empty rows (minutes); a dimension too small dropped rows silently. Both are ignored now."""
    import time

    path = _workbook(tmp_path, [["姓名", "部门"], ["张三", "销售部"], ["李四", "财务部"]])
    _rewrite(path, lambda name, data: data.replace(b'<dimension ref="A1:B3"', b'<dimension ref="A1:XFD1048576"')
             if name == "xl/worksheets/sheet1.xml" else data)
    start = time.monotonic()
    assert [e.name for e in read_roster(path).employees] == ["张三", "李四"]
    assert time.monotonic() - start < 10
    _rewrite(path, lambda name, data: data.replace(b'<dimension ref="A1:XFD1048576"', b'<dimension ref="A1:A2"')
             if name == "xl/worksheets/sheet1.xml" else data)
    assert [(e.name, e.dept) for e in read_roster(path).employees] == [("张三", "销售部"), ("李四", "财务部")]


def test_a_row_number_beyond_what_a_sheet_holds(tmp_path):
    import time

    path = _workbook(tmp_path, [["姓名"], ["张三"]])
    _rewrite(path, lambda name, data: data.replace(b'<row r="2"', b'<row r="99999999"').replace(b'r="A2"', b'r="A99999999"')
             if name == "xl/worksheets/sheet1.xml" else data)
    start = time.monotonic()
    with pytest.raises(InputError, match="beyond what a sheet holds"):
        read_roster(path)
    assert time.monotonic() - start < 30


def test_csv_rosters_that_cannot_be_read_whole(tmp_path):
    (tmp_path / "bytes.csv").write_bytes("姓名\n".encode() + "张三\n".encode() * 30_000 + b"\xff\xfe\n")
    with pytest.raises(InputError, match="not valid utf-8 on line 30002"):
        read_roster(tmp_path / "bytes.csv")
    (tmp_path / "many.txt").write_bytes(b"a\n" * 1_048_577)
    with pytest.raises(InputError, match="more than 1,048,576 rows"):
        read_member_list(tmp_path / "many.txt")


def test_did_you_mean_is_indexed_and_unchanged():
    """The same suggestions as the scan over every employee it replaced: same sound (张伟 /
    张玮), one character off in a longer name, same length only, current employees first."""
    from chataudit.roster import Employee, Roster

    roster = Roster("r.csv", [Employee(2, "张伟", dept="销售部"), Employee(3, "张伟", dept="市场部", current=False),
                              Employee(4, "张薇"), Employee(5, "欧阳娜娜"), Employee(6, "欧阳娜姗"),
                              Employee(7, "Tom Li", account="wx_tom"), Employee(8, "司马相如")])
    assert [e.row for e in roster.identify("销售部-张玮").near] == [2, 4, 3]
    assert [e.row for e in roster.identify("欧阳娜莎").near] == [5, 6]
    assert roster.identify("欧阳娜").near == [] and roster.identify("张").near == []
    assert roster.identify("客服部司马相如").employee.row == 8  # the name at the end of 部门姓名
    assert roster.identify("x", "wx_tom").employee.row == 7


def test_roster_lookups_stay_fast_on_a_large_roster():
    """500 unknown senders against 5,000 rows took 3 min 21 s (bench/roster.py measures both sizes)."""
    import random
    import time

    from chataudit.roster import Employee, Roster

    rng = random.Random(7)
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚飞玲鹏辉斌宇浩凯健俊帆瑶婷雪琳晨欣怡佳琪"
    employees = [Employee(i + 2, rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(given) + rng.choice(given))
                 for i in range(5000)]
    roster = Roster("r.csv", employees)
    start = time.process_time()
    near = [roster.identify(f"销售部-{rng.choice('甲乙丙')}{rng.choice(given)}{rng.choice(given)}").near for _ in range(500)]
    assert time.process_time() - start < 10
    assert any(near)
