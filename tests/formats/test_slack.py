"""slack-json: bots, files and comments as real exports hold them (issue 14), and every row
shape a broken or hostile export can have (issue 15, item 5). The whole-export layouts are in
tests/fixtures/slack-json/; these are the single rules."""

import json
from pathlib import Path

import pytest

from chataudit.formats.base import InputOptions
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, EventKind, Kind, Message, Unparsed
from tests.timeline import SHANGHAI

USERS = [{"id": "U01", "name": "wangjg", "profile": {"display_name": "王建国"}},
         {"id": "U02", "name": "zhangwei", "profile": {"display_name": "", "real_name": "销售部-张伟"}},
         {"id": "U0BOT", "name": "reportbot", "is_bot": True, "profile": {"real_name": "日报机器人", "bot_id": "B0REPORT"}}]


def export(tmp_path: Path, rows: list, users: list | None = None, extra: dict[str, object] | None = None) -> Path:
    root = tmp_path / "export"
    (root / "general").mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": "C01", "name": "general"}]), encoding="utf-8")
    (root / "users.json").write_text(json.dumps(USERS if users is None else users), encoding="utf-8")
    (root / "general" / "2023-10-09.json").write_text(json.dumps(rows), encoding="utf-8")
    for name, data in (extra or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return root


def read(path: Path, options: InputOptions | None = None):
    opened = open_input(path, "auto", SHANGHAI, None, options)
    records = list(opened.records())
    assert opened.format.name == "slack-json"
    assert opened.stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
    return records, opened.stats


def one(tmp_path: Path, row: dict, **kwargs):
    records, _ = read(export(tmp_path, [{"type": "message", "ts": "1696812910.000200", **row}], **kwargs))
    [record] = records
    return record


def test_a_bot_message_keeps_its_attachments_and_is_named(tmp_path):
    msg = one(tmp_path, {"subtype": "bot_message", "text": "", "bot_id": "B0JL6RASU",
                         "bot_profile": {"id": "B0JL6RASU", "name": "Jenkins", "app_id": "A01"},
                         "attachments": [{"fallback": "Build #42 failed", "pretext": "sales-tools",
                                          "text": "Build #42 failed", "fields": [{"title": "分支", "value": "main"}]}]})
    assert (msg.sender, msg.sender_id, msg.kind) == ("Jenkins", "B0JL6RASU", Kind.TEXT)
    assert msg.text == "sales-tools\nBuild #42 failed\n分支: main"


@pytest.mark.parametrize(("row", "logs", "sender"), [
    ({"username": "alert-webhook"}, None, "alert-webhook"),
    ({"bot_id": "B0REPORT"}, None, "日报机器人"),  # a bot user in users.json
    ({"app_id": "A0F7YS25R"}, [{"app_id": "A0F7YS25R", "app_type": "Jenkins CI"}], "Jenkins CI"),
    ({}, {"logs": [{"service_id": "B0JL6RASU", "service_type": "Twitter"}]}, "Twitter"),
    ({}, None, "B0JL6RASU"),  # nothing names it: the id, never ""
])
def test_a_bot_is_named_from_what_the_export_has(tmp_path, row, logs, sender):
    extra = {"integration_logs.json": logs} if logs is not None else None
    msg = one(tmp_path, {"subtype": "bot_message", "text": "", "bot_id": "B0JL6RASU",
                         "attachments": [{"fallback": "通知"}], **row}, extra=extra)
    assert (msg.sender, msg.text) == (sender, "通知")


def test_names_given_on_the_command_line_win(tmp_path):
    root = export(tmp_path, [{"type": "message", "ts": "1696812910.0002", "subtype": "bot_message", "bot_id": "B0X",
                              "text": "hi"}, {"type": "message", "ts": "1696812911.0002", "user": "U01", "text": "hi"}])
    records, _ = read(root, InputOptions(names={"B0X": "构建机器人", "U01": "王总"}))
    assert [r.sender for r in records] == ["构建机器人", "王总"]


def test_a_link_preview_is_not_message_text(tmp_path):
    msg = one(tmp_path, {"user": "U01", "text": "看 <https://example.com/q3>",
                         "attachments": [{"from_url": "https://example.com/q3", "text": "页面上的广告词", "title": "Q3"}]})
    assert msg.text == "看 https://example.com/q3"


def test_text_only_in_blocks(tmp_path):
    msg = one(tmp_path, {"user": "U01", "text": "", "blocks": [{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "user", "user_id": "U02"}, {"type": "text", "text": " 报表呢"}]}]}]})
    assert (msg.text, msg.mentions) == ("@销售部-张伟 报表呢", ("销售部-张伟",))


