"""The literal pre-filter in front of the content patterns and the advertising cues: it may
only ever skip a text that the regex would not match (issue #16's speed work)."""

import csv
import json

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from chataudit.policy.load import load_policy
from chataudit.rules.content import SPAM_CUES, cue_score, may_reach, spam_cues
from chataudit.rules.registry import build_rules
from chataudit.text.normalize import normalize
from chataudit.text.prefilter import DIGIT, DIGITS, Prefilter, necessary
from tests.conftest import ROOT
from tests.test_eval import DATASETS


def test_a_discount_needs_its_character():
    needs = necessary(r"(?:全场|全店)[^，。]{0,6}[0-9一二三]折")
    assert needs[0] == frozenset({"全场", "全店"})
    assert needs[-1] == frozenset(f"{c}折" for c in "0123456789一二三")


def test_every_piece_of_a_sequence_is_needed():
    needs = necessary(r"(?:据说|听说)[^，。]{0,12}(?:公司|裁员)")
    assert needs == (frozenset({"据说", "听说"}), frozenset({"公司", "裁员"}))


def test_digits_are_any_scripts_and_runs_count():
    assert necessary(r"\d") == (frozenset({DIGIT}),)
    assert necessary(r"\d{7,12}$") == (frozenset({DIGITS + "7"}),)
    assert Prefilter([r"\d{7,12}$"]).candidates("电话 ١٢٣٤٥٦٧") == {0}  # Arabic-Indic digits are \d too
    assert Prefilter([r"\d{7,12}$"]).candidates("电话 123456") == set()


def test_letters_are_compared_case_folded():
    assert Prefilter([r"VX\d"]).candidates("加vx1") == {0}
    assert Prefilter([r"k"]).candidates("\u212a") == {0}  # KELVIN SIGN: IGNORECASE matches it to k


def test_property_classes_are_read_as_unknown_inside_and_outside_sets():
    assert necessary(r"\p{Han}{1,12}号") == (frozenset({"号"}),)
    assert necessary(r"[\p{Han}a]号") == (frozenset({"号"}),)
    assert necessary(r"\\pa") == (frozenset({"\\pa"}),)  # an escaped backslash, then the letters pa


def test_what_only_the_regex_module_reads_gets_no_filter():
    for pattern in (r"(?:赌博){e<=1}", r"[[:alpha:]]+", r"(?|(a)|(b))", r".*", r"\L<words>"):
        assert necessary(pattern) is None, pattern
        assert Prefilter([pattern]).candidates("anything") == {0}


def test_a_text_without_the_literals_is_not_a_candidate():
    prefilter = Prefilter([r"转发到[^，。]{0,8}(?:群|朋友圈)", r"(?:全场|全店)\S{0,6}[0-9]折"])
    assert prefilter.candidates("报销单我已转发到你的工作邮箱") == set()  # 转发到 without 群
    assert prefilter.candidates("请转发到部门群") == {0}
    assert prefilter.candidates("全场8折") == {1}
    assert not prefilter.maybe("今天热线来电12个")


PIECES = ["加", "微信", "vx", "折", "全场", "\\d", "\\d{3}", "[0-9]", "[一二三]", "\\s*", "(?:群|人)", "x?",
          "[^，。]{0,4}", "\\S", "(?:a|bc|)", "[a-c]+", "(?=号)", "\\b", "号", "K", "(?:转发|转)(?:到|给)", ".", "ß"]
TEXT = st.text(alphabet=list("加微信vxVX折全场123٣一二三 群人号abcKk\u212aßẞss转发到给，。"), max_size=14)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5), min_size=1, max_size=3), TEXT)
def test_a_pattern_that_matches_is_always_a_candidate(alternatives, text):
    pattern = "|".join("".join(pieces) for pieces in alternatives)
    compiled = regex.compile(pattern, regex.IGNORECASE)
    if compiled.search(text):
        assert Prefilter([pattern]).candidates(text) == {0}, (pattern, text)


def _real_texts():
    """Messages written here (the evaluation set) and, when present, elsewhere (COLD, SMS)."""
    for line in (ROOT / "tests" / "eval" / "content.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)["text"]
    sms = DATASETS / "sms-mudou" / "dev.tsv"
    if sms.exists():
        with sms.open(encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                yield row[-1]
    cold = DATASETS / "cold" / "dev.csv"
    if cold.exists():
        with cold.open(encoding="utf-8") as f:
            yield from (row["TEXT"] for row in csv.DictReader(f))


def test_the_shipped_patterns_and_cues_lose_nothing_on_real_messages():
    """Each default content pattern, and each cue family, against every message: a match is
    always a candidate, and the advertising ceiling never rules out a score it reaches."""
    patterns = build_rules(load_policy(None))[0].ctx.content_patterns
    checks = [(Prefilter(patterns), [regex.compile(p, regex.IGNORECASE) for p in patterns]),
              (Prefilter(list(SPAM_CUES.values())), [regex.compile(p) for p in SPAM_CUES.values()])]
    seen = skipped = 0
    for original in _real_texts():
        text = normalize(original).text
        seen += 1
        for prefilter, compiled in checks:
            candidates = prefilter.candidates(text)
            skipped += len(compiled) - len(candidates)
            for index, pattern in enumerate(compiled):
                if pattern.search(text):
                    assert index in candidates, (pattern.pattern[:40], text)
        score = cue_score(spam_cues(text))
        for threshold in (1, 2, 3):
            assert may_reach(text, threshold) or score < threshold, text
    assert seen > 100 and skipped > seen  # the filter does skip most searches


def test_a_slow_pattern_never_runs_on_a_text_without_its_literal():
    """((a+)\\2)+b backtracks for minutes on a long run of a; without a b it cannot match and is
    not searched (with a b it is, and the timeout stops it: tests/test_hostile.py)."""
    from chataudit.rules.base import PatternGate

    assert PatternGate([r"((a+)\2)+b"]).may_match("a" * 60) is False
