"""Every format: sniffed right, read record by record with exact values, lines accounted for."""

import json
import zipfile
from pathlib import Path

import pytest

from chataudit.errors import InputError
from chataudit.formats.base import InputOptions
from chataudit.jobs.inputs import open_input
from chataudit.records import ALL_MEMBERS, Event, EventKind, Kind, Message, Quote, Unparsed
from tests.timeline import SHANGHAI

F = Path(__file__).parent / "fixtures"
FIXTURES = {
    "wechat-txt": F / "wechat-txt" / "multiline.txt",
    "qq-txt": F / "qq-txt" / "德鲁克咨询交流群.txt",
    "whatsapp-txt": F / "whatsapp-txt" / "WhatsApp Chat with 华东销售群.txt",
    "wechat-csv": F / "wechat-csv" / "华东销售中心工作群_utf8.csv",
    "wechat-html": F / "wechat-html" / "华东销售中心工作群.html",
    "wecom-archive": F / "wecom-archive" / "archive.jsonl",
    "telegram-json": F / "telegram-json" / "result.json",
    "discord-json": F / "discord-json" / "华东销售 - 日常.json",
    "slack-json": F / "slack-json" / "export",
    "generic-csv": F / "generic" / "客服群导出.csv",
    "generic-jsonl": F / "generic" / "bot.jsonl",
}
MORE = {
    "qq-txt": [F / "qq-txt" / "utf16.txt"],
    "whatsapp-txt": [F / "whatsapp-txt" / "ios.txt", F / "whatsapp-txt" / "ambiguous.txt"],
    "wecom-archive": [F / "wecom-archive" / "archive.json"],
}


def read(path: Path, fmt: str = "auto", options: InputOptions | None = None):
    opened = open_input(path, fmt, SHANGHAI, None, options)
    records = list(opened.records())
    return opened.format.name, records, opened.stats


def messages(records):
    return [r for r in records if isinstance(r, Message)]


def events(records):
    return [r for r in records if isinstance(r, Event)]


@pytest.mark.parametrize(("fmt", "path"), [(f, p) for f, p in FIXTURES.items()]
                         + [(f, p) for f, paths in MORE.items() for p in paths], ids=lambda v: str(v)[-30:])
def test_sniffing_picks_the_right_format_and_the_counts_add_up(fmt, path):
    name, records, stats = read(path)
    assert name == fmt
    assert stats.messages == len(messages(records)) and stats.events == len(events(records))
    assert stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
    assert stats.messages + stats.events > 0 and stats.lines >= 1
    assert all(r.ts.tzinfo is not None for r in records if not isinstance(r, Unparsed))


def test_qq_sections_titles_pm_and_system_lines():
    _, records, stats = read(FIXTURES["qq-txt"])
    task, reply, invite, image, leave, other = records
    assert (task.group, task.sender, task.sender_id, task.mentions) == ("德鲁克咨询交流群", "王建国", "10001", ("销售部-张伟",))
    assert (reply.sender, reply.sender_id, reply.text) == ("人资中心-李敏", "limin@example.com", "收到\n第二行")
    assert reply.ts.hour == 20 and reply.ts.minute == 56
    assert (invite.kind, invite.actor, invite.targets) == (EventKind.JOIN, "销售部-刘洋", ("赵小明",))
    assert image.kind == Kind.IMAGE and (leave.kind, leave.targets) == (EventKind.LEAVE, ("赵小明",))
    assert (other.group, other.sender, other.ts.hour) == ("销售一部", "张伟", 0)
    assert stats.lines == 31 and stats.unparsed_lines == 0


def test_qq_utf16():
    _, [msg], stats = read(MORE["qq-txt"][0])
    assert (msg.group, msg.sender, msg.text) == ("小组", "张三", "你好")


def test_whatsapp_android_day_first_multiline_and_system_lines():
    _, records, stats = read(FIXTURES["whatsapp-txt"])
    crypto, added, task, media, joined, colon, left = records
    assert crypto.kind == EventKind.UNKNOWN and added.kind == EventKind.JOIN
    assert (added.actor, added.targets, added.via) == ("人资中心-李敏", ("行政人事部-孙丽",), "invite")
    assert task.group == "华东销售群" and task.text == "@销售部-张伟 今天下班前把Q3销售报表发我\n第二行"
    assert task.ts.isoformat() == "2023-10-09T08:55:00+08:00"  # 09/10 is 9 October: 13/10 elsewhere says day-first
    assert media.kind == Kind.OTHER and media.ts.month == 10 and media.ts.day == 13
    assert (joined.kind, joined.targets, joined.via) == (EventKind.JOIN, ("Bob",), "link")
    assert (colon.sender, colon.text) == ("销售部-张伟", "时间: 晚上")
    assert (left.kind, left.targets) == (EventKind.LEAVE, ("Bob",))
    assert stats.notes == []


