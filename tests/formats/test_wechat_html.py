"""wechat-html: MemoTrace 1.x (JavaScript object literals) and 2.x (a JSON array far into the
page), read with a scanner that respects strings; issue #15 items 5 (an oversized message
object) and 9 (a nested ``{`` dropped the rest of the array)."""

import html
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.formats import wechat_html
from chataudit.formats.wechat_html import WeChatHtml
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, EventKind, Kind, Message, Quote, Unparsed
from tests.formats.test_fuzz import FUZZ, check
from tests.timeline import SHANGHAI

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wechat-html"
V1 = FIXTURES / "v1-销售一部.html"
V2 = FIXTURES / "v2-销售二部.html"
BASE_TS = 1740790800  # 2025-03-01 09:00:00 +08:00


def read(path: Path, fmt: str = "auto"):
    opened = open_input(path, fmt, SHANGHAI, None)
    return opened.format.name, list(opened.records()), opened.stats


def escaped(value):
    """exporter/exporter_html.py dict_to_js: strings not starting with http are HTML-escaped."""
    if isinstance(value, str):
        return value if value.startswith("http") else html.escape(value)
    if isinstance(value, dict):
        return {k: escaped(v) for k, v in value.items()}
    return value


def v2_message(n: int, text: str, **extra) -> dict:
    return {"type": "1", "is_send": False, "timestamp": BASE_TS + n, "server_id": str(7300000000000000000 + n),
            "display_name": f"成员{n % 7}", "avatar_src": "", "xml_dict": {}, "text": text, **extra}


def v2_page(tmp_path: Path, messages: list[dict], name: str = "群.html", padding: int = 0, raw: str | None = None) -> Path:
    data = raw if raw is not None else json.dumps([escaped(m) for m in messages], ensure_ascii=False, indent=4)
    css = "".join(f".flatpickr-day.n{i} {{ color: #{i % 999:03d}; }}\n" for i in range(padding))
    page = ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<style>\n"
            ".chat-refer{} .transfer-box{} .chat-music-audio{} .timeline-item-month{} .chat-file{}\n" + css + "</style>\n"
            "<title>销售二部群</title>\n</head>\n<body>\n<script>\n"
            "const avatarPaths = [];\nconst chatMessages = " + data + ";\nvar timelineData = {};\n</script>\n</body>\n</html>\n")
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path


# --- issue #15 item 9: a { or } inside a message, nested objects -----------------------------------


def test_braces_and_quotes_inside_messages_drop_nothing(tmp_path):
    """1,000 messages; one holds `{`, `}`, quotes and a nested object: every one is read (the old
    reader stopped at the first nested `{` and reported "1 unparsed line" for 997 messages)."""
    messages = [v2_message(n, f"第{n}条") for n in range(1000)]
    messages[2] = v2_message(2, '模板：{"金额": 100, "明细": {"a": 1}} 还有 }{ 和 \'单引号\' "双引号"',
                             xml_dict={"msg": {"appmsg": {"title": "{嵌套}", "des": "}"}}})
    messages[500] = v2_message(500, "}", messages=[v2_message(9999, "{")])
    fmt, records, stats = read(v2_page(tmp_path, messages))
    assert fmt == "wechat-html"
    assert stats.messages == 1000 and stats.unparsed_lines == 0
    assert records[2].text == '模板：{"金额": 100, "明细": {"a": 1}} 还有 }{ 和 \'单引号\' "双引号"'
    assert records[500].text == "}" and records[999].text == "第999条"
    assert [r.loc.index for r in records] == list(range(1, 1001))


def test_v1_braces_and_an_unescaped_apostrophe(tmp_path):
    """1.x escapes `'` in texts (\\') but not in link titles: the page has title:'It's …'."""
    objects = ["{ type:1, text: '{\\\"a\\\": 1} }{ It\\'s',is_send:0,avatar_path:'',timestamp:1717374602,is_chatroom:1,displayname:'张三'},",
               "{ type:49,sub_type:5, text:'',is_send:0,avatar_path:'',url:'https://x.cn/?a=1&b=2',timestamp:1717374603,"
               "is_chatroom:1,displayname:'李四',title:'It's time',description:'d',thumbnail:'',app_logo:'',app_name:'公众号'},\n",
               "{ type:49,sub_type:2000,text:'发起转账',is_send:0,avatar_path:'',timestamp:1717374604,is_chatroom:1,"
               "displayname:'王五',paysubtype:1,pay_memo:'',feedesc:'￥0.01',},\n",
               "{ type:1, text: 'after',is_send:0,avatar_path:'',timestamp:1717374605,is_chatroom:1,displayname:'张三'},"]
    path = tmp_path / "v1.html"
    path.write_text("<html><head><title>群</title></head><script>\nconst chatMessages = [\n" + "".join(objects) + "\n];\n</script></html>\n",
                    encoding="utf-8")
    fmt, (text, link, transfer, after), stats = read(path)
    assert fmt == "wechat-html"
    assert text.text == '{"a": 1} }{ It\'s'
    assert (link.kind, link.text, link.url) == (Kind.LINK, "It's time\nd", "https://x.cn/?a=1&b=2")
    assert (transfer.kind, transfer.amount) == (Kind.TRANSFER, 0.01)
    assert after.text == "after" and stats.unparsed_lines == 0