def test_legacy_file_share_with_a_singular_file(tmp_path):
    records, _ = read(export(tmp_path, [
        {"type": "message", "subtype": "file_share", "user": "U02", "ts": "1452672000.000004",
         "text": "<@U02|zhangwei> uploaded a file: <https://x.slack.com/files/zhangwei/F1/q3.png|Q3 初稿> and commented: 先看",
         "file": {"id": "F1", "name": "q3.png", "title": "Q3 初稿", "mimetype": "image/png"}},
        {"type": "message", "subtype": "file_share", "user": "U02", "ts": "1452672060.000005",
         "text": "<@U02|zhangwei> uploaded a file: <https://x.slack.com/files/zhangwei/F2/q3.pdf|Q3 销售报表>",
         "file": {"id": "F2", "name": "q3.pdf", "title": "Q3 销售报表", "mimetype": "application/pdf"}}]))
    image, pdf = records
    assert (image.sender, image.kind, image.text, image.mentions) == ("销售部-张伟", Kind.IMAGE, "先看", ())
    assert (pdf.kind, pdf.text) == (Kind.FILE, "[文件] Q3 销售报表")


def test_a_file_comment_is_from_the_commenter(tmp_path):
    msg = one(tmp_path, {"subtype": "file_comment", "text": "<@U01|wangjg> commented on U02's file <https://x|Q3>: 第3页不对",
                         "file": {"id": "F2", "title": "Q3", "user": "U02"},
                         "comment": {"id": "Fc1", "user": "U01", "comment": "第3页不对"}})
    assert (msg.sender, msg.sender_id, msg.text, msg.kind) == ("王建国", "U01", "第3页不对", Kind.TEXT)


@pytest.mark.parametrize(("row", "sender"), [
    ({"text": "谁"}, "(unknown sender)"),
    ({"user": "", "text": "谁"}, "(unknown sender)"),
    ({"user": "UGONE", "text": "谁"}, "UGONE"),
    ({"user": "UGONE", "user_profile": {"real_name": "前同事"}, "text": "谁"}, "前同事"),
    ({"user": "U03", "text": "谁"}, "U03"),  # listed with no name at all: see users below
    ({"subtype": "bot_message", "text": "谁"}, "(unknown sender)"),
    ({"user": {"id": "U01"}, "text": "谁"}, "(unknown sender)"),  # a wrong type is no name either
])
def test_nobody_has_an_empty_sender(tmp_path, row, sender):
    users = USERS + [{"id": "U03", "profile": {"display_name": "", "real_name": ""}}]
    msg = one(tmp_path, row, users=users)
    assert msg.sender == sender


def test_private_channel_and_archive_rows_are_events(tmp_path):
    records, _ = read(export(tmp_path, [
        {"type": "message", "subtype": "group_join", "user": "U02", "ts": "1.0", "text": "<@U02> has joined the group"},
        {"type": "message", "subtype": "channel_archive", "user": "U01", "ts": "2.0", "text": "<@U01> archived the channel"},
        {"type": "message", "subtype": "pinned_item", "user": "U01", "ts": "3.0", "text": "<@U01> pinned a message",
         "attachments": [{"is_msg_unfurl": True, "text": "原消息"}]}]))
    joined, archived, pinned = records
    assert isinstance(joined, Event) and (joined.kind, joined.targets) == (EventKind.JOIN, ("销售部-张伟",))
    assert isinstance(archived, Event) and (archived.kind, archived.actor) == (EventKind.UNKNOWN, "王建国")
    assert isinstance(pinned, Event) and "原消息" not in pinned.text


def test_the_location_is_the_day_file_the_position_and_the_ts(tmp_path):
    root = export(tmp_path, [{"type": "message", "ts": "1696812910.000200", "user": "U01", "text": "a"},
                             {"type": "message", "ts": "1696812911.000300", "user": "U01", "text": "b"}])
    _, second = read(root)[0]
    assert (second.loc.path, second.loc.index, second.loc.ref) == (f"{root}:general/2023-10-09.json", 2,
                                                                   "1696812911.000300")


@pytest.mark.parametrize("row", [
    {"ts": "1696812910.0002", "user": "U01", "text": "bad \ud83d surrogate"},
    {"ts": "1696812910.0002", "user": "U01", "text": "ok", "attachments": [{"text": "\udc00 alone"}]},
    {"ts": "1696812910.0002", "user": "U\ud83d", "text": "ok"},
])
def test_lone_surrogates_are_replaced(tmp_path, row):
    record = one(tmp_path, {"type": "message", **row})
    for value in (record.text, record.sender, record.sender_id or ""):
        value.encode("utf-8")  # would raise on a lone surrogate


