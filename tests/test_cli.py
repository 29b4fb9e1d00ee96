"""The installed `chataudit` command: exit codes, errors, reports, determinism."""

import json
import re
import sys
import subprocess

import jsonschema
import pytest

from tests.conftest import ROOT, SAMPLE, SAMPLE_POLICY

SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))


def one_clear_line(result):
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def test_audit_sample_with_the_default_policy_prints_a_table(cli):
    result = cli("audit", SAMPLE)
    assert result.code == 1, result.err  # gambling, a raw-IP .apk and 内部资料 are errors
    assert "T501" in result.out and "M101" in result.out
    assert "在休息时间（22:00–07:30）内发言" in result.out
    assert "405 条消息" in result.out


def test_json_report_follows_the_schema(cli):
    result = cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json")
    report = json.loads(result.out)
    jsonschema.validate(report, SCHEMA)
    assert report["inputs"][0]["format"] == "wechat-txt"
    assert report["inputs"][0]["messages"] == 405
    assert report["summary"]["violations"] == len(report["violations"])
    assert sum(report["summary"]["by_rule"].values()) == len(report["violations"])
    first = report["violations"][0]
    assert first["timestamp"] == "2023-10-09T07:29:59+08:00" and first["source"]["line"] >= 1


def test_violations_are_sorted_by_input_time_rule(cli):
    report = json.loads(cli("audit", SAMPLE, "--output", "json").out)
    keys = [(v["timestamp"], v["rule"]) for v in report["violations"]]
    assert keys == sorted(keys)


def test_jsonl_prints_one_violation_a_line(cli):
    full = json.loads(cli("audit", SAMPLE, "--output", "json").out)
    lines = cli("audit", SAMPLE, "--output", "jsonl").out.splitlines()
    assert [json.loads(line) for line in lines] == full["violations"]


def test_same_input_same_bytes(cli):
    first = cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json").out
    second = cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json").out
    assert first == second and len(first) > 1000


@pytest.mark.parametrize(("fail_on", "code"), [("info", 1), ("warning", 1), ("error", 0), ("never", 0)])
def test_fail_on(cli, fail_on, code):
    # T501 and M101 only: warnings, and no error
    assert cli("audit", SAMPLE, "--select", "T501,M101", "--fail-on", fail_on, "--output", "jsonl").code == code


def test_a_clean_export_exits_0_even_on_info(cli, tmp_path):
    (tmp_path / "ok.txt").write_text("2023-10-09 09:00:00 销售部-张三\n报表已发\n\n", encoding="utf-8")
    assert cli("audit", "ok.txt", "--fail-on", "info").code == 0


def test_fail_on_error_with_the_sample_policy(cli):
    # the sample policy names leaders and a roster: late answers (R201), outsiders (M102) and content are errors
    assert cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "jsonl").code == 1
    assert cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "jsonl", "--ignore", "R201,M102,C").code == 0


def test_fail_on_error_when_a_rule_is_raised_to_error(cli, tmp_path):
    (tmp_path / "p.toml").write_text('[rules.T501]\nseverity = "error"\n', encoding="utf-8")
    assert cli("audit", SAMPLE, "--policy", "p.toml", "--output", "jsonl").code == 1


def test_english_report(cli):
    report = json.loads(cli("audit", SAMPLE, "--output", "json", "--lang", "en").out)
    t501 = next(v for v in report["violations"] if v["rule"] == "T501")
    assert t501["message"].startswith("Posted at ") and t501["clause"].startswith("No chatting")


def test_select_ignore_since_until(cli):
    only_t = json.loads(cli("audit", SAMPLE, "--select", "T", "--output", "json").out)
    assert set(only_t["summary"]["by_rule"]) == {"T501"}
    two = json.loads(cli("audit", SAMPLE, "--select", "T501,M1", "--ignore", "M106,M107", "--output", "json").out)
    assert set(two["summary"]["by_rule"]) == {"T501", "M101"}
    no_t = json.loads(cli("audit", SAMPLE, "--ignore", "T501", "--output", "json").out)
    assert "T501" not in no_t["summary"]["by_rule"] and "M101" in no_t["summary"]["by_rule"]
    day = json.loads(cli("audit", SAMPLE, "--since", "2023-10-10", "--until", "2023-10-11", "--output", "json").out)
    assert day["violations"] and all(v["timestamp"].startswith("2023-10-10") for v in day["violations"])


