"""Membership lists and HR rosters: CSV, XLSX or TXT, with Chinese or English headers.

A roster row is an employee (工号, 姓名, 部门, 职务/岗位, 状态 在职/离职/试用, 入职/离职日期,
微信号); a member-list row is a group member (群昵称, 微信号, 备注, 入群时间, 邀请人; WeCom admin
exports say 姓名, 账号, 部门). Nothing is guessed: a file without a recognisable name column,
or a roster with one employee id twice, is an error naming the file, row and column.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from chataudit.errors import InputError
from chataudit.formats.encoding import HEAD_BYTES, decode_head, detect_encoding
from chataudit.formats.tabular import pick_column
from chataudit.records import Member
from chataudit.safefile import MiB, read_regular
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
    """The employees, indexed once so that a lookup costs about the same on a roster of
    100,000 as on one of 100: by normalised name, by account, by name as written (for the
    name at the end of 部门姓名), and — built on the first "did you mean" — by sound and by
    every name with one character blanked out (see ``near``)."""

    path: str
    employees: list[Employee]
    _by_name: dict[str, list[Employee]] = field(default_factory=dict)
    _by_account: dict[str, Employee] = field(default_factory=dict)
    _written: set[str] = field(default_factory=set)
    _longest: int = 0
    _by_sound: dict[tuple[int, tuple[str, ...]], list[Employee]] | None = None
    _by_gap: dict[tuple[int, str], list[Employee]] | None = None
    _lengths: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for emp in self.employees:
            self._by_name.setdefault(norm(emp.name), []).append(emp)
            if emp.account:
                self._by_account.setdefault(emp.account, emp)  # the first row with it, as a scan finds
            self._written.add(emp.name)
        self._longest = max((len(e.name) for e in self.employees), default=0)

    def named(self, name: str) -> list[Employee]:
        return self._by_name.get(norm(name), [])

    def by_account(self, account: str | None) -> Employee | None:
        if not account:
            return None
        return self._by_account.get(account)

    def identify(self, display_name: str, account: str | None = None) -> "Identity":
        """Who a display name (or account) is: by account, else by the name part of
        部门-姓名 / 部门姓名 / 姓名, preferring the employee whose department it names."""
        by_account = self.by_account(account)
        if by_account is not None:
            return Identity(by_account, by_account.name, _dept_part(display_name, by_account.name), [])
        dept, name = _split(display_name)
        if not self.named(name):
            suffix = self._longest_suffix(display_name.strip())
            if suffix:
                dept, name = display_name.strip()[: -len(suffix)].strip(SEPARATORS + " "), suffix
        found = self.named(name)
        if found:
            best = sorted(found, key=lambda e: (not same_department(e.dept, dept), not e.current, e.row))[0]
            return Identity(best, name, dept, [])
        return Identity(None, name, dept, self.near(name))

    def _longest_suffix(self, text: str) -> str:
        """The longest employee name, as written, that ``text`` ends with ("" if none)."""
        for length in range(min(len(text), self._longest), 0, -1):
            if text[-length:] in self._written:
                return text[-length:]
        return ""

    def near(self, name: str, limit: int = 3) -> list[Employee]:
        """Employees a name was probably meant to be, for "did you mean": the same sound
        (张伟 / 张玮, typed with a pinyin IME), or one character off in a longer name.

        Both are dictionary lookups: the sound of every name (pinyin, computed once per
        distinct name) and every name of three or more characters with each character in
        turn left out (张小伟 → 0:小伟, 1:张伟, 2:张小); two names one character apart share
        exactly one such key. Building both costs a few seconds per 100,000 rows (the
        pinyin), once, on the first unknown name; a lookup then costs microseconds."""
        if self._by_sound is None:
            self._index_near()
        key = norm(name)
        if len(key) not in self._lengths:  # nobody's name is that long: nothing to spell or cut (a 1 MB name)
            return []
        candidates = self._by_sound.get((len(key), _sound(name)), [])
        if len(key) >= 3:
            candidates = [*candidates, *(e for i in range(len(key)) for e in self._by_gap.get(_gap(key, i), ()))]
        found = {id(e): e for e in candidates if norm(e.name) != key}
        return sorted(found.values(), key=lambda e: (not e.current, e.row))[:limit]

    def _index_near(self) -> None:
        by_sound: dict[tuple[int, tuple[str, ...]], list[Employee]] = {}
        by_gap: dict[tuple[int, str], list[Employee]] = {}
        for key, employees in self._by_name.items():
            by_sound.setdefault((len(key), tuple(spell(key))), []).extend(employees)
            if len(key) >= 3:
                for i in range(len(key)):
                    by_gap.setdefault(_gap(key, i), []).extend(employees)
        self._by_sound, self._by_gap = by_sound, by_gap
        self._lengths = {len(key) for key in self._by_name if key}


def _gap(key: str, i: int) -> tuple[int, str]:
    """A name without its i-th character: equal for two names exactly when they agree
    everywhere but at i."""
    return i, key[:i] + key[i + 1:]


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


# ---- reading tables -----------------------------------------------------------------------------

TABLE_BYTES = 64 * MiB
"""The largest roster or member list read (CSV, TXT or XLSX as stored): a 100,000-row roster
is about 5 MB as CSV, 3 MB as XLSX."""
MAX_ROWS = 1_048_576  # what one Excel sheet holds; a CSV may not have more either
MAX_COLUMNS = 256  # columns read from a sheet; a roster needs a dozen
XLSX_EXPANDED = 256 * MiB  # every part of a workbook together, unpacked, as the zip declares it
XLSX_PART = 32 * MiB  # a part openpyxl reads whole (shared strings, styles, workbook), unpacked
XLSX_RATIO = 200  # unpacked ÷ packed for a part over 1 MiB: real sheets stay under 30; deflate bombs reach 1,000
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")  # streamed row by row, not held whole
_DAMAGED = "open and re-save it in Excel, or save it as CSV"


def _rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (row number, cells) of a CSV, XLSX or TXT file (TXT: one name a line).
    Only a regular file of at most TABLE_BYTES is read (never a device, pipe or folder)."""
    data = read_regular(path, limit=TABLE_BYTES, what="file", error=InputError, fix="check the path")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, data)
    head = data[:HEAD_BYTES]
    encoding = detect_encoding(head, path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"bytes that are not valid {encoding} on line {line}", where=str(path),
                         fix="re-save it in one encoding (UTF-8 recommended)") from None
    del data
    lines = io.StringIO(text, newline=None)
    if path.suffix.lower() == ".txt" and "," not in decode_head(head, encoding).split("\n", 1)[0]:
        return ["name"], _counted(path, ((n, [line.strip()]) for n, line in enumerate(lines, 1) if line.strip()))
    reader = csv.reader(lines)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    except csv.Error as exc:
        raise InputError(f"not readable as CSV on line 1 ({exc})", where=str(path), fix=_DAMAGED) from None
    return header, _counted(path, _csv_rows(path, reader))


