"""wechat-txt: the WeChatMsg/MemoTrace text layout, record by record."""

from pathlib import Path

import pytest

from chataudit.jobs.inputs import open_input
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Message, Quote, Unparsed
from tests.timeline import SHANGHAI

FIXTURES = Path(__file__).parent / "fixtures" / "wechat-txt"


def parse(path: Path, fmt: str = "auto"):
    opened = open_input(path, fmt, SHANGHAI, None)
    return list(opened.records()), opened.stats


def write(tmp_path: Path, text: str, name: str = "群.txt", encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_multiline_fixture_record_by_record():
    records, stats = parse(FIXTURES / "multiline.txt")
    assert stats.lines == 53 and stats.unparsed_lines == 0
    assert (stats.messages, stats.events) == (9, 6)
    join, qr, task, reply, unknown_quote, image, sticker, card, paragraphs, pasted, *rest = records
    assert isinstance(join, Event) and join.kind == EventKind.JOIN
    assert (join.actor, join.targets, join.via) == ("人资中心-李敏", ("行政人事部-孙丽", "财务部-王五"), "invite")
    assert (qr.actor, qr.targets, qr.via) == ("张三", ("李四",), "qrcode")
    assert isinstance(task, Message) and task.sender == "王建国" and task.kind == Kind.TEXT
    assert task.mentions == ("销售部-张伟",) and task.loc.line == 5
    assert task.ts.isoformat() == "2023-10-09T08:55:10+08:00"
    assert reply.kind == Kind.QUOTE and reply.text == "收到，马上整理"
    assert reply.quote == Quote("王建国", "@销售部-张伟 今天下班前把Q3销售报表发我，\n务必完成")
    assert unknown_quote.quote == Quote(None, "")
    assert (image.kind, image.text) == (Kind.IMAGE, "[图片]")
    assert (sticker.sender, sticker.kind) == ("Lucy 🌸 市场", Kind.STICKER)
    assert card.kind == Kind.LINK and card.url == "https://mp.weixin.qq.com/s/AbCdEf123"
    assert card.text == "关于国庆后考勤制度调整的通知\n人资中心发布"
    assert paragraphs.text == "第一段：会议纪要\n\n第二段：下周安排\n2023-10-01 08:00:00 这行是粘贴的，不是新消息"
    assert pasted.text == "下面是转发的聊天记录：\n\n2023-10-01 08:00:00 老板\n\n这段也是正文吗？"
    recall, removed, pat, unknown, at_name = rest
    assert (recall.kind, recall.actor) == (EventKind.RECALL, "市场部-周杰")
    assert (removed.kind, removed.actor, removed.targets) == (EventKind.REMOVED, "你", ("赵六",))
    assert pat.kind == EventKind.UNKNOWN and unknown.kind == EventKind.UNKNOWN
    assert unknown.text == "这是一条没见过的系统消息"
    assert isinstance(at_name, Message) and at_name.sender == "@所有人 通知"


def test_group_name_comes_from_the_file_name(tmp_path):
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n开会\n\n", name="德鲁克咨询交流群.txt")
    [msg], _ = parse(path)
    assert msg.group == "德鲁克咨询交流群"


def test_mentions_including_all_members(tmp_path):
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n@所有人 @销售部-张伟\u2005明天开会，联系 a@b.com\n\n")
    [msg], _ = parse(path)
    assert msg.mentions == (ALL_MEMBERS, "销售部-张伟")


@pytest.mark.parametrize(("encoding", "newline"), [
    ("utf-8", "\n"), ("utf-8-sig", "\n"), ("utf-16", "\n"), ("gb18030", "\n"), ("utf-8", "\r\n"), ("gb18030", "\r\n"),
])
def test_encodings_and_line_ends(tmp_path, encoding, newline):
    text = "2023-10-09 08:55:10 销售部-张伟\n收到，马上整理\n第二行\n\n2023-10-09 09:00:00 \"张三\"撤回了一条消息\n\n"
    records, stats = parse(write(tmp_path, text, encoding=encoding, newline=newline))
    assert [type(r) for r in records] == [Message, Event]
    assert records[0].sender == "销售部-张伟" and records[0].text == "收到，马上整理\n第二行"
    assert stats.lines == 6 and stats.unparsed_lines == 0


def test_text_before_the_first_header_is_counted_not_dropped(tmp_path):
    path = write(tmp_path, "导出自 WeChatMsg\n版本 2.0\n2023-10-09 08:55:10 王建国\n开会\n\n")
    records, stats = parse(path, "wechat-txt")
    unparsed = [r for r in records if isinstance(r, Unparsed)]
    assert [u.loc.line for u in unparsed] == [1, 2]
    assert stats.unparsed_lines == 2 and stats.messages == 1 and stats.unparsed_samples == [1, 2]


def test_impossible_timestamps_are_unparsed_with_their_lines(tmp_path):
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n开会\n\n2023-02-30 25:61:00 张三\n第一行\n第二行\n\n"
                           "2023-10-09 09:00:00 李四\n好\n")
    records, stats = parse(path)
    assert [r.loc.line for r in records if isinstance(r, Unparsed)] == [4, 5, 6]
    assert stats.messages == 2 and stats.unparsed_lines == 3


def test_header_without_blank_line_before_it_is_content(tmp_path):
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n转一下：\n2023-10-08 10:00:00 客户\n好的\n\n")
    [msg], _ = parse(path)
    assert msg.text == "转一下：\n2023-10-08 10:00:00 客户\n好的"


def test_system_line_at_the_end_of_a_truncated_file(tmp_path):
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n开会\n\n2023-10-09 09:00:00 \"张三\"退出了群聊")
    records, stats = parse(path)
    assert records[-1].kind == EventKind.LEAVE and records[-1].targets == ("张三",)
    assert stats.lines == 4


def test_every_header_of_the_sample_starts_exactly_one_record():
    sample = Path(__file__).parents[2] / "samples" / "wechat" / "华东销售中心工作群.txt"
    records, stats = parse(sample)
    lines = sample.read_text(encoding="utf-8").splitlines()
    headers = [n for n, line in enumerate(lines, 1)
               if line[:4].isdigit() and line[19:20] == " " and (n == 1 or not lines[n - 2].strip())]
    assert [r.loc.line for r in records] == headers
    assert stats.lines == len(lines) and stats.unparsed_lines == 0
    assert stats.messages >= 300 and stats.events >= 5
