"""The single streaming pass: every record goes to every rule, in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from chataudit.findings import Finding
from chataudit.records import Event, Message
from chataudit.rules.base import Rule
from chataudit.rules.custom import CustomRule
from chataudit.rules.response import EndOfExport

Handler = Callable[[Message | Event], Iterable[Finding]]

PER_GROUP = frozenset({
    "M101", "M102", "M103", "M104", "M105", "M106", "M107", "M108", "M109",
    "R201", "R202",
    "S301", "S302", "S303", "S304", "S305", "S306", "S307", "S308",
    "C401", "C402", "C403", "C404", "C405", "C406", "C407",
    "T501",
})
"""Built-in rules whose state is kept per group or per message (read in chataudit/rules/*.py).
Audited one group at a time over an export in time order they give the whole export's
answers: R201 and R202 once told when the export ends (``EndOfExport``); the burst counters
(S301, S303, S307, M109) and S302's memory of contents, whose clock and clean-up see every
group, because in time order nothing another group moves them by could still count. The
policy's own [[custom]] rules look at one message at a time and split too. A rule this list
does not know (a plugin's) runs over every record in part 0."""


def splits_by_group(rule: Rule) -> bool:
    return rule.id in PER_GROUP or isinstance(rule, CustomRule)


@dataclass(slots=True)
class Part:
    """One worker's share of an export split by group (``--jobs`` on one input holding several
    groups). Groups are numbered as they first appear; this part audits those whose number
    modulo ``count`` is ``index`` with every rule that splits by group, and part 0 also runs
    the rules that do not split, over every record. Every part reads every record: to number
    the groups, to know when the export ends, and to check that the records are in time order
    (``in_order``), which the split relies on. A part stops at the first record earlier than
    one before it: that input is to be audited whole."""

    index: int
    count: int
    groups: dict[str, bool] = field(default_factory=dict)  # group → whether this part audits it
    end: datetime | None = None  # the latest record so far; at the end, when the export ends
    in_order: bool = True

    def audits(self, record: Message | Event) -> bool:
        if self.end is not None and record.ts < self.end:
            self.in_order = False
        self.end = record.ts
        mine = self.groups.get(record.group)
        if mine is None:
            mine = self.groups[record.group] = len(self.groups) % self.count == self.index
        return mine


def audit(records: Iterable[Message | Event], rules: list[Rule], part: Part | None = None) -> Iterator[Finding]:
    """Rules built together share one context; its directory learns each record first.

    This loop runs rules × records times, so it does as little as it can: a rule that keeps
    the base class's no-op handler is not called at all, and an empty result (most of them)
    is skipped without entering a generator. With ``part``, see ``Part``."""
    if part is not None:
        yield from _audit_part(records, rules, part)
        return
    on_message = _handlers(rules, "on_message")
    on_event = _handlers(rules, "on_event")
    observe = rules[0].ctx.directory.observe if rules else (lambda record: None)
    for record in records:
        observe(record)
        for handle in on_message if isinstance(record, Message) else on_event:
            found = handle(record)
            if found:
                yield from found
    for rule in rules:
        yield from rule.finish()


def _audit_part(records: Iterable[Message | Event], rules: list[Rule], part: Part) -> Iterator[Finding]:
    """``audit`` of one part: its own groups' records go to every rule it runs, the others' only
    to the rules that do not split (part 0); then rules that wait for the end hear when the
    whole export ended."""
    mine = [rule for rule in rules if part.index == 0 or splits_by_group(rule)]
    everywhere = [rule for rule in mine if not splits_by_group(rule)]
    handlers = {True: (_handlers(mine, "on_message"), _handlers(mine, "on_event")),
                False: (_handlers(everywhere, "on_message"), _handlers(everywhere, "on_event"))}
    observe = rules[0].ctx.directory.observe if rules else (lambda record: None)
    for record in records:
        audited = part.audits(record)
        if not part.in_order:
            return
        if not audited and not everywhere:
            continue
        observe(record)
        on_message, on_event = handlers[audited]
        for handle in on_message if isinstance(record, Message) else on_event:
            found = handle(record)
            if found:
                yield from found
    for rule in mine:
        if isinstance(rule, EndOfExport) and splits_by_group(rule):
            rule.export_end = part.end
        yield from rule.finish()


def _handlers(rules: list[Rule], name: str) -> list[Handler]:
    return [getattr(rule, name) for rule in rules if getattr(type(rule), name) is not getattr(Rule, name)]