def _csv_rows(path: Path, reader) -> Iterator[tuple[int, list[str]]]:
    number = 1
    try:
        for number, row in enumerate(reader, 2):
            if any(c.strip() for c in row):
                yield number, row
    except csv.Error as exc:  # a cell over the csv module's 128 KiB, a NUL byte
        raise InputError(f"not readable as CSV after row {number} ({exc})", where=str(path), fix=_DAMAGED) from None


def _counted(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """At most MAX_ROWS rows: memory stays bounded however many lines a file holds."""
    for count, (number, row) in enumerate(rows, 1):
        if count > MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS:,} rows (row {number})", where=str(path),
                             fix="split it, or keep only the rows a roster needs")
        yield number, row


def _xlsx_rows(path: Path, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        import openpyxl
    except ImportError:
        raise InputError("reading .xlsx needs openpyxl", where=str(path),
                         fix="pip install 'chataudit[xlsx]', or save the sheet as CSV") from None
    _check_xlsx_sizes(path, data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the size a sheet declares may be wrong (rows lost) or huge (A1:XFD1048576)
        first = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__})", where=str(path),
                         fix=_DAMAGED) from None
    header = [_cell(c) for c in first]
    while header and not header[-1]:
        header.pop()
    rows = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
    return header, _xlsx_body(path, book, rows)


def _xlsx_body(path: Path, book, rows) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header. A sheet that breaks off (truncated XML, a bad CRC) is an
    error, not the rows read so far: a roster cut short would make every employee after the
    cut "not on the roster" (to be removed), and a member list cut short would hide members
    and report present ones as missing, in a report that looks complete."""
    number = 1
    try:
        for number, row in enumerate(rows, 2):
            if number > MAX_ROWS:
                raise InputError(f"row {number:,} is beyond what a sheet holds ({MAX_ROWS:,} rows)",
                                 where=str(path), fix=_DAMAGED)
            if any(c is not None for c in row):
                yield number, [_cell(c) for c in row]
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"the workbook is damaged after row {number} ({type(exc).__name__}); no row of it was used",
                         where=str(path), fix=_DAMAGED) from None
    finally:
        book.close()


def _check_xlsx_sizes(path: Path, data: bytes) -> None:
    """Refuse a workbook whose parts would unpack to more than chataudit reads, from the sizes
    the zip declares (zipfile never unpacks more than that: a part that holds more fails its
    CRC check), before openpyxl opens it. openpyxl holds the shared strings and every part but
    the sheets in memory whole; the sheets are streamed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            strings = _shared_strings_part(archive)
    except Exception as exc:  # not a zip, or a broken [Content_Types].xml
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__})", where=str(path),
                         fix=_DAMAGED) from None
    total = 0
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        total += size
        whole = part.filename == strings or not _SHEET_PART.fullmatch(part.filename)
        if (whole and size > XLSX_PART) or size > XLSX_EXPANDED or (size > MiB and size > XLSX_RATIO * packed):
            raise InputError(f"refused: part {part.filename[:80]} would unpack from {packed:,} to {size:,} bytes "
                             f"(limits: {XLSX_PART // MiB} MiB for a part read whole, {XLSX_EXPANDED // MiB} MiB in "
                             f"all, {XLSX_RATIO}:1 packed)", where=str(path), fix="save the sheet as CSV")
    if total > XLSX_EXPANDED:
        raise InputError(f"refused: the workbook would unpack to {total:,} bytes (limit {XLSX_EXPANDED // MiB} MiB)",
                         where=str(path), fix="save the sheet as CSV")


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared-strings part, found as openpyxl finds it (from [Content_Types].xml)."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
    from openpyxl.xml.functions import fromstring

    info = archive.getinfo(ARC_CONTENT_TYPES)
    if info.file_size > MiB:
        raise ValueError("[Content_Types].xml over 1 MiB")
    found = Manifest.from_tree(fromstring(archive.read(info))).find(SHARED_STRINGS)
    return found.PartName[1:] if found is not None else None


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
