"""qq-txt's block reading against the line-by-line reading it replaced: the same records, in the
same order, and the same accounts, for any input, wherever the reads cut it, with and without
runs of plain messages as columns."""

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.formats import encoding
from chataudit.formats.base import InputStats, Source
from chataudit.formats.encoding import BYTES_READ
from chataudit.formats.qq_txt import FAST_SENDER, SENDER, QQTxt, _Lines
from chataudit.records import Message, Unparsed
from tests.formats.block_reading import READ_SIZES, chunk, line_by_line, read_both, saved, undecodable, written
from tests.formats.block_reading import read as read_with
from tests.test_qq_runs import qq_export

ROOT = Path(__file__).parents[2]
FIXTURES = sorted([*(ROOT / "tests" / "fixtures" / "qq-txt").glob("*.txt"),
                   *(ROOT / "tests" / "formats" / "fixtures" / "qq-txt").glob("*.txt")])
EXAMPLES = int(os.environ.get("CHATAUDIT_FAST_EXAMPLES", "300"))


class LineByLine(QQTxt):
    """The reading before blocks: every line, one at a time from ``iter_lines``, through the state
    machine alone (``_Lines.feed``, the loop the parser had); no record is opened by ``_read_block``."""

    def parse(self, source: Source, stats: InputStats):
        return line_by_line(_Lines.of(source), source, stats)


def read(path: Path, parser: QQTxt, runs: bool = False) -> tuple[list, InputStats | None, str | None]:
    return read_with(path, "qq-txt", parser, runs)


def assert_same(path: Path) -> None:
    """The same records line by line and from the block reading, without runs and with them (as
    the batch engine reads them, each run expanded into its messages)."""
    expected = read(path, LineByLine())
    assert read(path, QQTxt()) == expected
    assert read(path, QQTxt(), runs=True) == read(path, LineByLine(), runs=True) == expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("size", [1, 64, 1000, encoding.CHUNK])
def test_fixtures(path, size):
    with chunk(size):
        assert_same(path)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """6,000 messages in three sections (tests/test_qq_runs.py): QQ号 and e-mail ids, 24- and 12-hour
    clocks, system notices, second lines, paragraphs after a blank line, impossible times, a stray
    line, a private chat without ids; CRLF."""
    path = tmp_path_factory.mktemp("qq") / "qq6k.txt"
    path.write_bytes(qq_export(6_000).replace("\n", "\r\n").encode("utf-8"))
    return path


@pytest.mark.parametrize("size", [64, 4099, encoding.CHUNK])
def test_a_generated_three_section_export(export, size):
    with chunk(size):
        records, stats, error = read(export, QQTxt())
        assert (records, stats, error) == read(export, QQTxt(), runs=True)
    assert (stats.messages, stats.unparsed_lines, error) == (5_954, 10, None)
    assert (records, stats, error) == read(export, LineByLine())


def test_most_records_of_a_group_are_opened_at_once(export):
    """The fast lane is taken: by every record of the two group sections (4,000) but those a read
    cuts in two, and by none of the private chat's (no ids)."""
    with mock.patch.object(_Lines, "begin", autospec=True, side_effect=_Lines.begin) as begin:
        _, stats, _ = read(export, QQTxt())
    assert 4_000 - 10 < begin.call_count <= 4_000 < stats.messages + stats.events


def test_the_progress_display_hears_of_every_read(export):
    told: list[int] = []
    token = BYTES_READ.set(told.append)
    try:
        read(export, QQTxt())
    finally:
        BYTES_READ.reset(token)
    assert told == sorted(told) and told[-1] == export.stat().st_size
    assert len(told) > export.stat().st_size // (3 * encoding.CHUNK)


# --- generated exports ------------------------------------------------------------------------

STAMPS = ["2023-10-09 8:43:38", "2023-1-2 23:59:59", "2023-10-09 08:00:00", "2020-03-04 12:12:29 AM",
          "2020-3-4 8:56:02 PM", "2020-3-4 8:56:02PM",  # possible
          "2023-2-30 8:00:00", "2020-3-4 13:00:00 PM", "2020-3-4 0:00:00 AM", "2023-10-09 25:61:00",
          "２０２３-10-09 8:00:00", "2023-10-09 8:00"]  # impossible, or no header at all
