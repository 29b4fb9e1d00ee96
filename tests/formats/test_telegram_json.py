"""telegram-json: ids of 0 kept, polls and hidden link addresses readable by the content
rules, replies quoting what they answer, and a bad record is one unparsed record."""

import json
from pathlib import Path

import pytest

from chataudit.formats.telegram_json import TelegramJson
from chataudit.records import Event, EventKind, Kind, Message, Quote, Unparsed
from tests.formats.test_formats import read

REAL = Path(__file__).parent.parent / "fixtures" / "telegram-json"


def export(tmp_path: Path, *messages: dict, raw: str | None = None) -> Path:
    path = tmp_path / "result.json"
    body = raw if raw is not None else ", ".join(json.dumps(m, ensure_ascii=False) for m in messages)
    path.write_text(f'{{"name": "华东销售群", "type": "private_supergroup", "id": 1, "messages": [{body}]}}',
                    encoding="utf-8")
    return path


def message(mid: int = 1, **fields) -> dict:
    return {"id": mid, "type": "message", "date": "2023-10-09T08:55:10", "date_unixtime": "1696812910",
            "from": "王建国", "from_id": "user100", "text": "收到", "text_entities": [], **fields}


def service(mid: int, action: str, **fields) -> dict:
    return {"id": mid, "type": "service", "date": "2023-10-09T09:30:00", "date_unixtime": "1696815000",
            "actor": "Bob", "actor_id": "user400", "action": action, **fields, "text": "", "text_entities": []}


def test_from_id_zero_is_kept(tmp_path):
    """Before: a falsy test dropped it, and with no name the sender became ""."""
    _, [named, nameless], _ = read(export(tmp_path, message(from_id=0), message(2, **{"from": None, "from_id": 0})))
    assert (named.sender, named.sender_id) == ("王建国", "0")
    assert (nameless.sender, nameless.sender_id) == ("0", "0")


def test_a_poll_is_its_question_and_options(tmp_path):
    poll = {"question": [{"type": "bold", "text": "孩子比赛"}, "，麻烦大家帮我投票"], "closed": False, "total_voters": 1,
            "answers": [{"text": "1号作品", "voters": 1, "chosen": False}, {"text": "2号作品", "voters": 0, "chosen": False}]}
    _, [msg], _ = read(export(tmp_path, message(text="", poll=poll)))
    assert (msg.kind, msg.text) == (Kind.OTHER, "孩子比赛，麻烦大家帮我投票\n1号作品\n2号作品")


def test_a_hidden_link_address_reaches_the_message(tmp_path):
    text = ["新版客户端在", {"type": "text_link", "text": "这里", "href": "https://dl.example.net/client.apk"}, "，先装"]
    _, [msg], _ = read(export(tmp_path, message(text=text)))
    assert msg.text == "新版客户端在这里 <https://dl.example.net/client.apk>，先装"
    assert msg.url == "https://dl.example.net/client.apk"


def test_polls_links_and_late_calls_in_an_audit(cli):
    """Before: the poll was empty text (no S306), the .apk address was lost (no C404), and the
    11 pm video chat was read as chat."""
    report = json.loads(cli("audit", REAL / "polls-links-replies.json", "--select", "S306,C404,T501",
                            "--output", "json").out)
    found = {(v["rule"], v["sender"]) for v in report["violations"]}
    assert found == {("S306", "销售部-刘洋"), ("C404", "技术部-赵磊"), ("T501", "王建国")}
    c404 = next(v for v in report["violations"] if v["rule"] == "C404")
    assert c404["message"].endswith("http://45.76.12.9/client.apk")


def test_replies_quote_the_message_they_answer(tmp_path):
    _, records, _ = read(export(tmp_path, message(1, text="周报今天交"), message(2, **{"from": "李娜"}, reply_to_message_id=1),
                                message(3, reply_to_message_id=77),
                                message(4, reply_to_message_id=1, reply_to_peer_id="channel9")))
    assert [r.quote for r in records[1:]] == [Quote("王建国", "周报今天交"), Quote(None, "#77"), Quote(None, "#1")]
    assert records[1].kind == Kind.QUOTE and records[1].loc.ref == "2"


