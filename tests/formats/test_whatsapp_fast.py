"""whatsapp-txt's fast reading (blocks of lines, the common headers found a block at a time,
timestamps and first-line patterns cached) against its plain reading: the same records, in the
same order, and the same accounts, for any input, wherever the reads cut it.

The plain reading is the same parser with its fast parts off: every line from ``iter_lines``
through ``HEADER`` one at a time, each timestamp made whole (``aware(_timestamp(…))``) and the
patterns run for every message."""

import importlib.util
import os
import re
import sys
from contextlib import contextmanager
from datetime import timedelta, timezone
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.formats import encoding, whatsapp_txt
from chataudit.formats.tabular import aware
from chataudit.formats.whatsapp_txt import EDITED, FAST_HEADERS, HEADER, MARKS, _Moments, _style, _timestamp
from chataudit.records import Event, Message, Unparsed
from tests.formats.block_reading import ENCODINGS, READ_SIZES, chunk, read_both, saved, undecodable, written
from tests.formats.block_reading import read as read_with
from tests.timeline import SHANGHAI

ROOT = Path(__file__).parents[2]
FIXTURES = sorted([*(ROOT / "tests" / "fixtures" / "whatsapp-txt").glob("*.txt"),
                   *(ROOT / "tests" / "formats" / "fixtures" / "whatsapp-txt").glob("*.txt")])
EXAMPLES = int(os.environ.get("CHATAUDIT_FAST_EXAMPLES", "300"))
LRM, RLM, NNBSP = "\u200e", "\u200f", "\u202f"
GROUPS = ("a", "b", "c", "h", "min", "s", "ampm", "lrm", "rest")


def _whole_moment(moments: _Moments, h):
    return aware(_timestamp(h, moments.order), moments.tz)


def _maybe(head: str) -> bool:
    return True


@contextmanager
def plain():
    """The parser with no fast lane, no timestamp cache, no first-line cache and no first test
    before the patterns."""
    with mock.patch.dict(FAST_HEADERS, clear=True), mock.patch.object(_Moments, "at", _whole_moment), \
            mock.patch.object(whatsapp_txt, "_head_facts", whatsapp_txt._facts), \
            mock.patch.object(whatsapp_txt, "_SPECIAL", (_maybe,) * len(whatsapp_txt._SPECIAL)):
        yield


def read(path: Path) -> tuple[list, object, str | None]:
    return read_with(path, "whatsapp-txt")


def read_plain(path: Path) -> tuple[list, object, str | None]:
    with plain():
        return read(path)


def assert_same(path: Path) -> None:
    assert read(path) == read_plain(path)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("size", [1, 64, 1000, encoding.CHUNK])
def test_fixtures(path, size):
    with chunk(size):
        assert_same(path)