def test_whatsapp_ios_twelve_hour_lrm_and_attachments():
    _, records, stats = read(MORE["whatsapp-txt"][0])
    crypto, added, question, photo, late = records
    assert isinstance(crypto, Event) and isinstance(added, Event) and added.targets == ("销售部-张伟",)
    assert question.ts.isoformat() == "2023-10-13T21:05:12+08:00"  # month-first: 10/13
    assert photo.kind == Kind.IMAGE and photo.sender == "销售部-张伟"
    assert late.ts.isoformat() == "2023-10-14T00:30:00+08:00" and late.text == "午夜前\n发完了"


def test_whatsapp_ambiguous_order_is_reported_and_can_be_set():
    _, records, stats = read(MORE["whatsapp-txt"][1])
    assert records[0].ts.month == 2 and stats.notes and "ambiguous" not in stats.notes[0] and "dmy" in stats.notes[0]
    _, records, _ = read(MORE["whatsapp-txt"][1], options=InputOptions(date_order="mdy"))
    assert (records[0].ts.month, records[0].ts.day) == (1, 2)


def test_wechat_csv_columns_by_name_and_app_messages():
    _, records, stats = read(FIXTURES["wechat-csv"])
    task, reply, recall, image, link, quote, packet, bad = records
    assert (task.sender, task.sender_id, task.mentions) == ("王建国", "wxid_boss", ("销售部-张伟",))  # the remark wins
    assert task.ts.isoformat() == "2023-10-09T08:55:10+08:00" and task.loc.line == 2
    assert (reply.sender, reply.text, reply.loc.line) == ("张伟", "收到，马上整理\n第二行", 3)  # nickname when no remark
    assert (recall.kind, recall.actor, recall.loc.line) == (EventKind.RECALL, "市场部-周杰", 5)
    assert (image.kind, image.text) == (Kind.IMAGE, "[图片]")
    assert (link.kind, link.url, link.text) == (Kind.LINK, "https://mp.weixin.qq.com/s/AbCdEf123", "关于国庆后考勤制度调整的通知\n人资中心发布")
    assert (quote.kind, quote.text, quote.quote) == (Kind.QUOTE, "好的", Quote("王建国", "明天开会"))
    assert (packet.kind, packet.text) == (Kind.RED_PACKET, "恭喜发财，大吉大利")
    assert isinstance(bad, Unparsed) and bad.loc.line == 10
    assert stats.lines == 10


def test_wechat_html_reads_the_embedded_array():
    _, records, stats = read(FIXTURES["wechat-html"])
    task, reply, recall, image, quote, link, file = records
    assert task.group == "华东销售中心工作群" and task.sender == "王建国"
    assert task.text == "@销售部-张伟 今天下班前把Q3销售报表发我，务必完成<script>"  # entities decoded: it is data
    assert task.ts.isoformat() == "2023-10-09T08:55:10+08:00" and task.loc.line == 12
    assert reply.text == "收到，马上整理\n第二行 It's ok"
    assert (recall.kind, recall.actor) == (EventKind.RECALL, "市场部-周杰")
    assert image.kind == Kind.IMAGE and quote.quote == Quote("王建国", "明天开会")
    assert (link.kind, link.url) == (Kind.LINK, "https://mp.weixin.qq.com/s/AbCdEf123")
    assert (file.kind, file.text, file.loc.index) == (Kind.FILE, "[文件] Q3报表.xlsx", 8)  # 8th in the array (1-based)
    assert stats.lines == 24 and stats.unparsed_lines == 0


def test_wechat_html_truncated_array_keeps_what_was_read(tmp_path):
    text = FIXTURES["wechat-html"].read_text(encoding="utf-8")
    cut = tmp_path / "cut.html"
    cut.write_text(text[: text.index("{ type:3")] + "{ type:3, text: './ima", encoding="utf-8")
    _, records, stats = read(cut, "wechat-html")
    assert len(messages(records)) == 2 and isinstance(records[-1], Unparsed)
    assert "breaks off" in records[-1].reason


def test_wecom_archive_jsonl_and_array_agree():
    _, lines, stats = read(FIXTURES["wecom-archive"])
    _, array, _ = read(MORE["wecom-archive"][0])
    assert [r for r in lines if not isinstance(r, Unparsed)] == [
        r.__class__(**{**{k: getattr(r, k) for k in r.__slots__}, "loc": l.loc}) for r, l in
        zip(array, [r for r in lines if not isinstance(r, Unparsed)], strict=True)]
    task, image, recall, bad, link, packet, mixed, agree = lines
    assert (task.group, task.sender, task.ts.isoformat()) == ("wrRoom1", "wangjianguo", "2023-10-09T08:55:10+08:00")
    assert (recall.kind, recall.actor) == (EventKind.RECALL, "zhouj")
    assert isinstance(bad, Unparsed) and bad.loc.line == 4
    assert (link.kind, link.url) == (Kind.LINK, "https://example.com/promo")
    assert (packet.kind, packet.amount) == (Kind.RED_PACKET, 0.01)
    assert mixed.text == "第一段\n第二段" and agree.group == "单聊"