GOOD = "{ type:1, text: 'ok %d',is_send:0,avatar_path:'',timestamp:1717374602,is_chatroom:1,displayname:'张三'},"


def v1_page(tmp_path: Path, objects: str) -> Path:
    path = tmp_path / "v1.html"
    path.write_text("<html><script>\nconst chatMessages = [\n" + objects + "\n];\n</script></html>\n", encoding="utf-8")
    return path


def test_a_stray_quote_in_a_1x_string_is_read_as_an_apostrophe(tmp_path):
    _, records, stats = read(v1_page(tmp_path, GOOD % 1 + "{ type:1, text: 'it' s',timestamp:1717374602,displayname:'李四'},"
                                     + GOOD % 2))
    assert [r.text for r in records] == ["ok 1", "it' s", "ok 2"] and stats.unparsed_lines == 0


def test_an_unbalanced_object_is_cut_where_the_next_message_starts(tmp_path):
    """A `{` outside any string would run the object to the end of the file: it is cut at the
    next `}, { type:` and the messages after it are read."""
    broken = "{ type:1, text: 'bad', extra: {,timestamp:1717374602,displayname:'李四'},"
    _, records, stats = read(v1_page(tmp_path, GOOD % 1 + broken + GOOD % 2 + GOOD % 3))
    assert [r.text for r in records if isinstance(r, Message)] == ["ok 1", "ok 2", "ok 3"]
    bad = next(r for r in records if isinstance(r, Unparsed))
    assert bad.loc.index == 2 and "李四" in bad.text and "neither JSON nor" in bad.reason
    assert [r.loc.index for r in records] == [1, 2, 3, 4] and stats.unparsed_lines == 1


def test_an_object_that_is_not_a_literal_is_one_unparsed(tmp_path):
    _, records, stats = read(v1_page(tmp_path, GOOD % 1 + "{ type:1, text: 'bad', 42, timestamp:1717374602}," + GOOD % 2))
    assert [type(r) for r in records] == [Message, Unparsed, Message] and stats.unparsed_lines == 1


def test_things_in_the_array_that_are_not_objects_are_counted(tmp_path):
    raw = '[\n' + json.dumps(escaped(v2_message(1, "a"))) + ',\n42,\n' + json.dumps(escaped(v2_message(2, "b"))) + '\n]'
    _, records, stats = read(v2_page(tmp_path, [], raw=raw))
    a, junk, b = records
    assert (a.text, b.text, b.loc.index) == ("a", "b", 3)
    assert isinstance(junk, Unparsed) and junk.reason == "not a message object" and junk.loc.index == 2


# --- issue #15 item 5: one oversized message object ------------------------------------------------


def test_an_object_over_the_cap_is_one_unparsed_and_the_run_goes_on(tmp_path):
    """Default cap (16 MB): a 17 MB message between two ordinary ones."""
    messages = [v2_message(1, "before"), v2_message(2, "长" * (17 * 1024 * 1024) + "{"), v2_message(3, "after")]
    _, records, stats = read(v2_page(tmp_path, messages))
    before, big, after = records
    assert (before.text, after.text) == ("before", "after")
    assert isinstance(big, Unparsed) and big.loc.index == 2 and big.loc.line is not None
    assert "over the 16 MB" in big.reason and len(big.text) <= 200
    assert after.loc.index == 3 and stats.unparsed_lines == 1 and stats.messages == 2


def test_memory_stays_bounded_by_the_cap_not_the_object(tmp_path, monkeypatch):
    monkeypatch.setattr(wechat_html, "MAX_OBJECT", 256 * 1024)
    monkeypatch.setattr(wechat_html, "CHUNK", 64 * 1024)
    huge = ("'\\\"}{" + "x" * 59) * 200_000  # 13 MB, with quotes, escapes and braces, inside one string
    path = v2_page(tmp_path, [v2_message(1, "before"), v2_message(2, huge), v2_message(3, "after")])
    tracemalloc.start()
    try:
        _, records, _ = read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(r) for r in records] == [Message, Unparsed, Message] and records[2].text == "after"
    assert peak < 8 * 1024 * 1024, peak  # the object alone is 13 MB


def test_an_oversized_object_cut_off_by_the_end_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(wechat_html, "MAX_OBJECT", 1024)
    monkeypatch.setattr(wechat_html, "CHUNK", 512)
    path = v2_page(tmp_path, [v2_message(1, "before"), v2_message(2, "x" * 5000)])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("x" * 4000)], encoding="utf-8")
    _, (before, cut), stats = read(path)
    assert before.text == "before" and isinstance(cut, Unparsed) and "breaks off" in cut.reason