def test_penalties_and_escalation_in_the_member_summary(cli):
    report = json.loads(cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json", "--select", "T,M").out)
    liu_qiang = [v for v in report["violations"] if v["sender"] == "刘强"]
    # ladder warn → remove: the first offence is a warning, the second a removal
    assert [v["penalty"]["action"] for v in liu_qiang] == ["warn", "remove", "remove"]
    member = next(m for m in report["members"] if m["name"] == "刘强")
    assert member == {"name": "刘强", "violations": 3, "fines": 0, "action": "remove"}


def test_fines_add_up_per_member(cli):
    report = json.loads(cli("audit", SAMPLE, "--policy", SAMPLE_POLICY, "--output", "json").out)
    r201 = [v for v in report["violations"] if v["rule"] == "R201"]
    assert r201 and all(v["penalty"]["fine"] == 100 for v in r201)
    chen = next(m for m in report["members"] if m["name"] == "财务部-陈静")
    assert chen["fines"] == 100 * sum(v["sender"] == "财务部-陈静" for v in r201)
    # a notice nobody acknowledged counts against each member who stayed silent
    silent = next(m for m in report["members"] if m["name"] == "技术部 马超")
    assert silent["violations"] == 1 + sum("技术部 马超" in v["message"] for v in report["violations"] if v["rule"] == "R202")


def test_output_file_is_written(cli, tmp_path):
    result = cli("audit", SAMPLE, "--output", "json", "-o", "report.json")
    assert result.out == ""
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["violations"]
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_python_dash_m_is_the_same_program(cli, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "chataudit", "audit", str(SAMPLE), "--output", "jsonl"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.count("\n") > 5  # the sample has errors
    assert proc.stdout == cli("audit", SAMPLE, "--output", "jsonl").out


def test_content_is_shown_literally_in_the_table(cli, tmp_path):
    export = tmp_path / "x.txt"
    export.write_text("2023-10-09 23:00:00 [bold red]坏人[/]\n\x1b[2J[link=http://x]点我[/link] <script>\n\n",
                      encoding="utf-8")
    result = cli("audit", export)
    assert "[bold red]坏人[/]" in result.out
    assert "\\x1b[2J[link=http://x]点我[/link] <script>" in result.out
    assert "\x1b" not in result.out


def test_parse_prints_records_and_a_summary(cli):
    result = cli("parse", SAMPLE)
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert rows[-1]["type"] == "summary" and rows[-1]["messages"] == 405 and rows[-1]["unparsed_lines"] == 0
    assert sum(row["type"] == "message" for row in rows) == 405


def test_rules_and_formats_listings(cli):
    listing = cli("rules").out
    assert "T501" in listing and "off-hours" in listing and "M101" in listing
    doc = cli("rules", "t501")
    assert doc.code == 0 and "quiet = [[\"22:00\", \"07:30\"]]" in doc.out and "Violates:" in doc.out
    assert "wechat-txt" in cli("formats").out


def test_policy_check(cli):
    result = cli("policy", "check", ROOT / "policies" / "default.toml")
    assert result.code == 0 and result.out.startswith("ok: ")


# ---- bad input: one clear line, exit 2, never a traceback -------------------------------------

def test_missing_file(cli):
    assert "missing.txt: file not found" in one_clear_line(cli("audit", "missing.txt"))


def test_binary_file(cli, tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 not a chat export \xff\xfe")
    assert "binary data" in one_clear_line(cli("audit", "binary.txt"))


def test_binary_policy(cli, tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 not a chat export \xff\xfe")
    line = one_clear_line(cli("policy", "check", "binary.txt"))
    assert line.startswith("policy error: binary.txt")


def test_unrecognised_export(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("今天天气不错\n明天开会\n", encoding="utf-8")
    line = one_clear_line(cli("audit", "notes.txt"))
    assert "not a chat export" in line and "wechat-txt" in line and "--format" in line


def test_empty_file_and_folder(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert "empty file" in one_clear_line(cli("audit", "empty.txt"))
    (tmp_path / "folder").mkdir()
    assert "folder" in one_clear_line(cli("audit", "folder"))


def test_undecodable_file(cli, tmp_path):
    (tmp_path / "bad.txt").write_bytes("2023-10-09 08:00:00 张三\n".encode() + bytes(range(0x80, 0xff)) * 3)
    assert "not readable" in one_clear_line(cli("audit", "bad.txt"))


def test_broken_policy(cli, tmp_path):
    (tmp_path / "p.toml").write_text('[rules.T501]\nquiet = "all night"\n', encoding="utf-8")
    line = one_clear_line(cli("audit", SAMPLE, "--policy", "p.toml"))
    assert "p.toml" in line and "rules.T501.quiet" in line


@pytest.mark.parametrize("args", [
    ["--format", "excel"], ["--output", "pdf"], ["--fail-on", "sometimes"], ["--select", "Z9"],
    ["--since", "last tuesday"], ["--lang", "fr"],
])
def test_bad_options(cli, args):
    line = one_clear_line(cli("audit", SAMPLE, *args))
    assert "usage error" in line


def test_unknown_option_is_a_usage_error(cli):
    result = cli("audit", SAMPLE, "--colour")
    assert result.code == 2 and "Traceback" not in result.err


def test_jobs_gives_the_same_report(cli, tmp_path):
    from tests.formats.test_formats import FIXTURES

    folder = tmp_path / "exports"
    folder.mkdir()
    for fmt in ("qq-txt", "wechat-csv", "telegram-json", "whatsapp-txt"):
        (folder / FIXTURES[fmt].name).write_bytes(FIXTURES[fmt].read_bytes())
    (folder / "sample.txt").write_bytes(SAMPLE.read_bytes())
    one = cli("audit", folder, "--output", "json", "--jobs", "1")
    four = cli("audit", folder, "--output", "json", "--jobs", "4")
    assert one.out == four.out and json.loads(one.out)["violations"]
    assert four.err == ""  # no progress display in a pipe


def _stderr_on_a_terminal(args: list[str]) -> str:
    """Run the CLI with stderr on a pseudo-terminal; what it drew there, escape codes removed."""
    import os
    import pty
    import re
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "chataudit", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT, env={**os.environ, "COLUMNS": "140"})
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready and proc.poll() is not None:
            break
        try:
            chunk = os.read(master, 65536) if ready else b""
        except OSError:  # the child closed the terminal
            break
        if ready and not chunk:
            break
        drawn += chunk
    proc.wait()
    os.close(master)
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", drawn.decode("utf-8", "replace"))


def test_a_long_run_in_a_terminal_shows_bytes_read_and_messages_per_second(tmp_path):
    export = tmp_path / "群.txt"
    subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "20000", str(export)], check=True)
    megabytes = f"{export.stat().st_size / 1e6:.1f}"
    drawn = _stderr_on_a_terminal(["audit", str(export), "--output", "json", "-o", str(tmp_path / "r.json")])
    frames = [f for f in re.split(r"[\r\n]+", drawn) if "条消息" in f]
    assert frames, drawn[-500:]
    assert f"/{megabytes} MB" in frames[-1] and "20,000 条消息" in frames[-1] and "/s" in frames[-1]
    read = [float(m[1]) for f in frames if (m := re.search(r"([\d.]+)/[\d.]+ MB", f))]
    assert any(0 < r < float(megabytes) for r in read), "the bar moves while the file is read, not only at its end"
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["inputs"][0]["messages"] == 20000


def test_docs_rules_md_is_generated_from_the_rules(cli):
    assert cli("rules", "--markdown").out == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_a_cli_run_collects_cycles_less_often():
    """The process entry point raises the collector's thresholds (cli.GC_THRESHOLDS): an audit
    allocates millions of objects that are never in a cycle."""
    out = subprocess.run([sys.executable, "-c", "import gc, sys; from chataudit.cli import main\n"
                          "try:\n    main(['version'])\nexcept SystemExit:\n    pass\n"
                          "print(gc.get_threshold(), file=sys.stderr)"], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "(50000, 20, 20)"
