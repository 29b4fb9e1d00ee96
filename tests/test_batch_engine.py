"""The batch engine (engine.audit_batched) against the record engine (engine.audit), its oracle.

Reports must be byte-identical on every real-layout fixture, the sample, the content
evaluation set and a 200,000-message benchmark corpus, under the default policy and the
sample's (which names leaders and admins, so tasks and notices open). Every rule test also
runs both engines (tests/timeline.py ``run``), in batches of two records. The parts that carry
state across batches, or that promise never to miss a candidate, are checked here on their own
against what they stand for."""

from __future__ import annotations

import json
import random
from itertools import cycle
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

import chataudit.jobs.audit as audit_job
from chataudit.cli import app
from chataudit.columns import Batch, Codes
from chataudit.records import Kind, Location, Message
from chataudit.rules.content import Abuse, Advertising, ForbiddenTopic, MaliciousLink, PersonalDataRule
from chataudit.rules.volume import BurstCounter
from tests.conftest import ROOT, SAMPLE, SAMPLE_POLICY
from tests.test_real_exports import FIXTURE_PAIRS
from tests.timeline import make

POLICIES = {"default": None, "sample": SAMPLE_POLICY}


def report(monkeypatch, path: Path, policy: Path | None, *, records: bool, extra: tuple[str, ...] = ()) -> str:
    monkeypatch.setattr(audit_job, "RECORD_ENGINE", records)
    args = ["audit", str(path), "--output", "json", *(("--policy", str(policy)) if policy else ()), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def same_report(monkeypatch, path: Path, policy: Path | None, extra: tuple[str, ...] = ()) -> str:
    batch = report(monkeypatch, path, policy, records=False, extra=extra)
    assert batch == report(monkeypatch, path, policy, records=True, extra=extra)
    return batch


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", [pair[0] for pair in FIXTURE_PAIRS], ids=str)
def test_every_fixture_gives_the_same_report(monkeypatch, path, policy):
    same_report(monkeypatch, ROOT / path, POLICIES[policy])


@pytest.mark.parametrize("policy", POLICIES)
def test_the_sample_gives_the_same_report(monkeypatch, policy):
    out = same_report(monkeypatch, SAMPLE, POLICIES[policy])
    assert json.loads(out)["violations"], "the sample has findings to compare"


@pytest.mark.parametrize("options", [("--ignore", "M,R,S,C,T"), ("--select", "S3,T5"), ("--lang", "en", "--redact")],
                         ids=["no rules", "some rules", "english"])
def test_the_sample_gives_the_same_report_with_options(monkeypatch, options):
    same_report(monkeypatch, SAMPLE, SAMPLE_POLICY, options)


def test_the_evaluation_set_gives_the_same_report(monkeypatch, tmp_path):
    """The content evaluation set, one message a minute, as a generic JSONL export."""
    rows = [json.loads(line) for line in (ROOT / "tests" / "eval" / "content.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    start = datetime(2024, 3, 4, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    export = tmp_path / "eval.jsonl"
    export.write_text("".join(json.dumps({"time": (start + timedelta(minutes=i)).isoformat(), "sender": f"销售部-员工{i % 7}",
                                          "text": row["text"], "group": "评测群"}, ensure_ascii=False) + "\n"
                              for i, row in enumerate(rows)), encoding="utf-8")
    out = same_report(monkeypatch, export, None)
    assert len(json.loads(out)["violations"]) > 50


def test_a_200k_benchmark_corpus_gives_the_same_report(monkeypatch, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    path = tmp_path / "bench.txt"
    corpus.write(200_000, str(path))
    out = same_report(monkeypatch, path, None)
    assert json.loads(out)["summary"]["violations"] > 1000


# --- the burst counter across batches --------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=80),
       st.lists(st.integers(1, 30), min_size=1, max_size=10))
def test_bursts_found_in_batches_are_the_ones_found_one_by_one(events, cuts):
    """Random senders posting 0–4 s apart, cut into batches anywhere: ``add_all`` reports the
    same bursts at the same events as ``add`` and leaves the counter in the same state."""
    thresholds = [(3, timedelta(seconds=5)), (5, timedelta(seconds=20))]
    one, many = BurstCounter(thresholds), BurstCounter(thresholds)
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    clock, stamps = 0, []
    for _, gap in events:
        clock += gap
        stamps.append(base + timedelta(seconds=clock))
    expected = {i: found for i, ((key, _), ts) in enumerate(zip(events, stamps)) if (found := one.add((key,), ts))}
    got, start, cut = {}, 0, cycle(cuts)
    while start < len(events):
        end = min(len(events), start + next(cut))
        keys = np.array([key for key, _ in events[start:end]])
        names = [(code,) for code in range(4)]
        found = many.add_all(keys, names, np.array([ts.timestamp() for ts in stamps[start:end]]))
        got.update({start + i: crossed for i, crossed in found.items()})
        start = end
    assert got == expected
    assert {k: v for k, v in many.times.items()} == {k: v for k, v in one.times.items() if k in many.times}
    assert many.in_burst == one.in_burst


def test_times_going_backwards_are_left_to_add():
    counter = BurstCounter([(2, timedelta(seconds=10))])
    assert counter.add_all(np.array([0, 0]), [("a",)], np.array([100.0, 99.0])) is None
    assert counter.times == {} and counter.in_burst == set()


# --- local time of day ------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1_600_000_000, 1_700_000_000), min_size=1, max_size=50),
       st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"]))
def test_seconds_of_day_match_the_clock(stamps, zone):
    """Across daylight-saving changes, including Lord Howe's half-hour one."""
    tz = ZoneInfo(zone)
    records = [Message("g", datetime.fromtimestamp(s, timezone.utc), "a", Kind.TEXT, "x", Location("t")) for s in stamps]
    got = Batch(records, Codes(), Codes()).seconds_of_day(tz)
    for s, seconds in zip(stamps, got.tolist()):
        local = datetime.fromtimestamp(s, tz)
        assert seconds == local.hour * 3600 + local.minute * 60 + local.second


# --- the content scan never misses a message the rules would look at ---------------------------

CONTENT_RULES = (ForbiddenTopic, Advertising, Abuse, MaliciousLink, PersonalDataRule)


def _texts() -> list[str]:
    rows = [json.loads(line)["text"] for line in (ROOT / "tests" / "eval" / "content.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    awkward = ["赌\x00博", "\x00", "Ｄｕｂｏ", "ß赌博", "微\u200b信", "加V：abc123", "１３８１２３４５６７８", "www．example．com",
               "哈" * 300, "", "ǅ", "İstanbul 赌博", "𝟙𝟛𝟠𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠"]
    return rows + awkward


@pytest.mark.parametrize("cls", CONTENT_RULES, ids=lambda c: c.id)
def test_select_picks_every_message_with_a_finding(cls):
    """Each content rule, over the evaluation set and awkward texts shuffled into batches:
    every message ``on_message`` reports is among the rows ``select`` picks."""
    texts = _texts()
    random.Random(7).shuffle(texts)
    ts = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    records = [Message("g", ts, "a", Kind.TEXT, t, Location("t", i)) for i, t in enumerate(texts)]
    for size in (1, 37, len(records)):
        rule = make(cls)
        for start in range(0, len(records), size):
            chunk = records[start:start + size]
            picked = set(rule.select(Batch(chunk, Codes(), Codes())).tolist())
            missed = [r.text for row, r in enumerate(chunk) if row not in picked and list(rule.on_message(r))]
            assert not missed, f"{cls.id} in batches of {size} misses {missed[:3]}"


# --- one part of an export split by group (--jobs) ------------------------------------------

def test_each_part_of_a_split_export_gives_what_the_record_engine_gives(tmp_path):
    """Both parts of a two-group corpus (CSV, the format --jobs splits), through both engines."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus
    from chataudit.engine import Part, audit, audit_batched
    from chataudit.jobs.inputs import open_input
    from chataudit.policy.load import load_policy
    from chataudit.rules.registry import build_rules

    path = tmp_path / "two.csv"
    corpus.write(3_000, str(path), groups=2)
    policy = load_policy(SAMPLE_POLICY)
    records = list(open_input(path, "auto", policy.policy.tz, None).records())
    assert len({r.group for r in records}) == 2
    for index in (0, 1):
        expected = list(audit(records, build_rules(policy), Part(index, 2)))
        assert expected
        assert list(audit_batched(records, build_rules(policy), 500, part=Part(index, 2))) == expected


def test_the_worked_example_in_the_engine_docs_runs_in_both_engines():
    """docs/engine.md's example rule, as written there, gives the same findings either way."""
    from chataudit.engine import audit, audit_batched
    from tests.timeline import make, timeline

    doc = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    code = doc.split("```python\n", 1)[1].split("```", 1)[0]
    space: dict = {}
    exec(compile(code, "docs/engine.md", "exec"), space)
    essay = space["Essay"]
    records = timeline("2024-03-04 09:00:00 销售部-张三 / " + "长" * 501, "2024-03-04 09:01:00 销售部-张三 / 短",
                       "2024-03-04 09:02:00 销售部-李四 / " + "长" * 500)
    found = list(audit(records, [make(essay)]))
    assert [f.sender for f in found] == ["销售部-张三"]
    assert list(audit_batched(records, [make(essay)], 2)) == found


# --- translation by lookup array --------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), min_size=0, max_size=60), st.integers(0, 3))
def test_long_texts_translate_as_str_translate_does(piece, which):
    """Folding, sounds and a table that changes a character beyond the BMP, on texts long enough
    for the lookup array (lone surrogates included)."""
    from chataudit.text.lexicon import _sound_table
    from chataudit.text.normalize import _table
    from chataudit.text.translation import LONG, Translation

    table = [_table(), _sound_table(), {0x1F600: "x", ord("a"): "b"}, {}][which]
    text = (piece or "賭") * (LONG // max(1, len(piece)) + 1) + "\ud800Ａ賭😀a"
    assert Translation(table)(text) == text.translate(table)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("赌博哈哈好的ab1 .\n_·-，（）\x00") + ["\u200b", "\u00ad", "\u3000", "\ud800", "😀",
                                                                          "\u2028", "\t", "賭", "Ａ", "\ufeff"]),
                max_size=40))
def test_removal_by_array_is_the_regex_removal(chars):
    """Separators between Chinese characters, format characters and repeats, in every mix, on a
    text long enough to take the array path: the same text as the regex gives."""
    from chataudit.text.normalize import _REMOVABLE, LONG, folded_text, normalized_text

    text = folded_text("".join(chars) * (LONG // max(1, len(chars)) + 1))
    assert normalized_text(text) == _REMOVABLE.sub("", text)


def test_a_rule_without_a_batch_step_sees_every_record_in_order():
    """A third-party rule written against on_message/on_event only (no select) runs on the
    batch engine's slow path: every message and every event, in order, the same findings."""
    from chataudit.engine import audit, audit_batched
    from chataudit.findings import Severity
    from chataudit.i18n import Text
    from chataudit.rules.base import Rule
    from tests.timeline import timeline

    class Tally(Rule):
        id, name, severity = "X902", "tally", Severity.INFO
        title = explanation = clause = Text("计数", "tally")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen: list[str] = []

        def on_message(self, msg):
            self.seen.append(msg.text)
            return (self.finding(msg, Text("第三条", "third")),) if len(self.seen) == 3 else ()

        def on_event(self, ev):
            self.seen.append(ev.kind)
            return ()

    records = timeline("2024-03-04 09:00:00 销售部-张三 / 一", "2024-03-04 09:00:01 [system] \"张三\"邀请\"李四\"加入了群聊",
                       "2024-03-04 09:00:02 销售部-李四 / 二", "2024-03-04 09:00:03 销售部-张三 / 三")
    one, many = make(Tally), make(Tally)
    expected = list(audit(records, [one]))
    assert list(audit_batched(records, [many], 2)) == expected and len(expected) == 1
    assert many.seen == one.seen == ["一", "join", "二", "三"]


def test_the_gate_searching_only_candidate_patterns_answers_as_the_joined_search():
    """Over a batch the content gate searches a text only with the patterns the pre-filter let
    through, one by one (``PatternGate.matches_some``); the record engine searches all of them
    joined (``matches``). Both answer alike on every text."""
    from chataudit.policy.load import load_policy
    from chataudit.rules.registry import build_rules
    from chataudit.text.normalize import normalize

    gate = build_rules(load_policy(None))[0].ctx.gate  # every content rule's patterns
    assert len(gate.regexes) == 1 and len(gate.each) > 10
    texts = [normalize(t).text for t in _texts()]
    matched = 0
    for text in texts:
        joined = gate.matches(text)
        assert gate.matches_some(text, gate.prefilter.candidates(text)) == joined, text
        matched += joined
    assert matched > 20


def test_prefilter_pairs_are_candidates_of_each_text():
    """``Prefilter.pairs`` over joined texts gives each text exactly ``candidates(text)`` (but the
    patterns that need nothing), for the content gate's patterns and the spam cues."""
    from chataudit.rules.content import _cue_filter
    from chataudit.text.normalize import normalize

    texts = [normalize(t).text.replace("\x00", "") for t in _texts()]
    shifting = [t for t in texts if len(t.casefold()) != len(t)]  # ß, İ: positions would shift
    assert shifting and _cue_filter().pairs("\x00".join(texts), np.cumsum([len(t) + 1 for t in texts])) is None
    texts = [t for t in texts if t not in shifting]
    ends = np.cumsum([len(t) + 1 for t in texts])
    for prefilter in (make(Advertising).ctx.gate.prefilter, _cue_filter()):
        rows, patterns = prefilter.pairs("\x00".join(texts), ends)
        got: dict[int, set[int]] = {}
        for row, pattern in zip(rows.tolist(), patterns.tolist()):
            got.setdefault(row, set()).add(pattern)
        assert any(got)
        for row, text in enumerate(texts):
            assert got.get(row, set()) == set(prefilter.candidates(text)) - prefilter._always, text
