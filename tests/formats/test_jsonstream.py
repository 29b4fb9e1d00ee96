"""The JSON reading layer: lone surrogates mended on the way in (also across reads), deep
nesting skipped as one record in bounded memory, fields of the wrong type named, replies'
quotes from a bounded memory of recent messages."""

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chataudit.formats.base import InputStats
from chataudit.formats.jsonstream import (MAX_DEPTH, BadRecord, RecentMessages, _CountingReader, header_values,
                                          list_of, loads, mend_surrogates, message_objects, object_of, stream_items,
                                          text_of)
from chataudit.records import Quote, Unparsed
from tests.memory import peak_mib_of


def items(data: bytes, prefix: str = "messages.item") -> list:
    return list(stream_items(io.BytesIO(data), prefix, "x.json", InputStats()))


def test_lone_surrogates_become_the_replacement_character():
    data = rb'{"messages": ["x\ud83d", "\ude00y", "\ud83d\ud83d\ude00", "ok\ud83d\ude00", "\\ud83d", "\\\ud83d"]}'
    got = [value for _, value in items(data)]
    assert got == ["x\ufffd", "\ufffdy", "\ufffd\U0001F600", "ok\U0001F600", "\\ud83d", "\\\ufffd"]
    for text in got:
        text.encode("utf-8")  # nothing a writer would choke on


def test_jsonl_lines_are_mended_the_same_way():
    assert loads(r'{"t": "a\ud83db", "u": "\\ud83d", "v": "\ud83d\ude00"}') == {"t": "a\ufffdb", "u": "\\ud83d",
                                                                               "v": "\U0001F600"}
    assert mend_surrogates("no escapes") == "no escapes"


class _Trickle(io.RawIOBase):
    """A file that gives at most ``step`` bytes a read, to cut escapes anywhere."""

    def __init__(self, data: bytes, step: int):
        self.data, self.at, self.step = data, 0, step

    def readable(self):
        return True

    def read(self, size=-1):
        size = self.step if size < 0 else min(size, self.step)
        chunk = self.data[self.at:self.at + size]
        self.at += len(chunk)
        return chunk


_PIECES = st.sampled_from(["a", "\\\\", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "\\n", "\\u4f60", "\\\"", "中", "u",
                           "d83d"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=30), step=st.integers(min_value=1, max_value=20))
def test_an_escape_cut_between_two_reads_is_mended_as_if_read_whole(pieces, step):
    text = "".join(pieces)
    whole = json.loads(f'"{mend_surrogates(text)}"')
    reader = _CountingReader(_Trickle(f'["{text}"]'.encode(), step))
    streamed = b""
    while chunk := reader.read(step):
        streamed += chunk
    assert json.loads(streamed) == [whole]
    whole.encode("utf-8")


def test_an_item_nested_too_deeply_is_one_unparsed_record_and_the_next_is_read():
    deep = "[" * 10_000 + "]" * 10_000
    data = f'{{"name": "x", "messages": [{{"id": 1}}, {deep}, {{"id": 3, "a": {"[" * (MAX_DEPTH - 1)}{"]" * (MAX_DEPTH - 1)}}}]}}'
    first, bad, third = items(data.encode())
    assert first == (0, {"id": 1})
    assert isinstance(bad, Unparsed) and bad.loc.index == 2 and "nested deeper" in bad.reason
    assert third[0] == 2 and third[1]["id"] == 3  # MAX_DEPTH levels in all is still read
    assert [isinstance(x, Unparsed) for x in items(f"[1, {deep}, 3]".encode(), "item")] == [False, True, False]


def test_brackets_inside_strings_only_cost_the_slower_reading():
    """The depth bound counts every [ and {, strings too: a text of 5,000 brackets trips it and
    the file is read again by the other reader, with the same items."""
    messages = [{"id": 1, "text": "x"}, {"id": 2, "text": "[" * 5000 + "{" * 5000}, {"id": 3, "text": "好"}]
    data = json.dumps({"messages": messages}).encode()
    assert [item for _, item in items(data)] == messages


