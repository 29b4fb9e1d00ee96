"""wechat-txt's block reading against the line-by-line reading it replaced: the same records, in
the same order, and the same accounts, for any input, wherever the reads cut it."""

import importlib.util
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.formats import encoding
from chataudit.formats.base import PLACEHOLDERS, InputStats, Source
from chataudit.formats.encoding import BYTES_READ
from chataudit.formats.wechat_txt import V2_HINT, WeChatTxt, _Lines, _Reader
from tests.formats.block_reading import READ_SIZES, chunk, line_by_line, read_both, saved, undecodable, written
from tests.formats.block_reading import read as read_with
from tests.timeline import SHANGHAI

ROOT = Path(__file__).parents[2]
FIXTURES = sorted([*(ROOT / "tests" / "fixtures" / "wechat-txt").glob("*.txt"),
                   *(ROOT / "tests" / "formats" / "fixtures" / "wechat-txt").glob("*.txt")])
SAMPLE = ROOT / "samples" / "wechat" / "华东销售中心工作群.txt"
EXAMPLES = int(os.environ.get("CHATAUDIT_FAST_EXAMPLES", "300"))


class LineByLine(WeChatTxt):
    """The reading before blocks: every line, one at a time from ``iter_lines``, through the state
    machine alone (``_Lines``, the loop the parser had), with no run read as a whole."""

    def parse(self, source: Source, stats: InputStats):
        lines = _Lines(_Reader(source.group or source.path.stem, str(source.path), source.tz,
                               v2=bool(V2_HINT.search(source.head))))
        return line_by_line(lines, source, stats)


def read(path: Path, parser: WeChatTxt, runs: bool = False) -> tuple[list, InputStats | None, str | None]:
    return read_with(path, "wechat-txt", parser, runs)


def assert_same(path: Path) -> None:
    """The same records line by line, from the block reading, and from it with runs of plain
    messages as columns (as the batch engine reads them)."""
    expected = read(path, LineByLine())
    assert read(path, WeChatTxt()) == expected
    assert read(path, WeChatTxt(), runs=True) == expected


@pytest.mark.parametrize("path", [*FIXTURES, SAMPLE], ids=lambda p: p.name)
@pytest.mark.parametrize("size", [1, 64, 1000, encoding.CHUNK])
def test_fixtures_and_sample(path, size):
    with chunk(size):
        assert_same(path)


@pytest.fixture(scope="module", params=[False, True], ids=["day", "night"])
def corpus(request, tmp_path_factory) -> Path:
    """20,000 messages from the benchmark's generator (every one the common shape)."""
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    module.write(20_000, str(path), seed=7, night=request.param)
    return path


@pytest.mark.parametrize("size", [64, 4099, encoding.CHUNK])
def test_a_20k_message_benchmark_corpus(corpus, size):
    with chunk(size):
        records, stats, error = read(corpus, WeChatTxt())
    assert (len(records), stats.messages, stats.lines, error) == (20_000, 20_000, 60_000, None)
    assert (records, stats, error) == read(corpus, LineByLine())
    with chunk(size):
        assert (records, stats, error) == read(corpus, WeChatTxt(), runs=True)


def test_the_progress_display_hears_of_every_read(corpus):
    told: list[int] = []
    token = BYTES_READ.set(told.append)
    try:
        _, stats, _ = read(corpus, WeChatTxt())
    finally:
        BYTES_READ.reset(token)
    assert told == sorted(told) and told[-1] == corpus.stat().st_size
    assert len(told) >= stats.lines // 8192  # iter_lines told every 4,096 lines


# --- generated exports ------------------------------------------------------------------------

STAMPS = ["2023-10-09 08:55:10", "2023-10-09 08:55:11", "2023-10-10 23:59:59", "2025-03-01 00:00:00",
          "2023-02-30 10:00:00", "2023-10-09 25:61:00", "0000-01-01 00:00:00", "２０２３-10-09 08:00:00"]
NAMES = ["王建国", "销售部-张伟", "Lucy 🌸 市场", "", " 空格 ", "@所有人 通知", "张三\u3000", "我", "行\u2028分隔\x85"]
WORDS = [
    "收到", "好的", "我看看", "你好", "123", "-1", "image omitted", "<Media omitted>",  # plain, or nearly
    "[图片]", "【图片】", "[转账]", "【转账】", "【分享链接】", "【语音】明天开会", "【发起转账】:￥200.00", "12\n<xml>",
    "引用:王建国:开会", "引用：李四: 【图片】", "引用:未知", "备注: 聚餐费", "标题：端午", "链接: https://x.cn/b",
    '"张三" 拍了拍 "李四"', "我拍了拍自己", "“王五”拍了拍我",
    "@销售部-张伟 报表", "@所有人\u2005开会", "a@b.com",
    "2023-10-01 08:00:00 老板", "2023-10-01 08:00:00",  # pasted headers
    "[链接]:title:通知", "            [链接]:title:通知", "            description:说明", "            url:https://x.cn/a",
    " 前后有空格 ", "\u3000全角空格", "尾\x1c", "\x85", "  ", "\t",  # what str.strip() strips
]
TEXT = st.text(alphabet="收到好我你引用:：@[]【】\"“”-0123456789 \u3000\x1ca拍了", min_size=1, max_size=12)
LINE = st.one_of(st.sampled_from(WORDS), TEXT, st.text(alphabet="好的a ", min_size=50, max_size=300))
STAMP = st.one_of(st.sampled_from(STAMPS[:4]), st.sampled_from(STAMPS))  # mostly possible ones
NAME = st.sampled_from(NAMES)
SYSTEM = st.sampled_from(['"张三"撤回了一条消息', "某条系统消息", '你将"赵六"移出了群聊', '"李四"邀请"王五"加入了群聊', ""])


