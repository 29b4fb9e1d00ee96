"""The labelled evaluation set for content rules, scored per rule.

tests/eval/content.jsonl: hand-written violations per rule, evasion variants of them
(separators, full-width, traditional, zero-width, homophones, pinyin) and everyday workplace
messages full of near-miss words (严禁赌博, 操作, 垃圾分类, order numbers, 转发到邮箱). Every
message goes through every content rule, with the bundled lexicons and default options.
The test prints precision and recall per rule and fails below 0.95 / 0.90.
"""

import json
from pathlib import Path

from chataudit.engine import audit
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules, rule_classes
from chataudit.policy.schema import Roles
from chataudit.rules.base import RuleContext
from tests.timeline import SHANGHAI, bundled_matcher, make, record, run

CONTENT_RULES = ["C401", "C402", "C403", "C404", "C405", "C406", "C407", "S305", "S306"]
ROWS = [json.loads(line) for line in (Path(__file__).parent / "content.jsonl").read_text(encoding="utf-8").splitlines()]
MIN_PRECISION, MIN_RECALL = 0.95, 0.90


def score() -> dict[str, dict]:
    rules = {rid: make(rule_classes()[rid]) for rid in CONTENT_RULES}
    table = {rid: {"tp": 0, "fp": 0, "fn": 0, "misses": [], "false": []} for rid in CONTENT_RULES}
    for row in ROWS:
        msg = record(f"2023-10-11 10:00:00 测试部-张三 / {row['text'].replace(chr(10), ' ')}")
        for rid, rule in rules.items():
            flagged = bool(run(rule, [msg]))
            wanted = rid in row["rules"]
            if flagged and wanted:
                table[rid]["tp"] += 1
            elif flagged:
                table[rid]["fp"] += 1
                table[rid]["false"].append(row["text"])
            elif wanted:
                table[rid]["fn"] += 1
                table[rid]["misses"].append(f"{row['kind']}: {row['text']}")
    return table


def test_the_set_is_big_enough():
    kinds = [r["kind"] for r in ROWS]
    assert len(ROWS) >= 400
    assert sum(k.startswith("evasion") for k in kinds) >= 60
    assert kinds.count("clean") >= 150
    assert all(any(rid in r["rules"] for r in ROWS) for rid in CONTENT_RULES)


def test_precision_and_recall_per_rule(capsys):
    table = score()
    lines = [f"{'rule':6} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}"]
    failing = []
    for rid, s in table.items():
        precision = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        recall = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        lines.append(f"{rid:6} {precision:9.3f} {recall:7.3f} {s['tp']:4} {s['fp']:4} {s['fn']:4}")
        if precision < MIN_PRECISION or recall < MIN_RECALL:
            failing.append(f"{rid}: precision {precision:.3f}, recall {recall:.3f}; "
                           f"missed {s['misses'][:5]}; wrongly flagged {s['false'][:5]}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert not failing, "\n".join(failing)


def test_rules_built_together_find_what_each_finds_alone():
    """In an audit the content rules share one context, so a message is searched once for
    every rule's patterns together and each rule stops early on a quiet message. Over the
    whole set that must change nothing: together they report exactly what each reports alone."""
    policy = load_policy(None)
    alone = {rid: build_rules(policy, [rid]) for rid in CONTENT_RULES}
    together = build_rules(policy, CONTENT_RULES)
    assert together[0].ctx.content_patterns, "the default policy's rules have patterns to share"
    messages = [record(f"2023-10-11 10:00:00 测试部-张三 / {row['text']}", i) for i, row in enumerate(ROWS)]
    separately = sorted((f.rule, f.loc.line, f.message.zh) for rules in alone.values() for f in audit(messages, rules))
    jointly = sorted((f.rule, f.loc.line, f.message.zh) for f in audit(messages, together))
    assert len(jointly) > 200
    assert jointly == separately


def test_patterns_that_cannot_be_joined_still_match_what_they_say():
    """Policy patterns from several rules share one gate search; a backreference, a global
    inline flag or a group name used twice would change what a joined alternation matches,
    so such patterns are searched one by one."""
    matcher, bad = bundled_matcher()
    ctx = RuleContext(roles=Roles(), tz=SHANGHAI, matcher=matcher, bad_domains=bad)
    classes = rule_classes()
    rules = [classes["C402"](classes["C402"].Options(patterns=[r"(?P<n>\d{3})-(?P=n)", r"(\w)\1{4}"]), ctx),
             classes["S305"](classes["S305"].Options(patterns=[r"(?P<n>接龙)", r"(?x) 转 发 给 \d+ 人"]), ctx),
             classes["C407"](classes["C407"].Options(patterns=[r"call me"]), ctx)]
    lines = ["2023-10-11 10:00:00 测试部-张三 / 号码 123-123 记一下", "2023-10-11 10:01:00 测试部-张三 / zzzzz",
             "2023-10-11 10:02:00 测试部-张三 / 转发给20人", "2023-10-11 10:03:00 测试部-张三 / 周末接龙",
             "2023-10-11 10:04:00 测试部-张三 / pls call me now", "2023-10-11 10:05:00 测试部-张三 / 号码 123-456 记一下"]
    found = [(f.rule, f.loc.line) for f in audit([record(line, i) for i, line in enumerate(lines)], rules)]
    assert found == [("C402", 1), ("C402", 2), ("S305", 3), ("S305", 4), ("C407", 5)]
