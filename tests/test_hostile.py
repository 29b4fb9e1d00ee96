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
    path.write_text('{"name": "x", "messages": [' + "[" * 50_000 + "]" * 50_000 + "]}", encoding="utf-8")
    result = cli("audit", path, "--format", "telegram-json", "--output", "json")  # before: 4 GB and more
    assert result.code == 0 and json.loads(result.out)["inputs"][0]["unparsed_lines"] == 1


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
    # the regex module defuses the textbook cases ((a+)+$); a backreference inside a repeat it cannot.
    # The message holds the b the pattern needs, so the literal pre-filter lets the search run.
    (tmp_path / "p.toml").write_text('[rules.C402]\npatterns = ["((a+)\\\\2)+b"]\n', encoding="utf-8")
    (tmp_path / "x.txt").write_text("2023-10-09 08:00:00 张三\n" + "a" * 60 + "cb\n\n", encoding="utf-8")
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


# One bad record among good ones (issue 15, item 5): before, each of these ended the whole run in
# "internal error" with no report. Now it is one unparsed record and the good ones are audited.
_DEEP = "[" * 10_000 + "]" * 10_000
_DISCORD_MSG = ('{"id": "%s", "type": "Default", "timestamp": "%s", "content": "%s", '
                '"author": {"id": "51", "name": "wangjg", "nickname": "王建国"}}')
_TELEGRAM_MSG = ('{"id": %s, "type": "message", "date": "2023-10-09T09:00:00", "date_unixtime": "%s", '
                 '"from": "王建国", "from_id": "user100", "text": "%s"}')
_WECOM_MSG = ('{"msgid": "%s", "action": "send", "from": "wangjianguo", "roomid": "r1", "msgtime": %s, '
              '"msgtype": "text", "text": {"content": "%s"}}')
_GENERIC_MSG = '{"time": "%s", "sender": "王建国", "text": "%s"}'


def _discord(bad: str) -> str:
    good = [_DISCORD_MSG % (n, "2023-10-09T09:00:00+08:00", "好") for n in (1, 3)]
    return ('{"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"}, "messages": ['
            f"{good[0]}, {bad}, {good[1]}]}}")


def _telegram(bad: str) -> str:
    good = [_TELEGRAM_MSG % (n, "1696813200", "好") for n in (1, 3)]
    return f'{{"name": "群", "type": "private_group", "id": 1, "messages": [{good[0]}, {bad}, {good[1]}]}}'


def _lines(template: str, when: str, bad: str) -> str:
    return "\n".join([template % ((1, when, "好") if "msgid" in template else (when, "好")), bad,
                      template % ((3, when, "好") if "msgid" in template else (when, "好"))]) + "\n"


