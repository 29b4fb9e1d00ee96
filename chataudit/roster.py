"""Membership lists and HR rosters: CSV, XLSX or TXT, with Chinese or English headers.

A roster row is an employee (工号, 姓名, 部门, 职务/岗位, 状态 在职/离职/试用, 入职/离职日期,
微信号); a member-list row is a group member (群昵称, 微信号, 备注, 入群时间, 邀请人; WeCom admin
exports say 姓名, 账号, 部门). Nothing is guessed: a file without a recognisable name column,
or a roster with one employee id twice, is an error naming the file, row and column.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from chataudit.errors import InputError
from chataudit.formats.encoding import decode_head, detect_encoding, read_head
from chataudit.formats.tabular import pick_column
from chataudit.records import Member
from chataudit.text.pinyin import spell

ROSTER_COLUMNS = {
    "id": ("工号", "员工编号", "员工号", "编号", "employee_id", "employee id", "emp_id", "id"),
    "name": ("姓名", "员工姓名", "名字", "name", "full name", "real_name"),
    "dept": ("部门", "所属部门", "中心", "department", "dept"),
    "title": ("职务", "岗位", "职位", "title", "role", "position", "job title"),
    "status": ("状态", "在职状态", "员工状态", "status", "employment status"),
    "joined": ("入职日期", "入职时间", "hire date", "joined", "start date"),
    "left": ("离职日期", "离职时间", "leave date", "left", "end date", "termination date"),
    "account": ("微信号", "企业微信账号", "账号", "wxid", "wechat", "userid", "account"),
}
MEMBER_COLUMNS = {
    "name": ("群昵称", "群名片", "昵称", "显示名", "成员", "姓名", "name", "nickname", "display name", "member"),
    "id": ("微信号", "wxid", "账号", "userid", "qq号", "qq", "id", "account"),
    "remark": ("备注", "remark"),
    "joined": ("入群时间", "加入时间", "joined", "join time"),
    "inviter": ("邀请人", "inviter", "invited by"),
    "dept": ("部门", "department"),
}
DEPARTED = ("离职", "已离职", "辞职", "解聘", "退休", "left", "terminated", "inactive", "resigned", "former")
CURRENT = ("在职", "试用", "试用期", "实习", "正式", "active", "employed", "current", "probation", "intern")


@dataclass(frozen=True, slots=True)
class Employee:
    row: int
    name: str
    emp_id: str = ""
    dept: str = ""
    title: str = ""
    current: bool = True
    account: str = ""


@dataclass(slots=True)
class Roster:
    path: str
    employees: list[Employee]
    _by_name: dict[str, list[Employee]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for emp in self.employees:
            self._by_name.setdefault(norm(emp.name), []).append(emp)

    def named(self, name: str) -> list[Employee]:
        return self._by_name.get(norm(name), [])

    def by_account(self, account: str | None) -> Employee | None:
        if not account:
            return None
        return next((e for e in self.employees if e.account and e.account == account), None)

    def identify(self, display_name: str, account: str | None = None) -> "Identity":
        """Who a display name (or account) is: by account, else by the name part of
        部门-姓名 / 部门姓名 / 姓名, preferring the employee whose department it names."""
        by_account = self.by_account(account)
        if by_account is not None:
            return Identity(by_account, by_account.name, _dept_part(display_name, by_account.name), [])
        dept, name = _split(display_name)
        if not self.named(name):
            suffix = max((e.name for e in self.employees if display_name.strip().endswith(e.name)), key=len, default="")
            if suffix:
                dept, name = display_name.strip()[: -len(suffix)].strip(SEPARATORS + " "), suffix
        found = self.named(name)
        if found:
            best = sorted(found, key=lambda e: (not same_department(e.dept, dept), not e.current, e.row))[0]
            return Identity(best, name, dept, [])
        return Identity(None, name, dept, self.near(name))

    def near(self, name: str, limit: int = 3) -> list[Employee]:
        """Employees a name was probably meant to be, for "did you mean": the same sound
        (张伟 / 张玮, typed with a pinyin IME), or one character off in a longer name."""
        key, sound = norm(name), _sound(name)
        found = [e for e in self.employees if norm(e.name) != key and len(norm(e.name)) == len(key)
                 and (_sound(e.name) == sound or (len(key) >= 3 and _one_off(norm(e.name), key)))]
        return sorted(found, key=lambda e: (not e.current, e.row))[:limit]


SEPARATORS = "-－—–‐‑+＋_·"


@dataclass(frozen=True, slots=True)
class Identity:
    employee: Employee | None
    name: str  # the name part of the display name
    dept: str  # the department part, "" when there is none
    near: list[Employee]  # "did you mean" when nobody matched


def _split(display_name: str) -> tuple[str, str]:
    text = display_name.strip()
    cut = max(text.rfind(sep) for sep in SEPARATORS)
    return (text[:cut].strip(), text[cut + 1:].strip()) if cut > 0 else ("", text)


def _dept_part(display_name: str, name: str) -> str:
    text = display_name.strip()
    return text[: -len(name)].strip(SEPARATORS + " ") if text.endswith(name) else _split(text)[0]


def norm(text: str) -> str:
    """Names compare after width folding, case folding and without spaces or dots."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "·•・.")


