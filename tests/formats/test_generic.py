"""generic-jsonl / generic-csv: a row that cannot be read is one unparsed record with its line
and reason; lone surrogates are replaced; a line too deep for the JSON parser neither crashes
the parser nor the sniffer."""

import json
from pathlib import Path

import pytest

from chataudit.formats.generic import GenericCsv, GenericJsonl
from chataudit.records import Message, Unparsed
from tests.formats.test_formats import read

GOOD = {"time": "2023-10-09 08:55:10", "sender": "王建国", "text": "大家好"}
DEEP = "[" * 10_000 + "]" * 10_000


def jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "bot.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", [
    {**GOOD, "time": "0001-01-01T00:00:00+14:00"},
    {**GOOD, "time": "9999-12-31T23:59:59-14:00"},
    {**GOOD, "time": "0001-01-01 00:00:00"},  # no zone: the input's zone (+08:05 LMT in Shanghai) takes it before year 1
    {**GOOD, "time": "1e300"},
    {**GOOD, "time": 1e300},
    {**GOOD, "time": 99999999999999},
    {**GOOD, "time": {"$date": 1}},
    {**GOOD, "sender": ["王建国"]},
    {**GOOD, "text": {"content": "x"}},
], ids=lambda bad: json.dumps(bad, ensure_ascii=False)[:60])
def test_a_bad_row_is_one_unparsed_record_and_the_next_is_read(tmp_path, bad):
    _, records, stats = read(jsonl(tmp_path, json.dumps(GOOD), json.dumps(bad, ensure_ascii=False), json.dumps(GOOD)))
    assert [type(r) for r in records] == [Message, Unparsed, Message]
    assert records[1].loc.line == 2 and records[1].reason and stats.unparsed_lines == 1


def test_an_out_of_range_time_says_so(tmp_path):
    _, records, _ = read(jsonl(tmp_path, json.dumps(GOOD), json.dumps({**GOOD, "time": "9999-12-31T23:59:59-14:00"})))
    assert records[1].reason == "bad timestamp '9999-12-31T23:59:59-14:00' (outside the years 2–9998)"


def test_lone_surrogates_are_replaced(tmp_path):
    """Before: the surrogate went on to the report writer and the run ended in "internal error"."""
    line = json.dumps({**GOOD, "text": "好\ud83d", "sender": "\udc00王"})  # escapes, as json.dumps writes them
    _, records, _ = read(jsonl(tmp_path, json.dumps(GOOD), line))
    assert (records[1].text, records[1].sender) == ("好\ufffd", "\ufffd王")


def test_a_deep_line_is_unparsed_in_the_middle_and_not_sniffed_at_the_top(tmp_path):
    _, records, _ = read(jsonl(tmp_path, json.dumps(GOOD), DEEP, json.dumps(GOOD)))
    assert [type(r) for r in records] == [Message, Unparsed, Message] and "nested too deeply" in records[1].reason
    assert GenericJsonl.sniff(DEEP + "\n" + json.dumps(GOOD), "bot.jsonl") == 0.0
    _, records, _ = read(jsonl(tmp_path, DEEP, json.dumps(GOOD)), "generic-jsonl")
    assert [type(r) for r in records] == [Unparsed, Message]


def test_csv_rows_with_times_no_record_can_carry(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("时间,发送人,内容\n0001-01-01T00:00:00+14:00,张三,早\n9999-12-31 23:59:59-14:00,张三,晚\n"
                    "99999999999999,张三,号\n2023-10-09 08:55:10,张三,好\n", encoding="utf-8")
    name, records, stats = read(path)
    assert name == "generic-csv" and [type(r) for r in records] == [Unparsed, Unparsed, Unparsed, Message]
    assert [r.loc.line for r in records] == [2, 3, 4, 5] and GenericCsv.sniff(DEEP, "x.csv") == 0.0