def test_wecom_userids_become_names():
    options = InputOptions(names={"wangjianguo": "王建国", "wrRoom1": "华东销售中心工作群"})
    _, records, _ = read(FIXTURES["wecom-archive"], options=options)
    assert (records[0].sender, records[0].sender_id, records[0].group) == ("王建国", "wangjianguo", "华东销售中心工作群")


def test_telegram_entities_service_messages_and_media():
    _, records, stats = read(FIXTURES["telegram-json"])
    invite, task, reply, photo, sticker, joined, left, bad = records
    assert invite.group == "华东销售群" and (invite.kind, invite.actor) == (EventKind.JOIN, "人资中心-李敏")
    assert invite.targets == ("行政人事部-孙丽", "财务部-王五") and invite.text == "人资中心-李敏 added 行政人事部-孙丽, 财务部-王五"
    assert (task.text, task.mentions, task.sender_id) == ("@zhangwei 今天下班前把Q3销售报表发我", ("zhangwei",), "user100")
    assert (reply.kind, reply.text) == (Kind.QUOTE, "收到\n马上整理")
    assert reply.quote == Quote("王建国", "@zhangwei 今天下班前把Q3销售报表发我") and reply.loc.ref == "3"
    assert (photo.kind, sticker.kind) == (Kind.IMAGE, Kind.STICKER)
    assert (joined.kind, joined.targets, joined.actor, joined.via) == (EventKind.JOIN, ("Bob",), "销售部-刘洋", "link")
    assert (left.kind, left.targets) == (EventKind.LEAVE, ("Bob",))
    assert isinstance(bad, Unparsed) and (bad.loc.index, bad.loc.ref) == (8, "8")  # the 8th message, id 8


def test_telegram_truncated_file_keeps_the_messages_before(tmp_path):
    text = FIXTURES["telegram-json"].read_text(encoding="utf-8")
    cut = tmp_path / "result.json"
    cut.write_text(text[: text.index('"id": 4')], encoding="utf-8")
    _, records, stats = read(cut, "telegram-json")
    assert len(messages(records)) == 2 and isinstance(records[-1], Unparsed)
    assert "breaks off" in records[-1].reason and stats.unparsed_lines == 1


def test_discord_names_mentions_replies_attachments():
    _, records, _ = read(FIXTURES["discord-json"])
    joined, notice, reply, image = records
    assert joined.group == "华东销售/日常" and (joined.kind, joined.targets) == (EventKind.JOIN, ("行政人事部-孙丽",))
    assert notice.sender == "王建国" and ALL_MEMBERS in notice.mentions
    assert (reply.sender, reply.kind, reply.mentions) == ("zhangwei", Kind.QUOTE, ("王建国",))
    assert (image.kind, image.text) == (Kind.IMAGE, "[图片]")


def test_slack_folder_users_mentions_and_links():
    _, records, stats = read(FIXTURES["slack-json"])
    joined, task, reply, image, left = records
    assert joined.group == "#general" and (joined.kind, joined.targets, joined.actor) == (EventKind.JOIN, ("bob",), "销售部-张伟")
    assert task.sender == "王建国" and task.mentions == (ALL_MEMBERS, "销售部-张伟")
    assert task.text == "@channel @销售部-张伟 今天下班前把Q3报表发我 & 看一下 Q3 报表 (https://example.com/q3)"
    assert (reply.kind, image.kind, left.kind) == (Kind.QUOTE, Kind.IMAGE, EventKind.LEAVE)
    assert stats.lines == 5


