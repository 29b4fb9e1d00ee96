"""Every reporter: golden files on the sample, and hostile content shown literally everywhere.

Golden files are rewritten with CHATAUDIT_UPDATE_GOLDEN=1 (then read the diff before committing)."""

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = "samples/wechat/华东销售中心工作群.txt"
POLICY = "samples/wechat/policy.toml"
TEXT_OUTPUTS = ["table", "json", "jsonl", "csv", "markdown", "html", "junit", "sarif"]


@pytest.mark.parametrize("output", TEXT_OUTPUTS)
def test_golden_report_of_the_sample(cli, output):
    result = cli("audit", SAMPLE, "--policy", POLICY, "--output", output, cwd=ROOT)
    assert result.code == 1 and result.err == ""
    golden = GOLDEN / f"sample.{output}"
    if os.environ.get("CHATAUDIT_UPDATE_GOLDEN"):
        golden.write_text(result.out, encoding="utf-8")
    assert result.out == golden.read_text(encoding="utf-8")


def test_csv_has_a_bom_and_reads_back_as_chinese(cli, tmp_path):
    cli("audit", ROOT / SAMPLE, "--output", "csv", "-o", "r.csv")
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "规则", "级别"] and any("威尼斯人" in cell for row in rows for cell in row)


def test_xlsx_sheets_and_cells(cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")
    assert cli("audit", ROOT / SAMPLE, "--output", "xlsx", "-o", "r.xlsx").code == 1
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["违规", "成员汇总", "汇总"]
    assert book["违规"]["B1"].value == "规则" and book["违规"].max_row > 20


def test_xlsx_to_a_pipe_is_the_workbook_bytes(tmp_path):
    import subprocess

    from tests.conftest import CHATAUDIT

    proc = subprocess.run([str(CHATAUDIT), "audit", str(ROOT / SAMPLE), "--output", "xlsx"], capture_output=True,
                          cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith(b"PK\x03\x04")


def test_sarif_is_2_1_0_with_locations_and_fingerprints(cli):
    sarif = json.loads(cli("audit", ROOT / SAMPLE, "--output", "sarif").out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    assert len({r["partialFingerprints"]["chataudit/v1"] for r in results}) == len(results)
    ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} == ids


HOSTILE = ('2023-10-09 23:00:00 <img src=x onerror=alert(1)>\n<script>alert("x")</script>\n\n'
           '2023-10-09 23:01:00 销售部-张三\n=HYPERLINK("http://evil","点我")\n\n'
           '2023-10-09 23:02:00 销售部-张三\n[bold red]坏[/] \x1b[31m红\n\n'
           '2023-10-09 23:03:00 销售部-张三\n<a href="javascript:alert(1)">链接</a> | 列 |\n\n'
           '2023-10-09 23:05:00 销售部-张三\n=1+1\n\n')


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def test_html_escapes_everything(cli, hostile):
    page = cli("audit", hostile, "--output", "html").out
    assert "<script>alert" not in page and "<img src=x" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "default-src 'none'" in page  # no network, ever
    assert page.count("<script>") == 1  # the page's own filter/sort script only


def test_csv_neutralises_formulas(cli, hostile, tmp_path):
    cli("audit", hostile, "--output", "csv", "-o", "r.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+1" in cells and "'=HYPERLINK(\"http://evil\",\"点我\")" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_xlsx_keeps_formulas_as_text(cli, hostile, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'xlsx' extra is not installed")
    cli("audit", hostile, "--output", "xlsx", "-o", "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["违规"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in cells} >= {"=1+1", '=HYPERLINK("http://evil","点我")'}
    assert all(c.data_type == "s" for c in cells)  # text, not formulas


def test_markdown_and_junit_escape(cli, hostile):
    md = cli("audit", hostile, "--output", "markdown").out
    assert "<script>" not in md and "\\| 列 \\|" in md and "\x1b" not in md
    xml = cli("audit", hostile, "--output", "junit").out
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    assert root.tag == "testsuites" and "<script>" in "".join(root.itertext())  # text, not markup


def test_table_shows_markup_and_escapes_literally(cli, hostile):
    out = cli("audit", hostile).out
    assert "[bold red]坏[/]" in out and "\\x1b[31m红" in out and "\x1b" not in out


def test_redact_masks_personal_data_everywhere(cli):
    for output, masked in (("json", "138****5678"), ("csv", "138****5678"), ("html", "138****5678"),
                           ("markdown", "138\\*\\*\\*\\*5678")):
        out = cli("audit", ROOT / SAMPLE, "--output", output, "--redact").out
        assert "13812345678" not in out and "11010519491231002X" not in out, output
        assert masked in out, output
    assert "13812345678" in cli("audit", ROOT / SAMPLE, "--output", "json").out


def test_baseline_accepts_known_findings(cli, tmp_path):
    first = json.loads(cli("audit", ROOT / SAMPLE, "--output", "json", "--write-baseline", "base.json").out)
    base = json.loads((tmp_path / "base.json").read_text(encoding="utf-8"))
    assert base["count"] == len(first["violations"]) and base["schema"] == "chataudit.baseline/v1"
    second = cli("audit", ROOT / SAMPLE, "--output", "json", "--baseline", "base.json")
    report = json.loads(second.out)
    assert second.code == 0 and report["violations"] == [] and report["summary"]["baselined"] == len(first["violations"])
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    assert "not a chataudit baseline" in cli("audit", ROOT / SAMPLE, "--baseline", "bad.json").err


@pytest.mark.parametrize("args", [("audit", SAMPLE, "--policy", POLICY), ("audit", "HOSTILE"),
                                  ("members", "samples/members/华东销售中心工作群-成员.csv", "--policy", "samples/members/policy.toml")])
def test_streamed_json_is_exactly_json_dump_of_the_whole_report(cli, hostile, args):
    """The JSON reporter writes row by row; it must be byte for byte what json.dump writes."""
    args = [str(hostile) if a == "HOSTILE" else a for a in args]
    result = cli(*args, "--output", "json", cwd=ROOT)
    whole = json.loads(result.out)
    assert result.out == json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    assert whole["violations"] or whole.get("fixes")


CONTROLS = ("2023-10-09 23:00:00 销售部-张三\n看\u202e这里\u009b的\uffff字\n\n")


@pytest.mark.parametrize("output", ["json", "jsonl", "sarif"])
def test_json_outputs_escape_what_a_terminal_acts_on(cli, tmp_path, output):
    """Issue #15 item 14: U+202E and C1 controls are written as \\uXXXX, the same JSON value."""
    (tmp_path / "x.txt").write_text(CONTROLS, encoding="utf-8")
    out = cli("audit", "x.txt", "--select", "T501", "--output", output).out
    assert "\u202e" not in out and "\u009b" not in out and "\\u202e" in out and "\\u009b" in out
    first = json.loads(out.splitlines()[0] if output == "jsonl" else out)
    excerpt = first["excerpt"] if output == "jsonl" else (
        first["violations"][0]["excerpt"] if output == "json" else first["runs"][0]["results"][0]["properties"]["excerpt"])
    assert "\u202e" in excerpt  # the value itself is unchanged


@pytest.mark.parametrize("output", ["junit", "xlsx"])
def test_xml_writers_drop_what_xml_forbids(cli, tmp_path, output):
    """Issue #15 item 8: a message with U+FFFF made junit.xml and XLSX sheets ill-formed."""
    import xml.etree.ElementTree as ET
    import zipfile

    (tmp_path / "x.txt").write_text(CONTROLS, encoding="utf-8")
    result = cli("audit", "x.txt", "--select", "T501", "--output", output, "-o", tmp_path / f"r.{output}")
    assert result.code == 0, result.err
    if output == "junit":
        ET.parse(tmp_path / "r.junit")
    else:
        with zipfile.ZipFile(tmp_path / "r.xlsx") as book:
            for name in book.namelist():
                if name.endswith(".xml"):
                    ET.fromstring(book.read(name))
