"""generic-jsonl / generic-csv: a row that cannot be read is one unparsed record with its line
and reason; lone surrogates are replaced; a line too deep for the JSON parser neither crashes
the parser nor the sniffer."""

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chataudit.errors import InputError
from chataudit.formats.base import InputStats, Source
from chataudit.formats.generic import GenericCsv, GenericJsonl, column_map, row_record
from chataudit.formats import tabular
from chataudit.formats.tabular import csv_rows, parse_when
from chataudit.records import Location, Message, Unparsed
from tests.formats import block_reading
from tests.formats.test_formats import SHANGHAI, read

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


CELLS = st.one_of(st.sampled_from(["2023-10-09 08:55:10", " 1696812910 "]),  # times half the time
                  st.sampled_from(["昨天", "", " ", " 王建国 ", "@李四 请看 ", "[图片]", " image", "项目群", "a\r\nb",
                                   "系统消息", "wxid_1"]))
HEADERS = st.lists(st.sampled_from(["time", "sender", "text", "group", "kind", "wxid", "备注"]), min_size=2, max_size=7)


@settings(max_examples=200, deadline=None)
@given(header=HEADERS, data=st.data())
def test_csv_rows_read_by_position_give_what_the_rows_read_by_name_give(tmp_path_factory, header, data):
    """The fast read of full rows by cell position against ``row_record`` over the same rows
    as dicts (the path of JSON Lines and of ragged rows): repeated column names, short and long
    rows, bad timestamps, system rows. The column map comes from the header: before, it came
    from the first row's dict, and a short first row made the whole file "no column for sender"."""
    full = st.lists(CELLS, min_size=len(header), max_size=len(header))
    rows = data.draw(st.lists(st.one_of(full, full, st.lists(CELLS, max_size=8)), max_size=6))
    path = tmp_path_factory.mktemp("csv") / "group.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    try:
        _, records, stats = read(path, "generic-csv")
    except InputError as exc:  # no timestamp or sender column: the same error either way
        assert "no column for" in exc.what
        return
    source = Source(path, "utf-8", "", SHANGHAI)
    dicts = list(csv_rows(source, InputStats()))
    mapping = column_map(header, {}, str(path)) if dicts else {}  # from the header, not the first row (which may be short)
    expected = [row_record(row, mapping, source, Location(str(path), line)) for line, row in dicts]
    assert records == expected and stats.lines == len(path.read_text(encoding="utf-8").splitlines())
    assert block_reading.read(path, "generic-csv", runs=True)[0] == expected  # plain messages as runs


def _strptime_only(text: str) -> datetime | None:
    """What ``parse_when`` read before its numeric fast path: ISO 8601, then each strptime layout."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        for fmt in tabular._FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    return None


def _number(low: int, high: int, odd: bool) -> st.SearchStrategy[str]:
    """A field as exports write it, padded or not; ``odd``: now and then in full-width digits."""
    return st.tuples(st.integers(low, high), st.booleans(), st.integers(0, 9 if odd else 0)).map(
        lambda t: (f"{t[0]:02d}" if t[1] else str(t[0])).translate(FULL_WIDTH if t[2] == 9 else {}))


def _layout_texts(odd: bool) -> st.SearchStrategy[str]:
    """Texts shaped like the numeric layouts: with ``odd``, also with mixed separators, other
    gaps, short or long years, full-width digits and trailing text."""
    sep = st.sampled_from("-/.年月" if odd else "-/.")
    return st.builds(
        lambda y, s1, mo, s2, d, gap, h, mi, sec, tail: f"{y}{s1}{mo}{s2 if odd else s1}{d}{gap}{h}:{mi}{sec}{tail}",
        st.sampled_from(["2023", "0000", "0001", "9999", "202", "20231"] if odd else ["2023", "1999", "0000", "9999"]),
        sep, _number(0, 13, odd), sep, _number(0, 32, odd),
        st.sampled_from([" ", "  ", "T", "日 ", "\t"] if odd else [" "]), _number(0, 25, odd), _number(0, 61, odd),
        st.one_of(st.just(""), _number(0, 61, odd).map(lambda s: ":" + s)),
        st.sampled_from(["", "", "x", " PM"] if odd else [""]))


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE_TEXTS = st.builds(lambda y, mo, d, h, mi, sec: f"{y}年{mo}月{d}日 {h}:{mi}{sec}", st.sampled_from(["2023", "0000"]),
                          _number(0, 13, False), _number(0, 32, False), _number(0, 25, False), _number(0, 61, False),
                          st.one_of(st.just(""), _number(0, 61, False).map(lambda s: ":" + s)))
LAYOUT_TEXTS = st.one_of(_layout_texts(odd=False), CHINESE_TEXTS, _layout_texts(odd=True))


@settings(max_examples=3000, deadline=None)
@given(text=LAYOUT_TEXTS)
def test_numeric_layouts_read_without_strptime_as_strptime_reads_them(text):
    """``2023/1/2 8:30`` and its kin skip strptime (20 µs a row): the same time, or the same
    refusal, as before, over padded and unpadded fields, impossible dates and times (month 13,
    February 30th, 24:00, second 60), mixed separators, full-width digits and trailing text."""
    before = _strptime_only(text)
    try:
        got = parse_when(text, SHANGHAI)
    except ValueError:
        assert before is None or not tabular.EARLIEST.year < before.year < tabular.LATEST.year
        return
    assert before is not None and got == before.replace(tzinfo=SHANGHAI) and got.tzinfo is SHANGHAI


@pytest.mark.parametrize("text, moment", [
    ("2023/1/2 8:30", datetime(2023, 1, 2, 8, 30)),
    ("2023/01/02 08:30:05", datetime(2023, 1, 2, 8, 30, 5)),
    ("2023-1-2 8:30:05", datetime(2023, 1, 2, 8, 30, 5)),
    ("2023.1.2 8:30:05", datetime(2023, 1, 2, 8, 30, 5)),
    ("2023年1月2日 8:30", datetime(2023, 1, 2, 8, 30)),
    ("2023年01月02日 08:30:05", datetime(2023, 1, 2, 8, 30, 5)),
])
def test_spreadsheet_layouts_are_read(text, moment):
    assert parse_when(text, SHANGHAI) == moment.replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["2023.1.2 8:30", "2023/2/30 8:30", "2023/1/2 24:00", "2023-1/2 8:30", "2023/1/2 8:30:60",
                                  "2023年1月2日8:30"])
def test_what_no_layout_reads_is_still_no_timestamp(text):
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_when(text, SHANGHAI)