def _join(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


PIECE = st.one_of(
    # runs of the common shape
    st.lists(st.builds(lambda s, n, c: _join(f"{s} {n}", c, ""), STAMP, NAME, LINE), min_size=1, max_size=8)
    .map("".join),
    # several content lines, blank lines (1-3) inside, pasted headers
    st.builds(lambda s, n, body: _join(f"{s} {n}", *body, ""), STAMP, NAME,
              st.lists(st.one_of(LINE, st.sampled_from(["", "\n", "\n\n"]), st.builds("{} 客户".format, STAMP)),
                       max_size=6)),
    st.builds(lambda s, t: _join(f"{s} {t}", ""), STAMP, SYSTEM),  # 1.x system line
    st.builds(lambda s, t: _join(s, t, ""), STAMP, SYSTEM),  # 2.x: a bare timestamp, the text under it
    st.builds(_join, LINE),  # a stray line
    st.sampled_from(["\n", "\n\n", "  \n"]),
)


@st.composite
def exports(draw) -> bytes:
    text = "".join(draw(st.lists(PIECE, max_size=40)))
    if draw(st.booleans()):
        text = draw(LINE) + "\n" + text  # text before the first header
    return saved(draw, text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=exports(), size=st.one_of(st.integers(1, 200), st.just(encoding.CHUNK)))
def test_generated_exports(tmp_path_factory, data, size):
    with chunk(size):
        assert_same(written(tmp_path_factory, "群.txt", data))


@pytest.mark.parametrize("content", sorted({*WORDS, *PLACEHOLDERS}))
@pytest.mark.parametrize("stamp", STAMPS)
def test_each_kind_of_line_inside_a_run(tmp_path, stamp, content):
    path = tmp_path / "群.txt"
    common = "2023-10-09 08:00:00 张三\n好\n\n"
    path.write_text(common * 2 + f"{stamp} 李四\n{content}\n\n" + common * 2, encoding="utf-8")
    assert_same(path)


# --- where the line-by-line reading takes over ---------------------------------------------------

GOOD = "".join(f"2023-10-09 08:{i // 60 % 60:02}:{i % 60:02} 张三\n第{i}条\n\n" for i in range(6000))


@undecodable(GOOD)
@pytest.mark.parametrize("size", READ_SIZES)
def test_bytes_that_do_not_decode_stop_it_at_the_same_line(tmp_path, data, size):
    path = tmp_path / "群.txt"
    path.write_bytes(data)
    records, _, error = read_both(size, lambda: read(path, WeChatTxt()), lambda: read(path, LineByLine()))
    assert error is not None and "not valid" in error and len(records) > 5000
    read_both(size, lambda: read(path, WeChatTxt(), runs=True), lambda: read(path, LineByLine()))


@pytest.mark.parametrize("size", [16, 100, encoding.CHUNK])
def test_over_long_lines_are_capped_where_they_were(tmp_path, short_lines, size):
    path = tmp_path / "群.txt"
    before = "2023-10-09 08:00:00 张三\n好\n\n" * 30
    exactly = "2023-10-09 08:00:00 张三\n" + "长" * 50 + "\n\n"  # as long as a line may be
    longer = "2023-10-09 08:00:01 张三\n" + "长" * 173 + "\n\n"
    after = "2023-10-09 09:00:00 李四\n收到\n\n" * 30
    path.write_text(before + exactly + longer + after, encoding="utf-8")
    _, stats, error = read_both(size, lambda: read(path, WeChatTxt()), lambda: read(path, LineByLine()))
    assert (stats.unparsed_lines, stats.messages, error) == (1, 62, None)
    read_both(size, lambda: read(path, WeChatTxt(), runs=True), lambda: read(path, LineByLine()))


@given(st.from_regex(re.compile(r"\A[0-9０-９]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\Z")))
def test_cached_timestamps_are_the_ones_datetime_makes(stamp):
    try:
        made = datetime(int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
                        int(stamp[17:19]), tzinfo=SHANGHAI)
    except ValueError:
        made = None
    reader = _Reader("群", "群.txt", SHANGHAI, v2=False)
    for _ in range(2):  # made, then cached
        try:
            got = reader.timestamp(stamp)
        except ValueError:
            assert made is None
        else:
            assert (got, got.tzinfo, got.fold, got.utcoffset()) == (made, made.tzinfo, made.fold, made.utcoffset())
