"""wechat-txt: the WeChatMsg/MemoTrace text layout, record by record."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chataudit.jobs.inputs import open_input
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Message, Quote, Unparsed
from tests.formats.test_fuzz import FUZZ, check
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


# --- MemoTrace 2.x (exporter/exporter_txt.py: records joined by "\n\n", system lines as a bare timestamp)

V2 = Path(__file__).parents[1] / "fixtures" / "wechat-txt" / "v2-销售二部.txt"


def test_v2_bare_timestamp_system_message_is_an_event_not_glued_to_the_message_before(tmp_path):
    path = write(tmp_path, '2025-03-01 09:00:00 张三\n大家好，明天开会\n\n2025-03-01 09:01:00\n"李四"邀请"王五"加入了群聊\n\n'
                           "2025-03-01 09:02:00 王五\n收到", name="群.txt")
    records, stats = parse(path)
    first, join, reply = records
    assert isinstance(first, Message) and first.text == "大家好，明天开会"
    assert isinstance(join, Event) and (join.kind, join.actor, join.targets) == (EventKind.JOIN, "李四", ("王五",))
    assert join.loc.line == 4 and join.ts.isoformat() == "2025-03-01T09:01:00+08:00"
    assert reply.text == "收到" and (stats.messages, stats.events, stats.unparsed_lines) == (2, 1, 0)


def test_v2_system_text_keeps_its_words_without_the_markup(tmp_path):
    path = write(tmp_path, "2025-03-01 09:00:00\n<![CDATA[你撤回了一条消息 <a href=\"weixin://revoke_edit_click\">重新编辑</a>]]>\n\n"
                           '2025-03-01 09:01:00\n"王五" 撤回了一条消息')
    mine, theirs = parse(path)[0]
    assert (mine.kind, mine.actor, mine.text) == (EventKind.RECALL, "你", "你撤回了一条消息")
    assert (theirs.kind, theirs.actor) == (EventKind.RECALL, "王五")


def test_v2_system_message_with_no_text_is_still_an_event(tmp_path):
    path = write(tmp_path, "2025-03-01 09:16:00\n\n\n2025-03-01 09:17:00 张三\n好")
    empty, msg = parse(path)[0]
    assert isinstance(empty, Event) and (empty.kind, empty.text) == (EventKind.UNKNOWN, "")
    assert msg.sender == "张三"


@pytest.mark.parametrize(("content", "kind"), [
    ("【图片】", Kind.IMAGE), ("【视频】", Kind.VIDEO), ("【语音】明天下午三点开会", Kind.VOICE), ("【语音】", Kind.VOICE),
    ("【表情包】 微笑", Kind.STICKER), ("【表情包】 ", Kind.STICKER),
    ("【文件】Q3报表.xlsx 0.01 MB msg\\file\\Q3报表.xlsx xlsx 9e107d9d", Kind.FILE),
    ("【红包】: 恭喜发财，大吉大利", Kind.RED_PACKET), ("【发起转账】:￥200.00\n备注: 聚餐费\n", Kind.TRANSFER),
    ("【位置分享】\n坐标: (121.5,31.2)\n名称: 上海中心\n标签: 银城中路501号\n", Kind.LOCATION),
    ("【名片】\n微信号:abc\n昵称: 张三\n签名: \n性别: 男\n地区: 上海 浦东\n", Kind.CARD),
    ("【合并转发的聊天记录】\n\n- 2025-02-28 18:00:00 老板: 收到\n", Kind.OTHER),
    ("【音视频通话】\n通话时长 00:42", Kind.OTHER),
    ("【通知】明天开会", Kind.TEXT), ("图片】", Kind.TEXT),
])
def test_v2_full_width_placeholders_get_their_kind(tmp_path, content, kind):
    [msg], _ = parse(write(tmp_path, f"2025-03-01 09:00:00 李四\n{content}"))
    assert msg.kind == kind and msg.text == content.rstrip("\n")


def test_v2_transfer_amount_and_link_card(tmp_path):
    path = write(tmp_path, "2025-03-01 09:11:00 李四\n【发起转账】:￥200.00\n备注: 聚餐费\n\n\n"
                           "2025-03-01 09:12:00 人资中心-李敏\n【分享链接】\n标题：端午节放假\n描述：人资中心发布\n第二段说明\n"
                           "链接: https://mp.weixin.qq.com/s/XyZ789\n应用：人资中心公众号\n")
    transfer, link = parse(path)[0]
    assert (transfer.kind, transfer.amount) == (Kind.TRANSFER, 200.0)
    assert (link.kind, link.url, link.text) == (Kind.LINK, "https://mp.weixin.qq.com/s/XyZ789", "端午节放假\n人资中心发布\n第二段说明")


def test_v2_full_width_quote_is_a_quote(tmp_path):
    path = write(tmp_path, "2025-03-01 09:02:00 王五\n收到，马上整理\n引用：张三: 大家好: 明天开会\n第二行\n\n"
                           "2025-03-01 09:04:00 李四\n好看\n引用：李四: 【图片】")
    reply, image_reply = parse(path)[0]
    assert (reply.kind, reply.text) == (Kind.QUOTE, "收到，马上整理")
    assert reply.quote == Quote("张三", "大家好: 明天开会\n第二行")
    assert image_reply.quote == Quote("李四", "【图片】")


def test_v2_pat_is_a_notice_not_a_message(tmp_path):
    [pat], stats = parse(write(tmp_path, '2025-03-01 09:13:00 张三\n"张三" 拍了拍 "李四"'))
    assert isinstance(pat, Event) and (pat.kind, pat.actor) == (EventKind.UNKNOWN, "张三")
    assert stats.messages == 0


def test_v2_named_header_with_nothing_under_it_is_an_empty_message_not_a_system_line(tmp_path):
    """1.x writes a system line as ``time text`` and a blank line; 2.x never does, so in a 2.x
    file (known by its bare-timestamp system lines) a name with nothing under it is a message
    whose text the exporter left empty."""
    path = write(tmp_path, '2025-03-01 09:00:00\n"李四"邀请"王五"加入了群聊\n\n2025-03-01 09:01:00 王五\n\n\n2025-03-01 09:02:00 张三\n好')
    join, empty, ok = parse(path)[0]
    assert isinstance(empty, Message) and (empty.sender, empty.text) == ("王五", "")
    v1 = write(tmp_path, "2023-10-09 09:01:00 王五\n\n2023-10-09 09:02:00 张三\n好\n\n", name="v1.txt")
    assert isinstance(parse(v1)[0][0], Event)  # 1.x: the same shape is a system line


def test_v2_fixture_sniffs_as_wechat_txt_and_counts_add_up():
    records, stats = parse(V2)
    assert (stats.messages, stats.events, stats.unparsed_lines, stats.lines) == (14, 4, 0, 71)
    assert [r.kind for r in records if isinstance(r, Event)] == [EventKind.JOIN, EventKind.RECALL, EventKind.UNKNOWN,
                                                                  EventKind.UNKNOWN]


def test_v2_sender_with_an_empty_display_name(tmp_path):
    """2.x writes ``f'{str_time} {display_name}'``: an empty name leaves "time " with a space,
    which is a message; the bare "time" is a system line."""
    path = write(tmp_path, "2025-03-01 09:00:00 张三\n好\n\n2025-03-01 09:01:00 \n我的名字是空的\n\n2025-03-01 09:02:00\n\"王五\"撤回了一条消息")
    first, nameless, recall = parse(path)[0]
    assert isinstance(nameless, Message) and (nameless.sender, nameless.text) == ("", "我的名字是空的")
    assert first.text == "好" and isinstance(recall, Event)


@FUZZ
@given(cut=st.floats(min_value=0, max_value=1), noise=st.binary(max_size=40),
       lines=st.lists(st.integers(min_value=0, max_value=80), max_size=30))
def test_v2_fixture_truncated_noisy_and_shuffled_keeps_the_accounts(cut, noise, lines):
    data = V2.read_bytes()
    check(data[: int(len(data) * cut)] + noise, "wechat-txt", V2.name)
    source = data.split(b"\n")
    check(b"\n".join(source[i % len(source)] for i in lines), "wechat-txt", V2.name)


def test_a_1x_file_with_full_width_text_keeps_its_system_lines(tmp_path):
    """Only a bare timestamp line marks a 2.x file: a member who types 【图片】 or 引用： in a 1.x
    export does not turn its system lines into messages."""
    path = write(tmp_path, "2023-10-09 08:55:10 王建国\n【图片】说明\n引用：这不是引用\n\n2023-10-09 09:00:00 某条没见过的系统消息\n\n"
                           '2023-10-09 09:01:00 "张三"退出了群聊\n\n')
    msg, unknown, leave = parse(path)[0]
    assert isinstance(unknown, Event) and isinstance(leave, Event) and leave.kind == EventKind.LEAVE
