"""wecom-archive: the record types of 会话内容存档, and a bad record (a time no record can
carry, a lone surrogate, a line nested too deeply) is one unparsed record, in JSON Lines and
in a JSON array alike."""

import json
from pathlib import Path

import pytest

from chataudit.formats.wecom_archive import WeComArchive
from chataudit.records import EventKind, Kind, Message, Unparsed
from tests.formats.test_formats import read

REAL = Path(__file__).parent.parent / "fixtures" / "wecom-archive"
GOOD = {"msgid": "m9", "action": "send", "from": "zhangwei", "tolist": ["wangjianguo"], "roomid": "wrRoom1",
        "msgtime": 1696812910000, "msgtype": "text", "text": {"content": "收到"}}
DEEP = "[" * 10_000 + "]" * 10_000


def write(tmp_path: Path, lines: list[str], array: bool) -> Path:
    if array:
        path = tmp_path / "archive.json"
        path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    else:
        path = tmp_path / "archive.jsonl"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_record_types_of_the_finance_sdk():
    _, records, _ = read(REAL / "finance-sdk.jsonl")
    text, image, recall, switch, vote, link, packet, mixed, todo, news, agree = records
    assert (text.mentions, text.loc.ref) == (("张伟",), "CAQQluDa4QUY0On2rYSAgAMgzPrShAE=")
    assert (recall.kind, switch.kind, switch.actor) == (EventKind.RECALL, EventKind.UNKNOWN, "zhouj")
    assert switch.ts.isoformat() == "2023-10-09T09:21:50+08:00"  # a switch record's time is "time", not "msgtime"
    assert (vote.kind, vote.text) == (Kind.OTHER, "孩子参加少儿绘画比赛，麻烦大家帮我投票\n1号作品\n2号作品")
    assert (link.url, packet.amount, mixed.text) == ("http://t.cn/A6xYz9", 5.0, "本周重点：\n回款和新客户拜访")
    assert (todo.text, news.url, agree.group) == ("周报\n周五下班前提交本周周报", "https://mp.weixin.qq.com/s/AbCdEf123", "单聊")


BAD_RECORDS = [
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": 1e300, "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": -1e300, "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": NaN, "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": ' + "9" * 400 + ', "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": true, "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": {"id": "u"}, "roomid": "r", "msgtime": 1696812910000, "msgtype": "text"}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": 1696812910000, "msgtype": "text", '
    '"text": {"content": ["x"]}}',
    '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": 1696812910000, "msgtype": "vote", '
    '"vote": {"votetitle": "t", "voteitem": [{"x": 1}]}}',
    DEEP,
    '"just a string"',
]
BAD_IDS = ["1e300", "-1e300", "NaN", "huge-int", "true", "from-object", "content-list", "voteitem-objects", "deep", "string"]
BAD_CASES = [pytest.param(bad, array, id=f"{name}-{'array' if array else 'jsonl'}")
             for bad, name in zip(BAD_RECORDS, BAD_IDS, strict=True) for array in (False, True)
             if not (array and name == "NaN")]  # NaN in an array: see the test after this one


@pytest.mark.parametrize(("bad", "array"), BAD_CASES)
def test_a_bad_record_is_one_unparsed_record_and_the_next_is_read(tmp_path, bad, array):
    path = write(tmp_path, [bad, json.dumps(GOOD)], array)
    name, records, stats = read(path, "wecom-archive")
    assert isinstance(records[0], Unparsed) and records[0].reason
    assert isinstance(records[1], Message) and records[1].loc.ref == "m9"
    assert (stats.messages, stats.unparsed_lines) == (1, 1)


def test_nan_inside_an_array_ends_the_array_and_says_so(tmp_path):
    """A known limit: NaN is not JSON, so the streaming parser of an array stops at it; what is
    left is one unparsed record that says the rest was not read (never a crash, never silent)."""
    bad = '{"msgid": "m1", "action": "send", "from": "u", "roomid": "r", "msgtime": NaN, "msgtype": "text"}'
    _, records, stats = read(write(tmp_path, [bad, json.dumps(GOOD)], True), "wecom-archive")
    assert len(records) == 1 and "the rest is not read" in records[0].reason
    assert (stats.messages, stats.unparsed_lines) == (0, 1)


def test_msgtime_1e300_says_why(tmp_path):
    _, [bad, _], _ = read(write(tmp_path, ['{"msgid": "m1", "action": "send", "msgtime": 1e300}', json.dumps(GOOD)],
                                False))
    assert bad.reason == "msgtime 1e+300 (ms) is outside the years 2–9998" and bad.loc.line == 1


@pytest.mark.parametrize("array", [False, True], ids=["jsonl", "array"])
def test_lone_surrogates_are_replaced(tmp_path, array):
    """Before: a lone surrogate reached the JSON writer, which ended the run in "internal error"."""
    line = json.dumps({**GOOD, "text": {"content": "好\ud83d"}, "from": "\udc00zw"})
    _, [msg], _ = read(write(tmp_path, [line], array), "wecom-archive")
    assert (msg.text, msg.sender) == ("好\ufffd", "\ufffdzw")


def test_mixed_content_that_is_not_json_text_is_kept_as_is(tmp_path):
    row = {**GOOD, "msgtype": "mixed", "mixed": {"item": [{"type": "text", "content": "[" * 5000},
                                                          {"type": "text", "content": '{"content": "二"}'}]}}
    _, [msg], _ = read(write(tmp_path, [json.dumps(row)], False))
    assert msg.text == "[" * 5000 + "\n二"


def test_sniffing_a_deep_line_does_not_crash():
    assert WeComArchive.sniff(DEEP, "archive.jsonl") == 0.0
