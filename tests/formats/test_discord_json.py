"""discord-json: DiscordChatExporter's system message types are events, not chat; a bad
record is one unparsed record, never the end of the run."""

import json
from pathlib import Path

import pytest

from chataudit.formats.discord_json import DiscordJson
from chataudit.records import Event, EventKind, Kind, Message, Quote, Unparsed
from tests.formats.test_formats import read

REAL = Path(__file__).parent.parent / "fixtures" / "discord-json"
AUTHOR = {"id": "51", "name": "wangjg", "discriminator": "0000", "nickname": "王建国", "isBot": False}


def export(tmp_path: Path, *messages: dict, raw: str | None = None) -> Path:
    path = tmp_path / "华东销售 - 日常 [2].json"
    body = raw if raw is not None else ", ".join(json.dumps(m, ensure_ascii=False) for m in messages)
    path.write_text('{"guild": {"id": "1", "name": "华东销售"}, "channel": {"id": "2", "name": "日常"}, '
                    f'"messages": [{body}], "messageCount": 2}}', encoding="utf-8")
    return path


def message(mid: str = "10", **fields) -> dict:
    return {"id": mid, "type": "Default", "timestamp": "2023-10-09T08:55:10+08:00", "content": "收到",
            "author": AUTHOR, "attachments": [], "embeds": [], "stickers": [], "reactions": [], "mentions": [],
            **fields}


def test_every_system_type_of_a_group_dm_is_an_event():
    _, records, stats = read(REAL / "group-dm-system-types.json")
    added, call, renamed, icon, left, removed, chat = records
    assert (added.kind, added.actor, added.targets, added.via) == (EventKind.JOIN, "销售部-刘洋", ("赵小明",), "invite")
    assert isinstance(call, Event) and call.kind == EventKind.UNKNOWN
    assert call.text == "Started a call that lasted 251 minutes." and call.actor == "销售部-刘洋"
    assert (renamed.kind, renamed.actor, renamed.text) == (EventKind.RENAME, "王建国", "Changed the channel name: 华东项目组")
    assert icon.kind == EventKind.UNKNOWN
    assert (left.kind, left.targets, left.actor) == (EventKind.LEAVE, ("采购部-吴刚",), None)  # removed themselves
    assert (removed.kind, removed.actor, removed.targets) == (EventKind.REMOVED, "王建国", ("赵小明",))
    assert isinstance(chat, Message) and (stats.messages, stats.events) == (1, 6)
    assert [r.loc.ref for r in records][:2] == ["1170000000000000001", "1170000000000000002"]


def test_guild_types_replies_forwards_and_unnamed_kinds():
    _, records, _ = read(REAL / "guild-system-types.json")
    joined, notice, reply, pinned, thread, bot, forward, image, boost = records
    assert (joined.kind, joined.targets, joined.actor, joined.via) == (EventKind.JOIN, ("行政人事部-孙丽",), None, "link")
    assert (reply.kind, reply.quote) == (Kind.QUOTE, Quote("王建国", "@everyone 周五全员大会，请回复收到"))
    assert (pinned.kind, thread.kind, boost.kind) == (EventKind.ANNOUNCEMENT, EventKind.UNKNOWN, EventKind.UNKNOWN)
    assert isinstance(bot, Message) and bot.sender == "考勤助手"  # type "20": a slash command's reply is chat
    assert (forward.text, forward.quote) == ("Q3 报表模板 http://45.76.12.9/tpl.exe", None)
    assert (image.kind, boost.text) == (Kind.IMAGE, "Discord message type 8")


def test_a_reply_to_a_message_not_read_keeps_its_id(tmp_path):
    path = export(tmp_path, message(type="Reply", reference={"type": "Default", "messageId": "999"}))
    _, [reply], _ = read(path)
    assert reply.quote == Quote(None, "#999") and reply.loc.ref == "10" and reply.loc.index == 1


def test_a_late_call_is_not_chat_for_the_quiet_hours_rule(cli):
    """Before: "Started a call that lasted 251 minutes." at 23:10 was a message, and T501 flagged it."""
    report = json.loads(cli("audit", REAL / "group-dm-system-types.json", "--select", "T501,M107",
                            "--output", "json").out)
    assert [(v["rule"], v["sender"]) for v in report["violations"]] == [("M107", "采购部-吴刚")]


@pytest.mark.parametrize("bad", [
    {"author": "wangjg"},
    {"author": None, "content": "x"},
    {"mentions": "王建国"},
    {"mentions": ["王建国"]},
    {"attachments": {"fileName": "a.png"}},
    {"reference": "10"},
    {"content": {"text": "x"}},
    {"timestamp": "0001-01-01T00:00:00+14:00"},
    {"timestamp": "9999-12-31T23:59:59-14:00"},
    {"timestamp": 1e300},
    {"timestamp": None},
], ids=lambda bad: json.dumps(bad, ensure_ascii=False))
def test_a_bad_message_is_one_unparsed_record_and_the_next_is_read(tmp_path, bad):
    path = export(tmp_path, message("10", **bad), message("11"))
    _, records, stats = read(path)
    assert isinstance(records[0], Unparsed) and records[0].loc.ref == "10" and records[0].reason
    assert isinstance(records[1], Message) and records[1].loc.ref == "11"
    assert (stats.messages, stats.unparsed_lines) == (1, 1)


def test_the_author_as_a_string_says_so(tmp_path):
    _, [bad, _], _ = read(export(tmp_path, message(author="str"), message("11")))
    assert bad.reason == "'author' is text, not an object"


def test_lone_surrogates_are_replaced(tmp_path):
    raw = json.dumps(message(content="好\ud83d", author={**AUTHOR, "nickname": "\udc00王"}), ensure_ascii=True)
    _, [msg], _ = read(export(tmp_path, raw=raw))
    assert (msg.text, msg.sender) == ("好\ufffd", "\ufffd王")


def test_a_deeply_nested_message_is_unparsed_and_sniffing_survives_it(tmp_path):
    deep = "[" * 10_000 + "]" * 10_000
    path = export(tmp_path, raw=f'{json.dumps(message())}, {deep}, {json.dumps(message("12"))}')
    name, records, stats = read(path)
    assert name == "discord-json" and [type(r) for r in records] == [Message, Unparsed, Message]
    assert "nested deeper" in records[1].reason and records[1].loc.index == 2
    assert DiscordJson.sniff(deep, "x.json") == 0.0
