"""wechat-csv: MemoTrace 1.x (localId,…,StrContent,…) and 2.x (消息ID,类型,发送人,时间,内容,…)."""

import csv
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chataudit.jobs.inputs import open_input
from chataudit.records import Event, EventKind, Kind, Message, Quote, Unparsed
from tests.formats.test_fuzz import FUZZ, check
from tests.timeline import SHANGHAI

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wechat-csv"
V2_HEADER = ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]


def read(path: Path, fmt: str = "auto"):
    opened = open_input(path, fmt, SHANGHAI, None)
    return opened.format.name, list(opened.records()), opened.stats


def write_v2(tmp_path: Path, rows: list[list[str]], name: str = "销售二部.csv") -> Path:
    """As exporter/exporter_csv.py writes it: utf-8-sig, csv.writer, the constant 'more'."""
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(V2_HEADER)
        writer.writerows([[*row, "more"] for row in rows])
    return path


def test_v2_header_is_wechat_csv_not_generic(tmp_path):
    path = write_v2(tmp_path, [["7301", "文本", "张三", "2025-03-01 09:00:00", "大家好", "张三", "阿三"]])
    fmt, [msg], stats = read(path)
    assert fmt == "wechat-csv"
    assert (msg.group, msg.sender, msg.kind, msg.text, msg.loc.ref) == ("销售二部", "张三", Kind.TEXT, "大家好", "7301")
    assert msg.ts.isoformat() == "2025-03-01T09:00:00+08:00" and stats.lines == 2


def test_v2_type_column_sets_the_kind_and_system_rows_are_events(tmp_path):
    path = write_v2(tmp_path, [
        ["1", "系统消息", "", "2025-03-01 09:01:00", '"李四"邀请"王五"加入了群聊', "", ""],
        ["2", "图片", "李四", "2025-03-01 09:02:00", "【图片】", "李四", "小李"],
        ["3", "引用消息", "王五", "2025-03-01 09:03:00", "收到\n引用：张三: 大家好", "王五", "老五"],
        ["4", "拍一拍", "张三", "2025-03-01 09:04:00", '"张三" 拍了拍 "李四"', "张三", "阿三"],
        ["5", "表情包", "李四", "2025-03-01 09:05:00", "【表情包】 ", "李四", "小李"],
        ["6", "文本", "王五", "2025-03-01 09:06:00", "【图片】是我写的字\n引用：不是引用: 而是正文", "王五", "老五"],
        ["7", "转账", "李四", "2025-03-01 09:07:00", "【已收款】:￥200.00\n备注: \n", "李四", "小李"],
        ["8", "视频号", "李四", "2025-03-01 09:08:00", "【视频号】\n描述: 新品发布\n发布者: 某品牌\n", "李四", "小李"],
        ["9", "某个新类型", "李四", "2025-03-01 09:09:00", "【语音】你好", "李四", "小李"],
        ["10", "系统消息", "", "2025-03-01 09:10:00",
         '<![CDATA[你撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>', "", ""],
    ])
    _, records, stats = read(path)
    join, image, quote, pat, sticker, text, transfer, channel, unknown, recall = records
    assert isinstance(join, Event) and (join.kind, join.actor, join.targets) == (EventKind.JOIN, "李四", ("王五",))
    assert join.loc.ref == "1"
    assert (image.kind, image.text) == (Kind.IMAGE, "【图片】")
    assert (quote.kind, quote.text, quote.quote) == (Kind.QUOTE, "收到", Quote("张三", "大家好"))
    assert isinstance(pat, Event) and pat.kind == EventKind.UNKNOWN
    assert sticker.kind == Kind.STICKER
    assert (text.kind, text.text, text.quote) == (Kind.TEXT, "【图片】是我写的字\n引用：不是引用: 而是正文", None)
    assert (transfer.kind, transfer.amount) == (Kind.TRANSFER, 200.0)
    assert channel.kind == Kind.LINK
    assert unknown.kind == Kind.VOICE  # a 类型 this reader does not know: the wording decides
    assert (recall.kind, recall.actor, recall.text) == (EventKind.RECALL, "你", "你撤回了一条消息")
    assert (stats.messages, stats.events, stats.unparsed_lines) == (7, 3, 0)


def test_v2_row_with_a_bad_time_is_unparsed_with_its_line(tmp_path):
    path = write_v2(tmp_path, [["1", "文本", "张三", "2025-03-01 09:00:00", "第一行\n第二行", "", ""],
                               ["2", "文本", "张三", "昨天", "坏", "", ""]])
    _, (ok, bad), stats = read(path)
    assert isinstance(bad, Unparsed) and (bad.loc.line, bad.loc.ref) == (4, "2") and "时间" in bad.reason
    assert stats.lines == 4


def test_v1_system_row_without_its_markup(tmp_path):
    path = tmp_path / "群_utf8.csv"
    path.write_text("localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
                    '1,2,10000,0,1,1717378140,4,"<![CDATA[你撤回了一条消息 <a href=""weixin://revoke_edit_click"">重新编辑</a>]]>",'
                    "2024-06-03 09:29:00,,,\n"
                    "2,2,49,5,0,1717378200,2,,2024-06-03 09:30:00,人资中心-李敏,李敏,wxid_lm\n", encoding="utf-8-sig")
    fmt, (recall, link), _ = read(path)
    assert fmt == "wechat-csv" and recall.group == "群"
    assert (recall.kind, recall.actor, recall.text) == (EventKind.RECALL, "你", "你撤回了一条消息")
    assert (link.kind, link.text) == (Kind.LINK, "[链接]")  # 3.9 keeps the card in CompressContent, not exported


def test_fixtures():
    fmt, records, stats = read(FIXTURES / "v2-销售二部.csv")
    assert fmt == "wechat-csv" and (stats.messages, stats.events, stats.unparsed_lines) == (11, 3, 0)
    assert all(isinstance(r, (Message, Event)) and r.loc.ref for r in records)
    fmt, records, stats = read(FIXTURES / "v1-销售一部_utf8.csv")
    assert fmt == "wechat-csv" and (stats.messages, stats.events, stats.unparsed_lines) == (7, 3, 0)


@FUZZ
@given(cut=st.floats(min_value=0, max_value=1), noise=st.binary(max_size=40))
def test_v2_fixture_truncated_and_noisy_keeps_the_accounts(cut, noise):
    data = (FIXTURES / "v2-销售二部.csv").read_bytes()
    check(data[: int(len(data) * cut)] + noise, "wechat-csv", "v2-销售二部.csv")
