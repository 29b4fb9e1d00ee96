"""qq-txt's plain messages as runs of columns (``records.MessageRun``): read with runs and
expanded, every fixture and a generated three-section export give the records read without
them, in the same order and with the same counts; the engine finds the same in them; a
``--jobs`` part gets none."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from chataudit.engine import Part, audit, audit_batched
from chataudit.formats.base import InputStats, RunBuilder
from chataudit.formats.encoding import MAX_LINE
from chataudit.jobs.inputs import OpenInput, open_input, within
from chataudit.policy.load import load_policy
from chataudit.records import Message, MessageRun, Unparsed
from chataudit.rules.registry import build_rules
from tests.conftest import ROOT, SAMPLE_POLICY
from tests.formats.block_reading import expanded
from tests.timeline import SHANGHAI

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "qq-txt").glob("*.txt")) + sorted(
    (ROOT / "tests" / "formats" / "fixtures" / "qq-txt").glob("*.txt"))

RULE = "=" * 64
GROUP_SECTION = "消息对象:{name}\n" + RULE + "\n\n"
PRIVATE_SECTION = RULE + "\n消息分组:我的好友\n" + RULE + "\n消息对象:{name}\n" + RULE + "\n（以下为与暗夜的聊天）\n\n"
PREAMBLE = "\ufeff消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + RULE + "\n消息分组:我的群聊\n" + RULE + "\n"


def qq_export(count: int, seed: int = 2023) -> str:
    """A QQ 消息管理器 export of bench/corpus.py's messages in three sections: a group in the
    24-hour clock, a group in the 12-hour clock, a private chat (12-hour, no ids) after a stray
    line that is no message. Group senders carry a QQ号 or (every fifth) an e-mail, and about one
    message in 97 there is a system notice; one message in 13 has a second line, one in 29 a
    paragraph after a blank line; two headers in the 12-hour group have an impossible time (their
    lines are unparsed). The corpus's own messages bring the @mentions, media and links."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus as bench_corpus

    out, ids, section = [PREAMBLE], {}, -1
    for i, (t, sender, text) in enumerate(bench_corpus.messages(count, seed, False)):
        if 3 * i // count != section:
            section = 3 * i // count
            out.append((PRIVATE_SECTION if section == 2 else GROUP_SECTION).format(name=["项目群", "客户群", "暗夜"][section]))
        clock = f"{t.hour}:{t:%M:%S}" if section == 0 else f"{t.hour % 12 or 12}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"
        if section == 1 and i % 500 == 250:
            clock = f"13:{t:%M:%S} PM"
        stamp = f"{t.year}-{t.month}-{t.day} {clock}"
        if section < 2 and i % 97 == 5:
            out.append(f"{stamp} 系统消息({['10000', '1000000'][i % 2]})\n{sender}加入本群。\n\n")
            continue
        uid = ids.setdefault(sender, 10000000 + 7919 * len(ids))
        who = ("暗夜", "Fish")[i % 2] if section == 2 else f"{sender}<u{uid}@qq.com>" if uid % 5 == 0 else f"{sender}({uid})"
        text += "\n第二行说明" * (i % 13 == 0) + "\n\n补充一段" * (i % 29 == 0)
        out.append(f"{stamp} {who}\n{text}\n\n")
    return "".join(out)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("qq") / "qq3k.txt"
    path.write_bytes(qq_export(3_000).replace("\n", "\r\n").encode("utf-8"))
    return path


def reading(path: Path, runs: bool, share: Part | None = None) -> OpenInput:
    """``path`` opened as qq-txt; with ``runs``, plain messages may come as runs."""
    opened = open_input(path, "qq-txt", SHANGHAI, None)
    opened.source = replace(opened.source, runs=runs, share=share)
    return opened


def parsed(path: Path, runs: bool) -> tuple[list, InputStats]:
    """Everything the reader gives, unparsed lines included, and its counts."""
    opened = reading(path, runs)
    return list(opened.records()), opened.stats


def runs_of(found: list) -> list[MessageRun]:
    return [item for item in found if type(item) is MessageRun]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_a_fixture_read_with_runs_gives_its_records(path):
    with_runs, counts = parsed(path, runs=True)
    records, plain_counts = parsed(path, runs=False)
    assert not runs_of(records)
    assert list(expanded(with_runs)) == records
    assert counts == plain_counts


def test_fixtures_give_runs_with_account_ids():
    runs = [run for path in FIXTURES for run in runs_of(parsed(path, runs=True)[0])]
    assert any(run.sender_ids and "indo@qq.com" in run.sender_ids for run in runs)
    assert any(run.sender_ids and any(uid and uid.isdigit() for uid in run.sender_ids) for run in runs)


def test_a_generated_export_read_with_runs_gives_its_records(generated):
    with_runs, counts = parsed(generated, runs=True)
    records, plain_counts = parsed(generated, runs=False)
    assert list(expanded(with_runs)) == records
    assert counts == plain_counts
    # what the export is meant to hold, so that the comparison covers it
    messages = [record for record in records if isinstance(record, Message)]
    assert {m.group for m in messages} == {"项目群", "客户群", "暗夜"}
    assert any(m.mentions for m in messages) and any("\n\n" in m.text for m in messages)
    assert {r.reason for r in records if isinstance(r, Unparsed)} == {"text outside any message", "impossible timestamp"}
    assert counts.events == sum(1 for i in range(2000) if i % 97 == 5), "the groups' system notices"
    runs = runs_of(with_runs)
    assert sum(map(len, runs)) > 2700
    ids = [uid for run in runs for uid in run.account_ids()]
    assert any(uid and uid.endswith("@qq.com") for uid in ids) and any(uid and uid.isdigit() for uid in ids)
    assert None in ids, "the private chat's messages carry no id"


def test_a_full_run_is_handed_over(generated, monkeypatch):
    monkeypatch.setattr(RunBuilder, "LIMIT", 5)
    with_runs = parsed(generated, runs=True)[0]
    assert max(map(len, runs_of(with_runs))) == 5
    assert list(expanded(with_runs)) == parsed(generated, runs=False)[0]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_the_engine_finds_in_runs_what_it_finds_in_records(generated, size):
    policy = load_policy(SAMPLE_POLICY)
    for path in [*FIXTURES, generated]:
        found = list(within(iter(parsed(path, runs=True)[0]), None, None))
        records = list(within(iter(parsed(path, runs=False)[0]), None, None))
        expected = list(audit(iter(records), build_rules(policy, None, None)))
        assert list(audit_batched(iter(found), build_rules(policy, None, None), size)) == expected
        assert expected or path != generated


def test_a_jobs_part_gets_no_runs(generated):
    """A ``--jobs`` part's runs would pass its filter by group, so the reader gives none there."""
    assert not runs_of(list(reading(generated, True, share=Part(0, 2)).records()))


def test_unparsed_line_numbers_are_the_same_with_runs(tmp_path):
    """An over-long line's note comes after the next thing the reader hands over, which with
    runs may be a run handed over late: the line numbers --strict names are the first ones
    whatever order the unparsed records came in (they were 5, 4, 5 with runs)."""
    path = tmp_path / "群.txt"
    path.write_text("2020-3-4 8:00:00 礼(852649)\n好\n\n2020-3-4 13:00:00 PM 礼(852649)\n" + "x" * (MAX_LINE + 10)
                    + "\n\n2020-3-4 9:00:00 礼(852649)\n好\n", encoding="utf-8")
    samples = [parsed(path, runs)[1].unparsed_samples for runs in (True, False)]
    assert samples == [[4, 5, 5], [4, 5, 5]]