def test_the_reply_memory_is_bounded(tmp_path, monkeypatch):
    import chataudit.formats.jsonstream as jsonstream

    monkeypatch.setattr(jsonstream, "REMEMBERED", 2)
    _, records, _ = read(export(tmp_path, *(message(n, text=f"m{n}") for n in range(1, 5)),
                                message(5, reply_to_message_id=1), message(6, reply_to_message_id=4)))
    assert [r.quote for r in records[4:]] == [Quote(None, "#1"), Quote("王建国", "m4")]


def test_service_messages(tmp_path):
    _, records, _ = read(export(tmp_path, service(1, "join_group_by_link", inviter="销售部-刘洋"),
                                service(2, "remove_members", members=["Bob"]),
                                service(3, "invite_members", members=["Carol", None]),
                                service(4, "group_call", duration=60)))
    joined, left, invited, call = records
    assert (joined.kind, joined.actor, joined.targets, joined.via) == (EventKind.JOIN, "销售部-刘洋", ("Bob",), "link")
    assert (left.kind, left.targets, left.actor) == (EventKind.LEAVE, ("Bob",), None)
    assert invited.targets == ("Carol",) and invited.text == "Bob added Carol"
    assert isinstance(call, Event) and call.kind == EventKind.UNKNOWN


@pytest.mark.parametrize("bad", [
    service(1, "join_group_by_link", inviter={}),
    service(1, "invite_members", members=[{"name": "x"}]),
    service(1, "invite_members", members="Carol"),
    message(1, **{"from": ["王建国"]}),
    message(1, text=[["nested"]]),
    message(1, text=42),
    message(1, poll={"question": "q", "answers": ["a"]}),
    message(1, date_unixtime="1e300"),
    message(1, date_unixtime=1e300),
    message(1, date_unixtime="99999999999999"),
    message(1, date_unixtime="nan"),
    {"id": 1, "type": "message", "date": "0001-01-01T00:00:00", "from": "王建国", "text": "x"},
    {"id": 1, "type": "message", "date": "9999-12-31T23:59:59", "from": "王建国", "text": "x"},
    {"id": 1, "type": "unsupported"},
], ids=lambda bad: json.dumps(bad, ensure_ascii=False)[:80])
def test_a_bad_message_is_one_unparsed_record_and_the_next_is_read(tmp_path, bad):
    _, records, stats = read(export(tmp_path, bad, message(2)))
    assert isinstance(records[0], Unparsed) and records[0].loc.ref == "1" and records[0].reason
    assert isinstance(records[1], Message) and (stats.messages, stats.unparsed_lines) == (1, 1)


def test_an_inviter_that_is_an_object_says_so(tmp_path):
    """Before: the object became the event's actor and the audit ended in "internal error"."""
    _, [bad, _], _ = read(export(tmp_path, service(1, "join_group_by_link", inviter={}), message(2)))
    assert bad.reason == "'inviter' is an object, not text"


def test_lone_surrogates_are_replaced(tmp_path):
    raw = json.dumps(message(text=["a\ud83d", {"type": "bold", "text": "\ude00b"}], **{"from": "王\ud83d"}))
    _, [msg], _ = read(export(tmp_path, raw=raw))
    assert (msg.text, msg.sender) == ("a\ufffd\ufffdb", "王\ufffd")


def test_a_deeply_nested_message_is_unparsed_and_sniffing_survives_it(tmp_path):
    deep = "[" * 10_000 + "]" * 10_000
    _, records, _ = read(export(tmp_path, raw=f"{deep}, {json.dumps(message(2))}"))
    assert [type(r) for r in records] == [Unparsed, Message] and "nested deeper" in records[0].reason
    assert TelegramJson.sniff('{"messages": [' + deep, "export.json") == 0.0
