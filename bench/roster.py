"""Roster matching speed: unknown senders looked up in a large HR roster (issue 15, item 7).

    python bench/roster.py [--sizes ROWS:SENDERS ...] [--seed N]

For each size it writes a deterministic roster CSV (工号, 姓名, 部门, 状态, 微信号) and a list of
display names nobody on the roster has: a third differ by one character from an employee
(张伟 / 张玮 style, "did you mean" finds them), a third sound like one, a third are unrelated.
It times reading the roster, then ``Roster.identify`` on every sender (what M102/M103/M108
and the fix list do per member), and prints how many got a "did you mean" suggestion.
Defaults: 5,000 × 500 and 100,000 × 1,000.

    python bench/roster.py --bomb [MiB]

Peak memory (max RSS of a child process) of reading an XLSX roster whose sharedStrings part is
an 830 KB deflate bomb expanding to MiB (default 800) of text, as ``read_roster`` sees it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from chataudit.roster import read_roster

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢") + [
    "欧阳", "司马", "上官", "诸葛"]
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚飞玲鹏辉斌宇浩凯健俊帆瑶婷雪琳晨欣怡佳琪秀英华慧建国红"
         "文志海波宁兰玉春梅云峰军庆东生金龙成")
SOUNDS_LIKE = {"伟": "玮", "芳": "方", "静": "敬", "丽": "莉", "强": "墙", "磊": "蕾", "军": "君", "洋": "阳", "杰": "洁",
               "涛": "滔", "明": "鸣", "超": "潮", "平": "萍", "刚": "钢", "飞": "菲", "玲": "铃", "鹏": "朋", "辉": "晖",
               "宇": "雨", "浩": "昊", "凯": "楷", "俊": "峻", "婷": "亭", "琳": "林", "欣": "新", "佳": "家", "华": "化"}
DEPTS = ["销售部", "市场部", "财务部", "技术部", "客服部", "采购部", "行政人事部", "人资中心", "华东门店", "研发中心"]


def make_roster(rows: int, rng: random.Random, path: Path) -> list[str]:
    names = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["工号", "姓名", "部门", "状态", "微信号"])
        for i in range(rows):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            names.append(name)
            out.writerow([f"E{i:06d}", name, rng.choice(DEPTS), "离职" if rng.random() < 0.08 else "在职", f"wxid_{i}"])
    return names


def unknown_senders(count: int, names: list[str], rng: random.Random) -> list[str]:
    known = set(names)
    senders: list[str] = []
    while len(senders) < count:
        base = rng.choice(names)
        kind = len(senders) % 3
        if kind == 0:  # one character off
            i = rng.randrange(len(base))
            name = base[:i] + rng.choice(GIVEN) + base[i + 1:]
        elif kind == 1:  # sounds the same
            name = "".join(SOUNDS_LIKE.get(ch, ch) for ch in base)
        else:
            name = rng.choice("甲乙丙丁") + "".join(rng.choice("戊己庚辛壬癸子丑寅卯") for _ in range(2))
        if name not in known:
            senders.append(f"{rng.choice(DEPTS)}-{name}")
    return senders


def run(rows: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        names = make_roster(rows, rng, path)
        senders = unknown_senders(count, names, rng)
        start = time.perf_counter()
        roster = read_roster(path)
        read = time.perf_counter() - start
        start = time.perf_counter()
        first = roster.identify(senders[0])
        one = time.perf_counter() - start
        start = time.perf_counter()
        suggested = sum(bool(roster.identify(s).near) for s in senders)
        lookups = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    assert first.employee is None
    print(f"{rows:>9,} {count:>8,} {read:9.2f} {one:10.3f} {lookups:10.2f} {lookups / count * 1000:10.2f} "
          f"{suggested:>10,} {rss:>8}")


SST = b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def xlsx_bomb(path: Path, mib: int) -> None:
    """A valid one-sheet workbook (姓名 / 张三, as shared strings) whose sharedStrings.xml
    holds a third string of ``mib`` MiB of "A": about 1 KB compressed per MiB expanded."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["x"])
    plain = io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                                    f"</Types>".encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Type="{SST_REL}" Target="sharedStrings.xml" '
                                    f'Id="rId99"/></Relationships>'.encode())
            elif info.filename == "xl/worksheets/sheet1.xml":
                start, end = data.index(b"<sheetData>"), data.index(b"</sheetData>")
                data = (data[:start].replace(b'"A1:A1"', b'"A1:A2"') + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                        b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>' + data[end:])
            out.writestr(info, data)
        part = zipfile.ZipInfo("xl/sharedStrings.xml")
        part.compress_type = zipfile.ZIP_DEFLATED
        with out.open(part, "w", force_zip64=True) as fh:
            fh.write(SST + "<si><t>姓名</t></si><si><t>张三</t></si><si><t>".encode())
            block = b"A" * (1024 * 1024)
            for _ in range(mib):
                fh.write(block)
            fh.write(b"</t></si></sst>")


def bomb(mib: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bomb.xlsx"
        xlsx_bomb(path, mib)
        code = ("import resource, time\nfrom pathlib import Path\nfrom chataudit.roster import read_roster\n"
                "start = time.perf_counter()\ntry:\n    r = read_roster(Path(%r)); outcome = f'read, {len(r.employees)} row(s)'\n"
                "except Exception as exc:\n    outcome = f'{type(exc).__name__}: {exc}'\n"
                "print(f'{time.perf_counter() - start:.2f}', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, outcome)"
                % str(path))
        seconds, peak, outcome = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                check=True).stdout.split(" ", 2)
        print(f"XLSX sharedStrings bomb: {path.stat().st_size / 1024:,.0f} KB expanding to {mib:,} MiB")
        print(f"  read_roster: {seconds} s, peak {peak} MB (max RSS of the process)\n  outcome: {outcome.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["5000:500", "100000:1000"],
                        help="ROSTER_ROWS:UNKNOWN_SENDERS pairs")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--bomb", type=int, nargs="?", const=800, metavar="MiB",
                        help="measure an XLSX sharedStrings bomb instead")
    args = parser.parse_args()
    if args.bomb:
        bomb(args.bomb)
        return
    print(f"{'roster':>9} {'senders':>8} {'read s':>9} {'first s':>10} {'all s':>10} {'ms/sender':>10} "
          f"{'suggested':>10} {'peak MB':>8}")
    for size in args.sizes:
        rows, count = (int(n) for n in size.split(":"))
        run(rows, count, args.seed)
    print(f"\n'first s' is the first lookup (it builds the index); 'all s' covers every sender after it.\n"
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {os.uname().machine}")


if __name__ == "__main__":
    main()