BAD_RECORDS = {
    "discord author is text": ("d.json", _discord('{"id": "2", "type": "Default", "timestamp": '
                                                  '"2023-10-09T09:00:00+08:00", "content": "x", "author": "str"}')),
    "discord year 1 at +14:00": ("d.json", _discord(_DISCORD_MSG % (2, "0001-01-01T00:00:00+14:00", "x"))),
    "discord year 9999 at -14:00": ("d.json", _discord(_DISCORD_MSG % (2, "9999-12-31T23:59:59-14:00", "x"))),
    "discord 10,000 deep": ("d.json", _discord(_DEEP)),
    "telegram inviter is an object": ("result.json", _telegram(
        '{"id": 2, "type": "service", "date": "2023-10-09T09:00:00", "date_unixtime": "1696813200", "actor": "Bob", '
        '"action": "join_group_by_link", "inviter": {}, "text": ""}')),
    "telegram unixtime 1e300": ("result.json", _telegram(_TELEGRAM_MSG % (2, "1e300", "x"))),
    "wecom msgtime 1e300": ("a.jsonl", _lines(_WECOM_MSG, "1696813200000", _WECOM_MSG % (2, "1e300", "x"))),
    "wecom 10,000 deep": ("a.jsonl", _lines(_WECOM_MSG, "1696813200000", _DEEP)),
    "jsonl year 9999 at -14:00": ("g.jsonl", _lines(_GENERIC_MSG, "2023-10-09 09:00:00",
                                                    _GENERIC_MSG % ("9999-12-31T23:59:59-14:00", "x"))),
    "jsonl 10,000 deep": ("g.jsonl", _lines(_GENERIC_MSG, "2023-10-09 09:00:00", _DEEP)),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_one_bad_record_is_unparsed_and_the_run_goes_on(cli, tmp_path, case):
    name, text = BAD_RECORDS[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli("audit", path, "--output", "json")
    assert result.code in (0, 1) and "internal error" not in result.err, result.err
    [read] = json.loads(result.out)["inputs"]
    assert (read["messages"], read["unparsed_lines"]) == (2, 1)


SURROGATES = {  # a lone UTF-16 surrogate escape, as ensure_ascii JSON writers leave a cut emoji
    "discord": ("d.json", _discord(_DISCORD_MSG % (2, "2023-10-09T09:00:00+08:00", "\\ud83d"))),
    "telegram": ("result.json", _telegram(_TELEGRAM_MSG % (2, "1696813200", "\\ud83d"))),
    "wecom": ("a.jsonl", _lines(_WECOM_MSG, "1696813200000", _WECOM_MSG % (2, "1696813200000", "\\ud83d"))),
    "generic jsonl": ("g.jsonl", _lines(_GENERIC_MSG, "2023-10-09 09:00:00",
                                        _GENERIC_MSG % ("2023-10-09 23:00:00", "\\ud83d"))),
}


@pytest.mark.parametrize("case", list(SURROGATES))
def test_a_lone_surrogate_is_replaced_before_any_writer_sees_it(cli, tmp_path, case):
    name, text = SURROGATES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    for output in ("json", "html", "xlsx"):
        result = cli("audit", path, "--output", output, "-o", tmp_path / f"report.{output}")
        assert result.code in (0, 1) and "internal error" not in result.err, (output, result.err)
    result = cli("parse", path)
    assert result.code == 0 and "\ufffd" in result.out and "\\ud83d" not in result.out



def _slack_zip(path, days: dict[str, str], damage: dict[str, tuple[int, str, object]] | None = None):
    """A Slack export zip; ``damage`` patches a field (central directory offset, struct format,
    function of the old value) of an entry in its central record and local header."""
    import zipfile

    from tests.formats.test_slack_hostile import patch

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", '[{"id": "U01", "profile": {"display_name": "王建国"}}]')
        for name, text in days.items():
            zf.writestr(name, text)
    data = path.read_bytes()
    for name, (offset, fmt, value) in (damage or {}).items():
        data = patch(data, name, offset, fmt, value)
    path.write_bytes(data)
    return path


def test_a_slack_export_with_bad_rows_and_damaged_entries_is_audited_to_the_end(cli, tmp_path):
    """Issue 15, item 5: a lone surrogate, years 1 and 9999, and zip entries with deflate64, an
    encrypted flag or a bad CRC: each one unparsed record, every writer still runs."""
    good = '{"type": "message", "ts": "1696813200.0001", "user": "U01", "text": "%s"}'
    day = "[" + ", ".join([good % "好", good % "bad \\ud83d", '{"type": "message", "ts": "253402300799", "user": "U01"}',
                           '{"type": "message", "ts": "-62135596800", "user": "U01"}', good % "好"]) + "]"
    path = _slack_zip(tmp_path / "slack.zip", {f"general/2023-10-{d:02d}.json": day for d in (9, 10, 11, 12)},
                      damage={"general/2023-10-10.json": (10, "<H", lambda old: 9),
                              "general/2023-10-11.json": (8, "<H", lambda old: old | 1),
                              "general/2023-10-12.json": (16, "<I", lambda old: old ^ 1)})
    for output in ("json", "html", "xlsx", "junit"):
        result = cli("audit", path, "--output", output, "-o", tmp_path / f"report.{output}")
        assert result.code in (0, 1) and "internal error" not in result.err, (output, result.err)
    [read] = json.loads(cli("audit", path, "--output", "json").out)["inputs"]
    assert (read["messages"], read["unparsed_lines"]) == (3, 2 + 3)
    result = cli("parse", path)
    assert "\ufffd" in result.out and "\\ud83d" not in result.out
    assert "deflate64" in result.out and "encrypted" in result.out and "CRC" in result.out


def test_a_whatsapp_zip_whose_chat_is_damaged_is_counted_not_a_crash(cli, tmp_path):
    import zipfile

    path = tmp_path / "WhatsApp Chat - 群.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", "[09/10/2023, 23:00:00] 王建国: 夜里\n" * 50)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 16] ^= 0xFF  # the CRC in the central directory
    path.write_bytes(bytes(data))
    result = cli("audit", path, "--output", "json")
    assert result.code in (0, 1) and "internal error" not in result.err, result.err
    [read] = json.loads(result.out)["inputs"]
    assert (read["format"], read["messages"], read["unparsed_lines"]) == ("whatsapp-txt", 0, 1)