# --- the 2.x layout ---------------------------------------------------------------------------------


def test_v2_array_far_beyond_the_sniffed_head(tmp_path):
    """The real 2.x template puts 300 KB of styles and scripts before the array and 135 KB
    before <title>: the page is known by its styles, the title and array found by reading on."""
    path = v2_page(tmp_path, [v2_message(1, "你好")], padding=8000)
    assert path.read_text(encoding="utf-8").index("chatMessages") > 200_000
    fmt, [msg], stats = read(path)
    assert fmt == "wechat-html" and (msg.group, msg.text) == ("销售二部群", "你好")


def test_v2_kinds_quote_system_and_pat(tmp_path):
    messages = [
        {**v2_message(1, ""), "type": "244813135921", "text": "收到", "quote_text": "张三: 第一行\n第二行"},
        {**v2_message(2, '"李四"邀请"王五"加入了群聊'), "type": "10000", "display_name": ""},
        {**v2_message(3, '"张三" 拍了拍 "李四"'), "type": 10000},
        {**v2_message(4, ""), "type": "25769803825", "file_name": "a&b.xlsx"},
        {**v2_message(5, "恭喜发财"), "type": "8594229559345"},
        {**v2_message(6, ""), "type": "12884901937", "title": "晴天", "description": "周杰伦", "url": "https://y.qq.com/x?a=1&para=2"},
        {**v2_message(7, ""), "type": "47"},
        {**v2_message(8, ""), "type": "424242"},
    ]
    _, (quote, join, pat, file, packet, music, sticker, unknown), _ = read(v2_page(tmp_path, messages))
    assert quote.quote == Quote("张三", "第一行\n第二行") and quote.kind == Kind.QUOTE
    assert (join.kind, join.actor, join.targets) == (EventKind.JOIN, "李四", ("王五",))
    assert isinstance(pat, Event) and pat.actor == "张三"
    assert file.text == "[文件] a&b.xlsx" and packet.kind == Kind.RED_PACKET
    assert (music.kind, music.text, music.url) == (Kind.LINK, "晴天\n周杰伦", "https://y.qq.com/x?a=1&para=2")
    assert sticker.kind == Kind.STICKER and unknown.kind == Kind.OTHER


def test_v2_truncated_array_keeps_what_was_read(tmp_path):
    text = V2.read_text(encoding="utf-8")
    cut = tmp_path / "cut.html"
    cut.write_text(text[: text.index('"type": "3"')], encoding="utf-8")
    _, records, _ = read(cut, "wechat-html")
    assert len([r for r in records if isinstance(r, Message)]) == 3 and isinstance(records[-1], Unparsed)
    assert "breaks off" in records[-1].reason


def test_a_page_without_the_array_says_so(tmp_path):
    path = tmp_path / "x.html"
    path.write_text("<html><head><style>.chat-refer{} .transfer-box{} .chat-music-audio{} .chat-file{}</style>"
                    "</head><body>nothing</body></html>\n", encoding="utf-8")
    fmt, [record], stats = read(path)
    assert fmt == "wechat-html" and isinstance(record, Unparsed) and "chatMessages" in record.reason


def test_sniffing_other_html_is_not_wechat():
    assert WeChatHtml.sniff("<!DOCTYPE html><html><head><style>.chat-file{}</style></head>", "a.html") == 0.0


@pytest.mark.parametrize("path", [V1, V2], ids=["v1", "v2"])
@FUZZ
@given(cut=st.floats(min_value=0, max_value=1), noise=st.binary(max_size=40))
def test_truncated_and_noisy_pages_keep_the_accounts(path, cut, noise):
    data = path.read_bytes()
    check(data[: int(len(data) * cut)] + noise, "wechat-html", path.name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(alphabet="{}[]\"'\\,:abc 中\n", max_size=30), min_size=1, max_size=8))
def test_any_text_in_any_message_reads_back(tmp_path_factory, texts):
    path = v2_page(tmp_path_factory.mktemp("p"), [v2_message(n, t) for n, t in enumerate(texts)])
    _, records, stats = read(path)
    assert [r.text for r in records] == texts and stats.unparsed_lines == 0


@pytest.mark.parametrize("key", ['"a"', "a"], ids=["json", "js"])
def test_deeply_nested_objects_are_unparsed_not_a_crash(tmp_path, key):
    deep = "{" + f"{key}:{{" * 100_000 + "}" * 100_001
    raw = "[\n" + json.dumps(escaped(v2_message(1, "before"))) + ",\n" + deep + ",\n" + json.dumps(escaped(v2_message(2, "after"))) + "\n]"
    _, records, stats = read(v2_page(tmp_path, [], raw=raw))
    assert [type(r) for r in records] == [Message, Unparsed, Message] and records[2].text == "after"