def test_deep_nesting_is_read_in_bounded_memory():
    """ijson's own item builder keeps one prefix per level: 20,000 levels took 1 GB, 40,000 over 4 GB."""
    script = (
        "import io, sys\n"
        "from chataudit.formats.base import InputStats\n"
        "from chataudit.formats.jsonstream import stream_items\n"
        "depth = 200_000\n"
        "data = b'{\"messages\": [' + b'[' * depth + b']' * depth + b', {\"id\": 2}]}'\n"
        "got = list(stream_items(io.BytesIO(data), 'messages.item', 'x', InputStats()))\n"
        "assert len(got) == 2 and got[1] == (1, {'id': 2}), got\n"
    )
    _, peak = peak_mib_of(script, timeout=120)
    assert peak < 293  # MiB


def test_header_values_skip_deep_nesting_before_the_messages(tmp_path):
    path = tmp_path / "x.json"
    deep = "[" * 50_000 + "]" * 50_000
    path.write_text(f'{{"guild": {{"junk": {deep}, "name": "g"}}, "channel": {{"name": "c"}}, "messages": []}}')
    assert header_values(path, {"guild.name", "channel.name"}, "messages") == {"guild.name": "g", "channel.name": "c"}


def test_a_file_that_breaks_off_keeps_what_was_read(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"messages": [{"id": 1}, {"id": 2}, {"id":', encoding="utf-8")
    stats = InputStats()
    first, second, cut = message_objects(path, "messages.item", stats)
    assert first[0] == {"id": 1} and second[1].index == 2
    assert isinstance(cut, Unparsed) and "breaks off after item 2" in cut.reason and stats.lines == 1


def test_numbers_beyond_the_c_parser_are_read_by_the_python_one():
    data = b'{"messages": [{"id": 1}, {"id": 1e400}, {"id": ' + b"9" * 400 + b'}, {"id": 4}]}'
    got = items(data)
    assert [i for i, _ in got] == [0, 1, 2, 3]
    assert got[1][1]["id"] == float("inf") and got[2][1]["id"] == int("9" * 400) and got[3][1] == {"id": 4}


def test_a_bom_and_line_counting(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b'\xef\xbb\xbf[\n{"a": 1},\n{"a": 2}\n]\n')
    stats = InputStats()
    assert [obj for obj, _ in message_objects(path, "item", stats)] == [{"a": 1}, {"a": 2}] and stats.lines == 4


def test_a_line_too_deep_for_json_loads_is_a_value_error():
    with pytest.raises(ValueError, match="nested too deeply"):
        loads("[" * 100_000 + "]" * 100_000)


def test_fields_of_the_wrong_type_are_named():
    row = {"name": "张三", "id": 0, "big": 1e300, "ratio": 0.5, "author": "str", "list": [1, None, 2], "flag": True}
    assert (text_of(row, "name"), text_of(row, "id"), text_of(row, "missing"), text_of(row, "ratio")) == (
        "张三", "0", None, "0.5")
    assert text_of(row, "big").startswith("1000000000")
    assert list_of(row, "list", int) == [1, 2] and object_of(row, "missing") == {}
    for call, needle in ((lambda: object_of(row, "author"), "'author' is text, not an object"),
                         (lambda: text_of(row, "list"), "'list' is a list, not text"),
                         (lambda: text_of(row, "flag"), "'flag' is true/false"),
                         (lambda: list_of(row, "name"), "'name' is text, not a list"),
                         (lambda: list_of(row, "list", str), "'list' holds a number")):
        with pytest.raises(BadRecord, match=needle):
            call()


def test_recent_messages_resolve_replies_and_stay_bounded():
    recent = RecentMessages(size=3, chars=5)
    for n in range(1, 6):
        recent.add(str(n), f"p{n}", f"message {n}")
    assert recent.quote("5") == Quote("p5", "messa") and recent.quote("3") == Quote("p3", "messa")
    assert recent.quote("2") == Quote(None, "#2")  # fell out of the window
    assert len(recent._seen) == 3
