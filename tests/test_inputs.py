"""Reading inputs: standard input and pipes read once, over-long lines capped and counted,
and a folder with one unreadable file still audited (issues #14 and #15)."""

import json
import os
import subprocess
import threading

from chataudit.formats.encoding import MAX_LINE
from tests.conftest import CHATAUDIT, SAMPLE


def _audit_json(*args, stdin=None, cwd=None):
    proc = subprocess.run([str(CHATAUDIT), "audit", *map(str, args), "--output", "json"], input=stdin,
                          capture_output=True, cwd=cwd, timeout=120)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout else None, proc.stderr.decode()


def test_a_pipe_gives_the_same_audit_as_the_file(tmp_path):
    big = tmp_path / "群.txt"
    big.write_bytes(SAMPLE.read_bytes() * 4)
    assert big.stat().st_size > 64 * 1024  # longer than the sniffer's head: the part a reopened pipe lost
    code, direct, _ = _audit_json(big)
    for name in ("-", "/dev/stdin"):
        piped_code, piped, err = _audit_json(name, "--group", "群", stdin=big.read_bytes())
        assert piped_code == code, err
        assert piped["inputs"][0]["messages"] == direct["inputs"][0]["messages"] > 1600
        assert piped["summary"] == direct["summary"]
        assert piped["inputs"][0]["path"] == name  # reports name what the user passed, not a temporary file


def test_a_named_pipe_is_read_once(tmp_path):
    fifo = tmp_path / "export.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(SAMPLE.read_bytes()), daemon=True)
    writer.start()
    code, report, err = _audit_json(fifo)
    writer.join(timeout=10)
    assert code == 1, err
    assert report["inputs"][0]["messages"] > 400


def test_a_named_pipe_nobody_writes_to_does_not_hang(tmp_path):
    fifo = tmp_path / "export.txt"
    os.mkfifo(fifo)
    code, _, err = _audit_json(fifo)
    assert code == 2 and "empty" in err and err.count("\n") == 1


def test_an_over_long_line_is_capped_and_the_rest_counted(tmp_path):
    path = tmp_path / "x.txt"
    extra = 3 * MAX_LINE + 17
    path.write_text("2023-10-09 08:00:00 销售部-张三\n" + "长" * (MAX_LINE + extra) + "\n\n"
                    "2023-10-09 09:00:00 销售部-李四\n收到\n", encoding="utf-8")
    proc = subprocess.run([str(CHATAUDIT), "parse", path], capture_output=True, text=True, timeout=120)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    messages = [r for r in rows if r["type"] == "message"]
    assert [len(m["text"]) for m in messages] == [MAX_LINE, 2]
    unparsed = [r for r in rows if r["type"] == "unparsed"]
    assert len(unparsed) == 1 and unparsed[0]["loc"]["line"] == 2 and f"{extra:,}" in unparsed[0]["reason"]
    assert rows[-1]["unparsed_lines"] == 1 and rows[-1]["lines"] == 5


def test_a_folder_with_an_unreadable_file_audits_the_rest_and_exits_2(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.txt").write_bytes(SAMPLE.read_bytes())
    (folder / "b.json").write_text("", encoding="utf-8")  # an empty Telegram export
    code, report, err = _audit_json(folder)
    assert code == 2
    good, bad = report["inputs"]
    assert good["messages"] > 400 and report["summary"]["violations"] > 0
    assert "empty file" in bad["error"] and bad["path"].endswith("b.json")
    assert err.strip().splitlines() == [bad["error"]]


def test_one_unreadable_file_alone_is_still_one_line_and_no_report(tmp_path):
    path = tmp_path / "b.json"
    path.write_text("", encoding="utf-8")
    code, report, err = _audit_json(path)
    assert code == 2 and report is None and err.count("\n") == 1


def test_a_forced_format_that_reads_nothing_says_why(tmp_path):
    code, report, err = _audit_json(SAMPLE, "--format", "whatsapp-txt")
    summary = report["inputs"][0]
    assert summary["messages"] == summary["events"] == 0
    assert summary["notes"] == [f"--format whatsapp-txt read no message or event from its {summary['lines']} line(s): "
                                "the file is in another layout; it looks like wechat-txt"]  # and no date-order note
    assert "it looks like wechat-txt" in err


def test_an_unpacked_whatsapp_chat_inside_a_folder_is_one_input(tmp_path):
    folder = tmp_path / "exports"
    chat = folder / "WhatsApp Chat - 华东销售群"
    chat.mkdir(parents=True)
    (chat / "_chat.txt").write_text("[09/10/2023, 09:00:00] 销售部-张伟: 早上好\n"
                                    "[09/10/2023, 09:01:00] 销售部-李四: \u200eimage omitted\n", encoding="utf-8")
    (chat / "00000012-PHOTO-2023-10-09-09-01-00.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "a.txt").write_bytes(SAMPLE.read_bytes())
    code, report, err = _audit_json(folder)
    assert code == 1, err
    assert [i["path"] for i in report["inputs"]] == [str(chat), str(folder / "a.txt")]  # the photo is not an input
    assert report["inputs"][0]["format"] == "whatsapp-txt" and report["inputs"][0]["messages"] == 2
