"""`chataudit stats terms EXPORT…`: which lexicon entries and custom-rule terms fire, how often,
and on what, so that an admin can see which entry causes the noise before editing a lexicon.

Every message of the exports goes through the policy's lexicon automaton (the same trace
``explain`` shows): a message where the entry counts and one where an allow phrase, a context
frame or a word boundary cancelled it are counted apart. Custom rules count the terms their
findings name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chataudit.i18n import Lang
from chataudit.jobs.audit import input_options
from chataudit.jobs.inputs import expand, open_input, within
from chataudit.policy.load import LoadedPolicy
from chataudit.records import Location, Message
from chataudit.report.base import visible
from chataudit.rules.base import RuleContext, excerpt_of
from chataudit.rules.content import NOT_WORDS
from chataudit.rules.custom import CustomRule
from chataudit.rules.registry import build_rules

SAMPLES = 3


@dataclass(slots=True)
class TermCount:
    source: str  # a lexicon category, or a custom rule's id
    term: str
    counted: int = 0  # messages where it counts
    cancelled: int = 0  # messages where it matched but did not count
    samples: list[tuple[Location, str]] = field(default_factory=list)  # where it counted

    def add(self, msg: Message, counts: bool) -> None:
        if not counts:
            self.cancelled += 1
            return
        self.counted += 1
        if len(self.samples) < SAMPLES:
            self.samples.append((msg.loc, excerpt_of(msg.text)))


def term_stats(paths: Sequence[Path], loaded: LoadedPolicy, fmt: str = "auto") -> list[TermCount]:
    """Counts per (lexicon category or custom rule, term), most counted first."""
    rules = build_rules(loaded)
    ctx = rules[0].ctx
    custom = [rule for rule in rules if isinstance(rule, CustomRule)]
    table: dict[tuple[str, str], TermCount] = {}
    for file in expand(list(paths)):
        opened = open_input(file, fmt, loaded.policy.tz, None, input_options(loaded, None))
        for record in within(opened.records(), None, None):
            if isinstance(record, Message) and record.text and record.kind not in NOT_WORDS:
                for key, counts in _terms_of(record, ctx, custom).items():
                    table.setdefault(key, TermCount(*key)).add(record, counts)
    return sorted(table.values(), key=lambda t: (-t.counted, -t.cancelled, t.source, t.term))


def _terms_of(msg: Message, ctx: RuleContext, custom: list[CustomRule]) -> dict[tuple[str, str], bool]:
    """(source, term) → whether it counts, once per message (an entry met as written and as
    pinyin is one)."""
    found: dict[tuple[str, str], bool] = {}
    if ctx.matcher is not None:
        candidates, _ = ctx.matcher.trace(ctx.content(msg).norm)
        for hit, why in candidates:
            key = (hit.category, hit.phrase)
            found[key] = found.get(key, False) or why is None
    for rule in custom:
        for finding in rule.on_message(msg):
            for term in finding.data["terms"]:
                found[(rule.id, term)] = True
    return found


def render(counts: list[TermCount], lang: Lang) -> list[str]:
    if not counts:
        return ["没有任何词条命中。" if lang == "zh" else "No lexicon entry or custom term matched."]
    head = ("来源", "词条", "计入", "未计入", "示例") if lang == "zh" else ("source", "term", "counted", "cancelled", "examples")
    lines = ["\t".join(head)]
    for c in counts:
        examples = " | ".join(f"{loc.path}:{loc.line if loc.line is not None else '#' + str(loc.index)} {text}"
                              for loc, text in c.samples)
        lines.append(visible(f"{c.source}\t{c.term}\t{c.counted}\t{c.cancelled}\t{examples}"))
    return lines