def _zip(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / "slack export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for file in FIXTURES["slack-json"].rglob("*.json"):
            zf.write(file, file.relative_to(FIXTURES["slack-json"]).as_posix())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_slack_zip_reads_the_same_and_refuses_entries_outside(tmp_path):
    _, folder, _ = read(FIXTURES["slack-json"])
    _, zipped, stats = read(_zip(tmp_path, {"../evil/2023-10-09.json": b"[]"}))
    assert [m.text for m in messages(zipped)] == [m.text for m in messages(folder)]
    [refused] = [r for r in zipped if isinstance(r, Unparsed)]
    assert "outside the export" in refused.reason


def test_slack_zip_bomb_is_not_unpacked(tmp_path, monkeypatch):
    import chataudit.formats.slack_json as slack

    monkeypatch.setattr(slack, "MAX_MEMBER_BYTES", 1000)
    path = _zip(tmp_path, {"general/2023-10-10.json": b"[" + b" " * 5000 + b"]"})
    _, records, _ = read(path)
    assert any(isinstance(r, Unparsed) and "over the limit" in r.reason for r in records)


def test_generic_csv_chinese_headers_and_system_rows():
    _, records, stats = read(FIXTURES["generic-csv"])
    task, reply, recall, bad = records
    assert (task.group, task.sender, task.text) == ("客服群", "王建国", "@销售部-张伟 今天下班前把报表发我\n务必完成")
    assert reply.ts.isoformat() == "2023-10-09T09:20:00+08:00" and reply.loc.line == 4
    assert (recall.kind, recall.ts.isoformat()) == (EventKind.RECALL, "2023-10-09T09:21:00+08:00")  # epoch seconds
    assert isinstance(bad, Unparsed) and "昨天" in bad.reason


def test_generic_jsonl_epoch_ms_and_explicit_mapping():
    _, records, _ = read(FIXTURES["generic-jsonl"])
    hello, image, bad = records
    assert (hello.sender, hello.text, hello.ts.isoformat()) == ("王建国", "大家好", "2023-10-09T08:55:10+08:00")
    assert image.kind == Kind.IMAGE and isinstance(bad, Unparsed)
    _, mapped, _ = read(FIXTURES["generic-jsonl"], options=InputOptions(mapping={"sender": "msg", "text": "user"}))
    assert mapped[0].sender == "大家好"


def test_generic_mapping_errors_name_the_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("日期,谁,说了什么\n2023-10-09 08:00:00,张三,你好\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read(path, "generic-csv")
    assert "no column for sender" in str(info.value) and "谁" in str(info.value)
    _, [msg], _ = read(path, "generic-csv", InputOptions(mapping={"sender": "谁", "text": "说了什么"}))
    assert (msg.sender, msg.text) == ("张三", "你好")


@pytest.mark.parametrize("fmt", list(FIXTURES))
def test_parse_round_trips_through_jsonl(cli, fmt):
    result = cli("parse", FIXTURES[fmt])
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    summary = rows[-1]
    assert summary["format"] == fmt
    assert summary["messages"] == sum(r["type"] == "message" for r in rows)
    assert summary["events"] == sum(r["type"] == "event" for r in rows)
    assert summary["unparsed_lines"] == sum(r["type"] == "unparsed" for r in rows)


def test_a_folder_of_exports_audits_each_file(cli, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for fmt in ("qq-txt", "wechat-csv", "telegram-json"):
        (folder / FIXTURES[fmt].name).write_bytes(FIXTURES[fmt].read_bytes())
    report = json.loads(cli("audit", folder, "--output", "json").out)
    assert sorted(i["format"] for i in report["inputs"]) == ["qq-txt", "telegram-json", "wechat-csv"]


def test_strict_fails_on_unparsed_lines(cli):
    result = cli("audit", FIXTURES["wechat-csv"], "--strict")
    assert result.code == 2 and "1 line(s) could not be parsed (lines 10)" in result.err
    assert cli("audit", FIXTURES["qq-txt"], "--strict").code == 0


def test_map_option_on_the_command_line(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("日期,谁,说了什么\n2023-10-09 23:00:00,张三,你好\n", encoding="utf-8")
    report = json.loads(cli("audit", path, "--format", "generic-csv", "--map", "sender=谁,text=说了什么",
                            "--output", "json").out)
    assert {v["rule"] for v in report["violations"]} == {"T501", "M101"}
    assert "FIELD=COLUMN" in cli("audit", path, "--map", "sender").err


def test_a_truncated_utf16_file_is_an_input_error_in_every_parser(tmp_path):
    """Found by the long fuzz run: a UTF-16 BOM and one odd byte escaped the HTML parser."""
    path = tmp_path / "cut.html"
    path.write_bytes(b"\xfe\xff\x00")
    for fmt in ("wechat-html", "wechat-txt", "qq-txt", "wechat-csv", "whatsapp-txt", "generic-jsonl", "wecom-archive"):
        with pytest.raises(InputError) as info:
            read(path, fmt)
        assert "not valid utf-16" in str(info.value)
    for fmt in ("telegram-json", "discord-json"):  # read as bytes by ijson: a JSON that breaks off, counted
        _, records, stats = read(path, fmt)
        assert stats.unparsed_lines == 1 and isinstance(records[-1], Unparsed)


def test_a_telegram_message_without_any_date_is_unparsed(tmp_path):
    """Found by the 102k-case fuzz run: an object with neither date nor date_unixtime."""
    path = tmp_path / "result.json"
    path.write_text('{"name": "群", "messages": [{"id": 1, "type": "message", "from": "张三", "text": "你好"}]}',
                    encoding="utf-8")
    _, [record], stats = read(path, "telegram-json")
    assert isinstance(record, Unparsed) and record.reason.startswith("no valid date") and stats.unparsed_lines == 1