@pytest.fixture(scope="module")
def benchmark_export(tmp_path_factory) -> Path:
    """20,000 messages from bench/whatsapp.py, the file the comparison with whatstk reads."""
    path = tmp_path_factory.mktemp("bench") / "WhatsApp Chat with 华东销售群.txt"
    with pytest.MonkeyPatch.context() as patch, mock.patch.dict(sys.modules):
        patch.syspath_prepend(str(ROOT / "bench"))  # for its own imports (corpus, run)
        spec = importlib.util.spec_from_file_location("bench_whatsapp", ROOT / "bench" / "whatsapp.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.write(20_000, path)
    return path


@pytest.mark.parametrize("size", [64, 4099, encoding.CHUNK])
def test_the_benchmark_export(benchmark_export, size):
    with chunk(size):
        records, stats, error = read(benchmark_export)
    assert (stats.messages, stats.events, stats.unparsed_lines, error) == (20_000, 21, 0, None)
    assert sum(isinstance(r, Message) and "\n" in r.text for r in records) == 800
    with plain():
        assert (records, stats, error) == read(benchmark_export)


# --- generated exports ------------------------------------------------------------------------

DATES = ["09/10/2023", "13/10/2023", "10/13/23", "9/10/23", "09.10.23", "2023-10-09", "31/02/2023", "01/01/0001",
         "31/12/9999", "١٣/١٠/٢٠٢٣"]
CLOCKS = ["08:55", "8:55", "23:59", "25:61", f"8:55{NNBSP}PM", "8:55 am", "12:00 AM", "8:55 p. m.", "08:55:10",
          f"9:05:12{NNBSP}PM", "08.55"]
NAMES = ["王建国", "销售部-张伟", "Anna Schmidt", "华东销售群", f"{LRM}Bob", " 空格 ", "a: b"]
TEXTS = [
    "收到", "好的", "ok", "Meeting moved to 3pm", "时间: 晚上", "@销售部-张伟 报表", "",
    "<Media omitted>", "IMG-20231009-WA0001.jpg (file attached)", f"{LRM}image omitted", "image omitted",
    f"{LRM}<attached: 00000012-PHOTO-2023-10-13-09-21-00.jpg>", "报表.pdf • 2 pages document omitted",
    "This message was deleted", f"{LRM}This message was deleted.", "此消息已删除", "Missed voice call",
    f"{LRM}Messages and calls are end-to-end encrypted.", "location: https://maps.google.com/?q=31.2,121.4",
    "POLL:", f"改过了 {LRM}<This message was edited>", "a <b>", f"{LRM}王建国 added 张伟", "王建国 left",
    "x" * 70, "\ufeff中\u200f间", "  ", "\x85\u2028分隔", "09/10/2023, 08:55 - 王建国: 转发",
]
SYSTEM = ["Messages and calls are end-to-end encrypted. Tap to learn more.", "王建国 added 张伟", "Bob left",
          "人资中心-李敏 created group \"华东销售群\""]


def _header(style: str, stamp: str, marks: str) -> str:
    if style == "dash":
        return f"{marks}{stamp} - "
    if style == "bracket":
        return f"{marks}[{stamp}] "
    return f"{marks}{stamp}: "


STYLE = st.sampled_from(["dash", "dash", "bracket", "bracket", "colon"])
STAMP = st.builds("{}, {}".format, st.sampled_from(DATES[:3]) | st.sampled_from(DATES),
                  st.sampled_from(CLOCKS[:3]) | st.sampled_from(CLOCKS))
MARKS_BEFORE = st.sampled_from(["", "", "", LRM, f"{LRM}{RLM}", "\ufeff"])
TEXT = st.sampled_from(TEXTS) | st.text(alphabet="好ab <>:@\u200e", max_size=8)


@st.composite
def records(draw, style: str) -> str:
    """One record: a message (its text maybe running over lines) or a system line, in ``style``
    or, now and then, pasted in another."""
    header = _header(draw(st.sampled_from([style] * 5 + ["dash", "bracket", "colon"])), draw(STAMP),
                     draw(MARKS_BEFORE))
    if draw(st.integers(0, 5)) == 0:
        first = draw(st.sampled_from(SYSTEM))
    else:
        first = f"{draw(st.sampled_from(NAMES))}: {draw(TEXT)}"
    more = draw(st.lists(TEXT | st.sampled_from(["", "  "]), max_size=3))
    return "".join(line + "\n" for line in [header + first, *more])


@st.composite
def exports(draw) -> bytes:
    style = draw(STYLE)
    text = "".join(draw(st.lists(records(style), max_size=30)))
    if draw(st.booleans()):
        text = draw(TEXT) + "\n" + text  # text before the first header
    return saved(draw, text, ENCODINGS[:4], blank_ends=2)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=exports(), size=st.one_of(st.integers(1, 200), st.just(encoding.CHUNK)))
def test_generated_exports(tmp_path_factory, data, size):
    with chunk(size):
        assert_same(written(tmp_path_factory, "WhatsApp Chat with 群.txt", data))


@pytest.mark.parametrize("style", ["dash", "bracket"])
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_a_common_header_is_a_header_with_the_same_groups(style, data):
    """What FAST_HEADERS finds in a block is what HEADER reads on that line in a file of that style."""
    fast = FAST_HEADERS[style]
    line = data.draw(st.from_regex(fast, fullmatch=True).filter(lambda s: "\n" not in s))
    m, h = fast.match(line), HEADER.match(line)
    assert h is not None and _style(h) == style and h[0] == m[0] == line
    assert h.group(*GROUPS) == m.group(*GROUPS)


# --- where the plain reading takes over --------------------------------------------------------

GOOD = "".join(f"09/10/2023, 08:{i // 60 % 60:02} - 张三: 第{i}条\n续行\n" for i in range(6000))


@undecodable(GOOD)
@pytest.mark.parametrize("size", READ_SIZES)
def test_bytes_that_do_not_decode_stop_it_at_the_same_line(tmp_path, data, size):
    path = tmp_path / "WhatsApp Chat with 群.txt"
    path.write_bytes(data)
    _, _, error = read_both(size, lambda: read(path), lambda: read_plain(path))
    assert error is not None and "not valid" in error