NAMES = ["王建国", "骰娘-Roll100", "【管理员】暗夜", "【群主】", "系统消息", " 系统消息 ", "", " ", "名 字 ", "a(12)",
         "@所有人", "行\u2028分隔\x1c", "x)(", "【未闭合", "】"]
IDS = ["(10001)", "(87200175)", "<limin@example.com>", "(10000)", "(1000000)",  # ids
       "<@a@b.c>", "(１２３４５)",  # ids only SENDER reads
       "(123)", "(1234567890123)", "<a b@c>", "<@x>", "", "", ""]  # no id
WORDS = ["收到", "[图片]", "[表情]", "@王建国 你好", "a@b.com", "  前后空格  ", "\x1c", "\ufeff", "加入本群。", "撤回了一条消息",
         "消息对象:被贴的群", "消息对象：", " 消息对象:不是", "========", "消息分组:我的好友",
         "消息记录（此消息记录为文本格式，不支持重新导入）", "2023-10-09 8:45:00 不是发言人", "2023-10-09 8:45:00 贴的(20002)",
         "y】z(12345)"]
BLANKS = ["", "  ", "\t", "\u3000"]

STAMP = st.one_of(st.sampled_from(STAMPS[:6]), st.sampled_from(STAMPS))  # mostly possible ones
ID = st.one_of(st.sampled_from(IDS[:3]), st.sampled_from(IDS))  # mostly ids
HEADER = st.builds("{} {}{}".format, STAMP, st.sampled_from(NAMES), ID)
LINE = st.one_of(st.sampled_from(WORDS), HEADER, st.text(alphabet="收到好@【】()<> \u3000a1", min_size=1, max_size=10))
COMMON = st.builds("{} {}({})\n{}\n\n".format, STAMP, st.sampled_from(NAMES[:4]), st.sampled_from(["10001", "20002"]),
                   st.sampled_from(WORDS[:5]))
SECTION = st.builds(lambda name, rule: f"消息对象:{name}\n{rule}", st.sampled_from(["读书会", "Fish", " ", ""]),
                    st.sampled_from(["=" * 64 + "\n\n", "\n", ""]))


def _join(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


PIECE = st.one_of(
    st.lists(COMMON, min_size=1, max_size=8).map("".join),  # runs of the common shape
    # a message: its lines, blank lines and pasted sender or section lines among them
    st.builds(lambda header, body, end: _join(header, *body) + end, HEADER,
              st.lists(st.one_of(LINE, st.sampled_from(BLANKS)), max_size=6), st.sampled_from(["\n", "", "\n\n"])),
    st.builds("{} 系统消息({})\n{}\n\n".format, STAMP, st.sampled_from(["10000", "1000000"]),
              st.sampled_from(["张三加入本群。", "[图片]", ""])),
    SECTION,
    st.builds(_join, st.sampled_from(WORDS[11:16])),  # a preamble line
    st.builds(_join, LINE),  # a stray line
    st.sampled_from(BLANKS).map(_join),
)


@st.composite
def exports(draw) -> bytes:
    text = "".join(draw(st.lists(PIECE, max_size=40)))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["\ufeff", "\ufeff\ufeff", "消息对象:群\n", "stray\n"])) + text
    return saved(draw, text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=exports(), size=st.one_of(st.integers(1, 200), st.just(encoding.CHUNK)))
def test_generated_exports(tmp_path_factory, data, size):
    with chunk(size):
        assert_same(written(tmp_path_factory, "群.txt", data))


COMMON_UNIT = "2023-10-09 8:00:00 张三(10001)\n好\n\n"


@pytest.mark.parametrize("line", sorted({*WORDS, *BLANKS, *(f"{s} 李四(20002)" for s in STAMPS),
                                         *(f"2023-10-09 8:00:00 {n}{i}" for n in NAMES for i in IDS)}))
@pytest.mark.parametrize("where", ["header", "content", "after"])
def test_each_kind_of_line_among_common_records(tmp_path, line, where):
    """``line`` as a sender line, under one, or after a blank line, between common records."""
    unit = {"header": f"{line}\n好\n\n", "content": f"2023-10-09 8:00:00 李四(20002)\n{line}\n\n",
            "after": f"{line}\n\n"}[where]
    path = tmp_path / "群.txt"
    path.write_text(COMMON_UNIT * 2 + unit + COMMON_UNIT * 2, encoding="utf-8")
    assert_same(path)


