"""Hostile and broken input (issue: nothing crashes, nothing leaks, nothing is lost). The
parsers' property tests live in tests/formats/test_fuzz.py; these are the named cases."""

import json
import signal
import subprocess
import time

import pytest

from tests.conftest import CHATAUDIT, SAMPLE


def one_line_error(result, *needles):
    assert result.code == 2, (result.code, result.out[-300:], result.err)
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    for needle in needles:
        assert needle in result.err, result.err


def test_a_50_mb_single_line(cli, tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("2023-10-09 08:00:00 销售部-张三\n")
        fh.write("长" * (50 * 1024 * 1024 // 3))
        fh.write("\n\n")
    result = cli("audit", path, "--select", "T501,S304", "--output", "json")
    report = json.loads(result.out)
    assert report["inputs"][0]["messages"] == 1 and report["summary"]["by_rule"] == {"S304": 1}
    assert len(report["violations"][0]["excerpt"]) <= 120  # reports never carry the whole line


def test_deeply_nested_json(cli, tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"name": "x", "messages": [' + "[" * 5000 + "]" * 5000 + "]}", encoding="utf-8")
    result = cli("audit", path, "--format", "telegram-json", "--output", "json")
    assert result.code in (0, 1, 2) and "Traceback" not in result.err
    if result.code != 2:
        assert json.loads(result.out)["inputs"][0]["unparsed_lines"] >= 1


def test_timestamps_out_of_order_and_duplicated_blocks(cli, tmp_path):
    block = "2023-10-09 23:00:00 销售部-张三\n夜里\n\n"
    path = tmp_path / "x.txt"
    path.write_text("2023-10-10 09:00:00 销售部-张三\n早\n\n" + block * 3, encoding="utf-8")
    report = json.loads(cli("audit", path, "--select", "T501", "--output", "json").out)
    assert report["inputs"][0]["messages"] == 4 and report["summary"]["violations"] == 3


def test_path_names_with_odd_characters(cli, tmp_path):
    for name in ("空 格 & 'quote'.txt", "$(rm -rf x);.txt", "-dash.txt", "ünï©ødé 群.txt"):
        path = tmp_path / name
        path.write_text("2023-10-09 23:00:00 销售部-张三\n夜里\n\n", encoding="utf-8")
        report = json.loads(cli("audit", "--output", "json", "--", path).out)
        assert report["inputs"][0]["path"] == str(path)


def test_a_newline_in_a_file_name_stays_one_line(cli, tmp_path):
    path = tmp_path / "a\nb.txt"
    path.write_bytes(b"\x00\x01binary")
    one_line_error(cli("audit", path), "a\\nb.txt", "binary data")


def test_mixed_encodings_in_one_file(cli, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("2023-10-09 08:00:00 张三\n你好\n\n".encode("utf-8") * 3000 + "2023-10-09 09:00:00 李四\n再见\n\n".encode("gbk"))
    one_line_error(cli("audit", path), "not valid utf-8", "re-save")


def test_catastrophic_policy_regex_is_stopped_and_reported(cli, tmp_path):
    # the regex module defuses the textbook cases ((a+)+$); a backreference inside a repeat it cannot
    (tmp_path / "p.toml").write_text('[rules.C402]\npatterns = ["((a+)\\\\2)+b"]\n', encoding="utf-8")
    (tmp_path / "x.txt").write_text("2023-10-09 08:00:00 张三\n" + "a" * 60 + "\n\n", encoding="utf-8")
    start = time.monotonic()
    result = cli("audit", "x.txt", "--policy", "p.toml")
    assert time.monotonic() - start < 30
    one_line_error(result, "((a+)\\2)+b", "took over")


@pytest.mark.parametrize(("text", "needle"), [
    ('[rules.C402]\npatterns = ["([a-z"]\n', "rules.C402.patterns.0"),
    ('[rules.S301]\nthresholds = "many"\n', "rules.S301.thresholds"),
    ('[lexicons]\nfiles = {gambling = "missing.txt"}\n', "lexicon file not found"),
    ('[lexicons]\nfiles = {gambling = "gbk.txt"}\n', "lexicon is not UTF-8"),
    ('[lexicons]\nfiles = {gambling = "single.txt"}\n', "is a single character"),
    ('[membership]\nroster = "nowhere.csv"\n', "nowhere.csv: file not found"),
])
def test_policy_mistakes(cli, tmp_path, text, needle):
    (tmp_path / "gbk.txt").write_bytes("赌博\n".encode("gbk"))
    (tmp_path / "single.txt").write_text("操\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    one_line_error(cli("audit", SAMPLE, "--policy", "p.toml"), needle)


def test_an_interrupted_write_leaves_the_old_report(tmp_path):
    """Killed mid-run: the -o file is still the previous complete report (temp file + rename)."""
    big = tmp_path / "big.txt"
    big.write_text("".join(f"2023-10-{1 + i % 28:02d} 23:{i % 60:02d}:00 销售部-张三\n第{i}条\n\n" for i in range(60000)),
                   encoding="utf-8")
    out = tmp_path / "report.json"
    out.write_text('{"old": true}', encoding="utf-8")
    proc = subprocess.Popen([str(CHATAUDIT), "audit", str(big), "--output", "json", "-o", str(out)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert json.loads(out.read_text(encoding="utf-8")) == {"old": True}