@pytest.mark.parametrize("size", [16, 100, encoding.CHUNK])
def test_over_long_lines_are_capped_where_they_were(tmp_path, short_lines, size):
    path = tmp_path / "WhatsApp Chat with 群.txt"
    before = "09/10/2023, 08:00 - 张三: 好\n" * 30
    exactly = "09/10/2023, 08:00 - 张三: " + "长" * 26 + "\n"  # as long as a line may be
    longer = "09/10/2023, 08:01 - 张三: " + "长" * 173 + "\n续\n"
    after = "09/10/2023, 09:00 - 李四: 收到\n" * 30
    path.write_text(before + exactly + longer + after, encoding="utf-8")
    records, stats, error = read_both(size, lambda: read(path), lambda: read_plain(path))
    assert {r.loc.line for r in records if isinstance(r, Unparsed)} == {32}
    assert (stats.messages, error) == (62, None)


# --- the caches --------------------------------------------------------------------------------

ZONES = [SHANGHAI, ZoneInfo("America/New_York"), timezone.utc, timezone(timedelta(hours=14)),
         timezone(timedelta(hours=-14))]


@settings(max_examples=EXAMPLES, deadline=None)
@given(stamp=st.from_regex(re.compile(r"\A[0-9٠-٩]{1,2}/[0-9]{1,2}/(?:[0-9]{2}|[0-9]{4}), [0-9]{1,2}:[0-9]{2}"
                                      r"(?::[0-9]{2})?(?: [AaPp]\.? ?[Mm]\.?)?\Z")),
       order=st.sampled_from(["dmy", "mdy", "ymd"]), zone=st.sampled_from(ZONES))
def test_cached_timestamps_are_the_ones_made_whole(stamp, order, zone):
    h = HEADER.match(f"{stamp} - 张三: 好")
    if h is None:
        return
    try:
        made = aware(_timestamp(h, order), zone)
    except ValueError:
        made = None
    moments = _Moments(order, zone)
    for _ in range(2):  # made, then cached
        try:
            got = moments.at(h)
        except ValueError:
            assert made is None
        else:
            assert (got, got.tzinfo, got.fold, got.utcoffset()) == (made, made.tzinfo, made.fold, made.utcoffset())


MARKED = st.text(alphabet=f"ab 好<>{LRM}{RLM}\ufeff\n", max_size=20)


@given(MARKED | st.sampled_from(TEXTS) | st.tuples(MARKED, st.from_regex(EDITED.pattern, fullmatch=True)).map("".join))
def test_texts_lose_their_marks_and_edited_marker_as_the_patterns_say(text):
    assert whatsapp_txt._no_marks(text) == MARKS.sub("", text)
    assert whatsapp_txt._unmarked(text) == EDITED.sub("", MARKS.sub("", text))


FIRST_LINE_PATTERNS = [whatsapp_txt.NOTICE, whatsapp_txt.DELETED, whatsapp_txt.IOS_ATTACHED,
                       whatsapp_txt.ANDROID_ATTACHED, whatsapp_txt.MEDIA_OMITTED,
                       *(pattern for pattern, _ in whatsapp_txt.OMITTED), whatsapp_txt.LOCATION, whatsapp_txt.POLL,
                       whatsapp_txt.CALL]


@pytest.mark.parametrize("pattern", FIRST_LINE_PATTERNS, ids=lambda p: p.pattern[:24])
@settings(max_examples=EXAMPLES // 10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_the_first_test_lets_through_whatever_a_pattern_matches(pattern, data):
    """``_facts`` skips the patterns when no test of ``_SPECIAL`` passes: each must pass where its patterns match."""
    flags = re.IGNORECASE if pattern.flags & whatsapp_txt.regex.IGNORECASE else 0
    unnamed = re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern)  # for re: ANDROID_ATTACHED names two groups "file"
    head = data.draw(st.from_regex(re.compile(unnamed, flags)).map(lambda s: s.split("\n")[0])
                     .filter(lambda s: pattern.search(s) if pattern is whatsapp_txt.IOS_ATTACHED else pattern.match(s)))
    assert any(test(head) for test in whatsapp_txt._SPECIAL)


def test_an_event_and_a_message_in_one_block(tmp_path):
    """A system line between two messages, all of the common shape: one block, three records."""
    path = tmp_path / "WhatsApp Chat with 群.txt"
    path.write_text("13/10/2023, 22:41 - 张三: 好\n13/10/2023, 22:42 - Bob left\n13/10/2023, 22:43 - 李四: 收到\n",
                    encoding="utf-8")
    records, _, _ = read(path)
    assert [type(r) for r in records] == [Message, Event, Message]
    assert [r.loc.line for r in records] == [1, 2, 3]