def same_department(a: str, b: str) -> bool:
    return bool(a) and bool(b) and norm(a) == norm(b)


def similar_department(a: str, b: str) -> bool:
    """销售部 / 销售一部: close enough to suggest, not equal."""
    return not same_department(a, b) and difflib.SequenceMatcher(None, norm(a), norm(b)).ratio() >= 0.75


def _sound(name: str) -> tuple[str, ...]:
    return tuple(spell(norm(name)))


def _one_off(a: str, b: str) -> bool:
    return a != b and sum(x != y for x, y in zip(a, b, strict=True)) == 1


# ---- reading tables -----------------------------------------------------------------------------

def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (row number, cells) of a CSV, XLSX or TXT file (TXT: one name a line)."""
    if not path.is_file():
        raise InputError("file not found", where=str(path), fix="check the path")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    head = read_head(path)
    encoding = detect_encoding(head, path)
    text = path.read_text(encoding=encoding)
    if path.suffix.lower() == ".txt" and "," not in decode_head(head, encoding).split("\n", 1)[0]:
        lines = [(n, [line.strip()]) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        return ["name"], iter(lines)
    reader = csv.reader(text.splitlines())
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    return header, ((n, row) for n, row in enumerate(reader, 2) if any(c.strip() for c in row))


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        import openpyxl
    except ImportError:
        raise InputError("reading .xlsx needs openpyxl", where=str(path),
                         fix="pip install 'chataudit[xlsx]', or save the sheet as CSV") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__})", where=str(path),
                         fix="open and re-save it in Excel, or save it as CSV") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(c) for c in next(rows, ())]
    return header, ((n, [_cell(c) for c in row]) for n, row in enumerate(rows, 2) if any(c is not None for c in row))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]], path: Path, kind: str) -> dict[str, int]:
    found = {key: header.index(col) for key, synonyms in wanted.items() if (col := pick_column(header, synonyms))}
    if "name" not in found:
        raise InputError(f"no name column in this {kind} (columns: {', '.join(header[:12]) or 'none'})",
                         where=f"{path}, row 1",
                         fix=f"name the column {' or '.join(wanted['name'][:3])}")
    return found


def _field(row: list[str], cols: dict[str, int], key: str) -> str:
    index = cols.get(key)
    return row[index].strip() if index is not None and index < len(row) else ""


def read_roster(path: Path) -> Roster:
    header, rows = _rows(path)
    cols = _columns(header, ROSTER_COLUMNS, path, "roster")
    employees: list[Employee] = []
    seen_ids: dict[str, int] = {}
    for number, row in rows:
        def get(key: str) -> str:
            return _field(row, cols, key)

        name = get("name")
        if not name:
            continue
        emp_id = get("id")
        if emp_id and emp_id in seen_ids:
            column = header[cols["id"]]
            raise InputError(f"employee id {emp_id} appears twice (rows {seen_ids[emp_id]} and {number}, column {column})",
                             where=str(path), fix="each employee needs one row with a unique id")
        if emp_id:
            seen_ids[emp_id] = number
        employees.append(Employee(row=number, name=name, emp_id=emp_id, dept=get("dept"), title=get("title"),
                                  current=_is_current(get("status"), get("left")), account=get("account")))
    return Roster(str(path), employees)


def _is_current(status: str, left: str) -> bool:
    lowered = status.casefold()
    if any(word in lowered for word in DEPARTED) and not lowered.startswith("未"):
        return False
    if left:
        try:
            return date.fromisoformat(left[:10].replace("/", "-")) > date.today()
        except ValueError:
            return False
    return True


def read_member_list(path: Path) -> list[tuple[int, Member]]:
    header, rows = _rows(path)
    cols = _columns(header, MEMBER_COLUMNS, path, "member list")
    members = []
    for number, row in rows:
        def get(key: str) -> str:
            return _field(row, cols, key)

        if get("name"):
            extra = {k: get(k) for k in ("remark", "dept") if get(k)}
            members.append((number, Member(name=get("name"), id=get("id") or None, inviter=get("inviter") or None,
                                           extra=extra)))
    return members