PIECES_OF_SENDER_LINES = ["2023-10-09 8:00:00 【未闭合", "2023-10-09 8:00:00 PM 【管理员】", "2023-10-09 8:00:00 张三",
                          "y】z(12345)", "】(10001)", "2023-10-09 8:00:00 】(10001)", "x<a@b.c>", "(10001)"]


@pytest.mark.parametrize("second", PIECES_OF_SENDER_LINES)
@pytest.mark.parametrize("first", PIECES_OF_SENDER_LINES)
def test_two_lines_that_are_one_sender_line_together(tmp_path, first, second):
    """A sender line is one line: an unclosed title and its end with an id on the next line are not one."""
    path = tmp_path / "群.txt"
    path.write_text(COMMON_UNIT * 2 + f"{first}\n{second}\n好\n\n" + COMMON_UNIT * 2, encoding="utf-8")
    assert_same(path)


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_a_fast_sender_line_is_a_sender_line_with_the_same_groups(data):
    """What FAST_SENDER finds in a block is one line, which SENDER reads with the same groups."""
    line = data.draw(st.from_regex(FAST_SENDER, fullmatch=True))
    fast, h = FAST_SENDER.match(line), SENDER.match(line)
    assert "\n" not in line and h is not None and h[0] == fast[0] == line
    assert h.groups() == fast.groups() and h.groupdict() == fast.groupdict()


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail once ``seconds`` have passed (``re`` looks for signals while it matches)."""
    def stop(signum, frame):
        raise TimeoutError(f"still reading after {seconds} s")

    before = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


def test_text_that_nearly_makes_a_record_is_looked_at_once(tmp_path):
    """What a pattern with several ways to match would try over and over: long lines under a
    sender line with a blank, not empty, line after them (every way to split each line), and a
    sender line whose would-be e-mail is all @ (every @), under a line of a message."""
    path = tmp_path / "群.txt"
    lines = "".join("好 的" * 40 + "\n" for _ in range(12))
    path.write_text(("2023-10-09 8:00:00 张三(10001)\n" + lines + " \n" + "2023-10-09 8:00:01 李四(20002)\n好\n"
                     "2023-10-09 8:00:02 <a" + "@" * 50_000 + "\n\n") * 2, encoding="utf-8")
    with time_limit(10):
        records, stats, _ = read(path, QQTxt())
    assert (records, stats, _) == read(path, LineByLine())
    assert [type(r) for r in records] == [Message] * 4


# --- where the line-by-line reading takes over ---------------------------------------------------

GOOD = "".join(f"2023-10-9 8:{i // 60 % 60:02}:{i % 60:02} 张三(10001)\n第{i}条\n\n" for i in range(6000))


@undecodable(GOOD)
@pytest.mark.parametrize("size", READ_SIZES)
def test_bytes_that_do_not_decode_stop_it_at_the_same_line(tmp_path, data, size):
    path = tmp_path / "群.txt"
    path.write_bytes(data)
    records, _, error = read_both(size, lambda: read(path, QQTxt()), lambda: read(path, LineByLine()))
    assert error is not None and "not valid" in error and len(records) > 5000
    read_both(size, lambda: read(path, QQTxt(), runs=True), lambda: read(path, LineByLine(), runs=True))


@pytest.mark.parametrize("size", [16, 100, encoding.CHUNK])
def test_over_long_lines_are_capped_where_they_were(tmp_path, short_lines, size):
    path = tmp_path / "群.txt"
    before = COMMON_UNIT * 30
    exactly = "2023-10-09 8:00:00 张三(10001)\n" + "长" * 50 + "\n\n"  # as long as a line may be
    longer = "2023-10-09 8:00:01 张三(10001)\n" + "长" * 173 + "\n\n"
    after = "2023-10-09 9:00:00 李四(20002)\n收到\n\n" * 30
    path.write_text(before + exactly + longer + after, encoding="utf-8")
    records, stats, error = read_both(size, lambda: read(path, QQTxt()), lambda: read(path, LineByLine()))
    assert (stats.unparsed_lines, stats.messages, error) == (1, 62, None)
    assert [r.loc.line for r in records if isinstance(r, Unparsed)] == [95]
    assert all(len(r.text) <= 50 for r in records if isinstance(r, Message))
    read_both(size, lambda: read(path, QQTxt(), runs=True), lambda: read(path, LineByLine(), runs=True))