def test_a_lone_surrogate_in_users_json_is_replaced(tmp_path):
    msg = one(tmp_path, {"user": "U09", "text": "hi"}, users=[{"id": "U09", "profile": {"display_name": "张\ud83d"}}])
    assert msg.sender == "张\ufffd"


@pytest.mark.parametrize("row", [
    {"ts": ["1"], "user": "U01", "text": "x"},
    {"ts": "1e300", "user": "U01", "text": "x"},
    {"ts": "nan", "user": "U01", "text": "x"},
    {"ts": "-62135596900", "user": "U01", "text": "x"},
    {"ts": "253402300799.5", "user": "U01", "text": "x"},
    {"ts": True, "user": "U01", "text": "x"},
])
def test_a_row_without_a_usable_ts_is_unparsed(tmp_path, row):
    record = one(tmp_path, {"type": "message", **row})
    assert isinstance(record, Unparsed) and record.reason == "no valid ts"


@pytest.mark.parametrize("row", [
    {"user": "U01", "text": {"a": 1}},
    {"user": "U01", "text": "x", "files": "not a list"},
    {"user": "U01", "text": "x", "files": [None, 3, {"mimetype": ["image/png"]}]},
    {"user": "U01", "text": "", "attachments": [None, "x", {"fields": "nope"}, {"fields": [None, {"title": 1}]}]},
    {"user": "U01", "text": "", "blocks": [[[[[[[[[[[[[[[[[[[[{"type": "text", "text": "deep"}]]]]]]]]]]]]]]]]]]]]},
    {"user": "U01", "subtype": "file_comment", "comment": "not an object", "text": "x"},
    {"user": "U01", "subtype": "channel_join", "inviter": {"id": "U02"}, "text": "x"},
    {"user": "U01", "thread_ts": {"x": 1}, "text": "x"},
    {"user": "U01", "bot_profile": "x", "user_profile": [1], "text": "x"},
])
def test_odd_row_shapes_never_stop_the_run(tmp_path, row):
    records, _ = read(export(tmp_path, [{"type": "message", "ts": "1696812910.0002", **row},
                                        {"type": "message", "ts": "1696812911.0002", "user": "U01", "text": "next"}]))
    assert len(records) == 2 and isinstance(records[-1], Message) and records[-1].text == "next"


def test_rows_that_are_not_objects_are_counted(tmp_path):
    records, _ = read(export(tmp_path, [1, "x", None, [], {"type": "message", "ts": "1.0", "user": "U01", "text": "ok"}]))
    assert [type(r).__name__ for r in records] == ["Unparsed"] * 4 + ["Message"]


def test_an_over_long_text_is_unparsed_with_its_length(tmp_path):
    record = one(tmp_path, {"user": "U01", "text": "长" * 300_000})
    assert isinstance(record, Unparsed) and "300,000 characters" in record.reason


@pytest.mark.parametrize(("content", "reason"), [
    ('{"messages": []}', "not a list"),
    ("", "empty"),
    ("   \n", "empty"),
    ('[{"type": "message", "ts": "1.0", "user": "U01", "text": "ok"}, {"ty', "breaks off"),
])
def test_a_day_file_that_is_not_a_list(tmp_path, content, reason):
    root = export(tmp_path, [])
    (root / "general" / "2023-10-09.json").write_text(content, encoding="utf-8")
    records, _ = read(root)
    assert isinstance(records[-1], Unparsed) and reason in records[-1].reason


def test_an_unreadable_users_json_is_counted_and_ids_stand_in(tmp_path):
    root = export(tmp_path, [{"type": "message", "ts": "1.0", "user": "U01", "text": "ok"}])
    (root / "users.json").write_text('[{"id": "U02", "name": "x"}, {"id"', encoding="utf-8")
    records, _ = read(root)
    assert isinstance(records[0], Unparsed) and "users.json" in records[0].reason
    assert records[-1].sender == "U01"


def test_org_users_json_names_people(tmp_path):
    root = export(tmp_path, [{"type": "message", "ts": "1.0", "user": "U01", "text": "ok"}], users=[],
                  extra={"org_users.json": [{"id": "U01", "profile": {"display_name": "王总"}}]})
    records, _ = read(root)
    assert records[-1].sender == "王总"
