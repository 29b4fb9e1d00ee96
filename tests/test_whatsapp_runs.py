"""whatsapp-txt's plain messages as runs of columns (``records.MessageRun``), as the audit's batch
engine asks for them: read with runs, each run replaced by its messages, an export gives the
records (and accounts, and error) it gives without; and the engine finds in the runs what the
record engine finds in the records. Both readings are checked: blocks of lines (a .txt) and a
line at a time (a zipped chat), where the reading ends and where a damaged zip stops it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.engine import audit, audit_batched
from chataudit.formats import encoding
from chataudit.formats.base import RunBuilder
from chataudit.formats.whatsapp_txt import SURVEY_LINES
from chataudit.jobs.inputs import open_input, within
from chataudit.policy.load import load_policy
from chataudit.records import Message, MessageRun
from chataudit.rules.registry import build_rules
from tests.conftest import ROOT, SAMPLE_POLICY
from tests.formats.block_reading import chunk, read, undecodable
from tests.formats.test_whatsapp import CHAT, _zip
from tests.formats.test_whatsapp_fast import EXAMPLES, exports
from tests.timeline import SHANGHAI

FIXTURES = sorted([*(ROOT / "tests" / "fixtures" / "whatsapp-txt").glob("*.txt"),
                   *(ROOT / "tests" / "fixtures" / "whatsapp-txt").glob("*.zip"),
                   *(ROOT / "tests" / "formats" / "fixtures" / "whatsapp-txt").glob("*.txt")])


def items(path: Path) -> list:
    """What the reader gives when asked for runs: runs as they come, unparsed lines included."""
    opened = open_input(path, "whatsapp-txt", SHANGHAI, None)
    opened.source = replace(opened.source, runs=True)
    return list(opened.records())


def runs_of(path: Path) -> list[MessageRun]:
    return [item for item in items(path) if type(item) is MessageRun]


def assert_same(path: Path) -> list:
    """Reading with runs, each run replaced by its messages, gives the records, accounts and
    error of reading without; the records."""
    got = read(path, "whatsapp-txt", runs=True)
    assert got == read(path, "whatsapp-txt")
    return got[0]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """3,000 messages from bench/whatsapp.py (Android layout), with a system line every 1,000."""
    sys.path.insert(0, str(ROOT / "bench"))
    import whatsapp as bench_whatsapp

    path = tmp_path_factory.mktemp("runs") / "WhatsApp Chat with 华东销售群.txt"
    bench_whatsapp.write(3_000, path)
    return path


# --- the records -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("size", [1, 64, encoding.CHUNK])
def test_fixtures(path, size):
    with chunk(size):
        assert_same(path)


def test_fixtures_give_runs_in_both_readings():
    """Not vacuous: the .txt fixtures (blocks of lines) and the .zip (a line at a time) give
    runs, and a message with a mention stays a message."""
    for suffix in (".txt", ".zip"):
        assert any(runs_of(path) for path in FIXTURES if path.suffix == suffix), suffix
    assert any(type(item) is Message and item.mentions for path in FIXTURES for item in items(path))


@pytest.mark.parametrize("size", [64, 4099, encoding.CHUNK])
def test_a_generated_export(export, size):
    with chunk(size):
        records = assert_same(export)
        runs = runs_of(export)
    assert len(runs) > 10 and sum(map(len, runs)) > 0.9 * sum(type(r) is Message for r in records)
    unasked = list(open_input(export, "whatsapp-txt", SHANGHAI, None).records())
    assert unasked == records and not any(type(item) is MessageRun for item in unasked)


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_a_full_run_is_handed_over(export, limit):
    with mock.patch.object(RunBuilder, "LIMIT", limit):
        assert_same(export)
        assert max(map(len, runs_of(export))) == limit


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=exports(), size=st.one_of(st.integers(1, 200), st.just(encoding.CHUNK)),
       limit=st.sampled_from([1, 3, RunBuilder.LIMIT]))
def test_generated_exports(tmp_path_factory, data, size, limit):
    path = tmp_path_factory.mktemp("gen") / "WhatsApp Chat with 群.txt"
    path.write_bytes(data)
    with chunk(size), mock.patch.object(RunBuilder, "LIMIT", limit):
        assert_same(path)


# --- where the reading stops ---------------------------------------------------------------------

LONG = "".join(f"13/10/2023, 08:{i // 60 % 60:02} - 张三: 第{i}条\n" for i in range(SURVEY_LINES + 5000))
"""More lines than the first pass reads of a file whose day/month order its first line tells:
bytes after them that do not decode stop the reading, not the first pass."""


@undecodable(LONG)
@pytest.mark.parametrize("size", [4099, encoding.CHUNK])
def test_bytes_that_do_not_decode_stop_it_after_the_run(tmp_path, data, size):
    """The messages read before the error, in a run, come before it."""
    path = tmp_path / "WhatsApp Chat with 群.txt"
    path.write_bytes(data)
    with chunk(size):
        records = assert_same(path)
        _, _, error = read(path, "whatsapp-txt")
    assert error is not None and "not valid" in error and len(records) > SURVEY_LINES


def test_a_damaged_zipped_chat_stops_after_the_run(tmp_path, monkeypatch):
    """A zipped chat read up to an over-long line: the messages before it, in a run, then the
    unparsed record that says where the reading stopped."""
    import chataudit.formats.whatsapp_txt as whatsapp

    monkeypatch.setattr(whatsapp, "MAX_LINE_BYTES", 100_000)
    chat = CHAT * 2000 + b"[13/10/2023, 09:30:00] \xe5\xbc\xa0\xe4\xbc\x9f: " + b"a" * 300_000 + b"\n" + CHAT
    path = _zip(tmp_path / "WhatsApp Chat - 项目组.zip", chat)
    assert_same(path)
    found = items(path)
    assert sum(len(item) for item in found if type(item) is MessageRun) > 1000
    assert "a line longer than" in found[-1].reason


# --- the engine ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 7, 1000])
@pytest.mark.parametrize("policy", [None, SAMPLE_POLICY], ids=["default", "sample"])
def test_the_engine_finds_in_runs_what_it_finds_in_records(export, policy, size):
    loaded = load_policy(policy)
    records = list(within(open_input(export, "whatsapp-txt", SHANGHAI, None).records(), None, None))
    found = list(within(iter(items(export)), None, None))
    expected = list(audit(iter(records), build_rules(loaded, None, None)))
    assert expected
    assert list(audit_batched(iter(found), build_rules(loaded, None, None), size)) == expected
