"""qq-txt: QQ 消息管理器 text exports with and without the preamble, 12-hour clocks, e-mail
ids, private chats without ids; and telling a header-less QQ file from a WeChat one."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chataudit.formats.qq_txt import QQTxt, qq_evidence
from chataudit.formats.wechat_txt import WeChatTxt
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, EventKind, Kind, Message, Unparsed
from tests.formats.test_fuzz import FUZZ, check
from tests.timeline import SHANGHAI

FIXTURES = Path(__file__).parents[1] / "fixtures"
QQ = FIXTURES / "qq-txt"


def read(path: Path, fmt: str = "auto"):
    opened = open_input(path, fmt, SHANGHAI, None)
    return opened.format.name, list(opened.records()), opened.stats


def write(tmp_path: Path, text: str, name: str = "群.txt", newline: str = "\r\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


TWELVE_HOUR = """2020-03-04 12:12:29 AM 礼(852649)
今晚谁在线

2020-03-04 12:12:39 AM kp(100550)
我在

2020-03-04 12:13:41 AM 围观<indo@qq.com>
围观一下

2020-03-04 12:30:00 PM 礼(852649)
中午好
"""


def test_headerless_twelve_hour_export_is_qq_not_wechat(tmp_path):
    """The first line also fits WeChat's ``YYYY-MM-DD HH:MM:SS name``: the sender would be
    "AM 礼(852649)" at 12:12 noon. The AM/PM and the (QQ号) decide."""
    fmt, records, stats = read(write(tmp_path, TWELVE_HOUR))
    assert fmt == "qq-txt"
    first, second, mail, noon = records
    assert (first.sender, first.sender_id, first.ts.isoformat()) == ("礼", "852649", "2020-03-04T00:12:29+08:00")
    assert second.ts.hour == 0 and noon.ts.isoformat() == "2020-03-04T12:30:00+08:00"
    assert (mail.sender, mail.sender_id, mail.text) == ("围观", "indo@qq.com", "围观一下")
    assert stats.unparsed_lines == 0


@pytest.mark.parametrize(("clock", "hour"), [("12:00:01 AM", 0), ("1:00:00 AM", 1), ("11:59:59 AM", 11),
                                             ("12:00:00 PM", 12), ("1:05:00 PM", 13), ("11:59:59 PM", 23)])
def test_twelve_hour_clock(tmp_path, clock, hour):
    [msg], _ = read(write(tmp_path, f"2020-03-04 {clock} 礼(852649)\n好\n"))[1:]
    assert msg.ts.hour == hour


def test_a_twelve_hour_time_past_twelve_is_unparsed(tmp_path):
    _, records, stats = read(write(tmp_path, "2020-03-04 1:00:00 PM 礼(852649)\n好\n\n2020-03-04 13:00:00 PM 礼(852649)\n坏\n"))
    assert isinstance(records[0], Message) and [r.loc.line for r in records if isinstance(r, Unparsed)] == [4, 5]
    assert stats.unparsed_lines == 2


def test_private_chat_without_ids(tmp_path):
    fmt, records, _ = read(write(tmp_path, "2017-01-19 8:20:27 PM 暗夜\naaa\n\n2017-01-19 8:22:24 PM Fish\nbbb\n",
                                 name="暗夜.txt"))
    assert fmt == "qq-txt"
    a, b = records
    assert (a.sender, a.sender_id, a.text, a.ts.hour) == ("暗夜", None, "aaa", 20)
    assert (b.sender, b.group) == ("Fish", "暗夜")


def test_a_private_section_after_a_group_section(tmp_path):
    text = ("消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n消息分组:我的群聊\n" + "=" * 64 +
            "\n消息对象:读书会\n" + "=" * 64 + "\n\n2023-10-09 8:43:38 骰娘(87200175)\n开团\n\n"
            "2023-10-09 8:44:00 骰娘(87200175)\n第一行\n\n2023-10-09 8:45:00 不是发言人\n\n" + "=" * 64 +
            "\n消息分组:我的好友\n" + "=" * 64 + "\n消息对象:Fish\n" + "=" * 64 + "\n\n2023-10-10 0:05:09 暗夜\n还在吗\n")
    _, records, stats = read(write(tmp_path, text))
    group_msg, pasted, private = records
    assert pasted.text == "第一行\n\n2023-10-09 8:45:00 不是发言人"  # a group's senders have ids: no id, no header
    assert (private.group, private.sender, private.sender_id) == ("Fish", "暗夜", None)
    assert stats.unparsed_lines == 0


def test_a_v2_wechat_file_is_wechat_and_a_headerless_qq_file_is_qq():
    wechat_head = (FIXTURES / "wechat-txt" / "v2-销售二部.txt").read_text(encoding="utf-8")
    assert WeChatTxt.sniff(wechat_head, "v2.txt") > QQTxt.sniff(wechat_head, "v2.txt")
    for name in ("咨询群-12小时制.txt", "暗夜-私聊.txt"):
        qq_head = (QQ / name).read_text(encoding="utf-8")
        assert QQTxt.sniff(qq_head, name) > WeChatTxt.sniff(qq_head, name), name
    v1 = (Path(__file__).parents[2] / "samples" / "wechat" / "华东销售中心工作群.txt").read_text(encoding="utf-8")
    assert WeChatTxt.sniff(v1, "x.txt") == 0.9 and QQTxt.sniff(v1, "x.txt") < 0.5


def test_wechat_names_that_end_in_a_number_stay_wechat(tmp_path):
    """A work group whose nicknames carry a staff number looks like name(QQ号); WeChat's
    zero-padded hours (QQ never pads) keep it WeChat."""
    text = "".join(f"2023-10-09 0{h}:0{m}:00 销售部-张{m}(1380013{m:04d})\n第{m}条\n\n" for h, m in ((8, 1), (8, 2), (9, 3)))
    text += "2023-10-09 10:00:00 财务部-陈静(10086)\n好\n\n"
    fmt, records, _ = read(write(tmp_path, text, newline="\n"))
    assert fmt == "wechat-txt" and records[0].sender == "销售部-张1(13800130001)"


def test_qq_evidence_counts_header_lines_only(tmp_path):
    # a pasted 12-hour line inside a WeChat message (no blank line before it) is not evidence
    head = "2023-10-09 08:55:10 王建国\n转一下：\n2020-03-04 12:12:29 AM 礼(852649)\n\n2023-10-09 09:00:00 张三\n好\n"
    qq, wechat = qq_evidence(head)
    assert wechat > qq


def test_fixtures_read_with_every_record_accounted_for():
    for name, counts in (("读书会.txt", (6, 2)), ("咨询群-12小时制.txt", (4, 1)), ("暗夜-私聊.txt", (3, 0))):
        fmt, records, stats = read(QQ / name)
        assert fmt == "qq-txt" and (stats.messages, stats.events) == counts and stats.unparsed_lines == 0, name
    _, records, _ = read(QQ / "读书会.txt")
    empty = records[2]
    assert isinstance(empty, Message) and (empty.sender, empty.text, empty.kind) == ("暗夜", "", Kind.TEXT)
    assert [e.kind for e in records if isinstance(e, Event)] == [EventKind.UNKNOWN, EventKind.JOIN]


@pytest.mark.parametrize("name", ["读书会.txt", "咨询群-12小时制.txt", "暗夜-私聊.txt"])
@FUZZ
@given(cut=st.floats(min_value=0, max_value=1), noise=st.binary(max_size=40),
       lines=st.lists(st.integers(min_value=0, max_value=60), max_size=30))
def test_fixtures_truncated_noisy_and_shuffled_keep_the_accounts(name, cut, noise, lines):
    data = (QQ / name).read_bytes()
    check(data[: int(len(data) * cut)] + noise, "qq-txt", name)
    source = data.split(b"\n")
    check(b"\n".join(source[i % len(source)] for i in lines), "auto", name)
