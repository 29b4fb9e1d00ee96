"""The single streaming pass: every record goes to every rule, in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from chataudit.columns import Batch, Codes
from chataudit.findings import Finding
from chataudit.records import Event, Message, MessageRun
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
    one before it: that input is to be audited whole.

    A parser may leave out the records of the groups the part does not audit (``skip``, as a
    ``formats.base.Share``); the part then counts them and keeps their times itself, inside
    the audit's ``window`` (--since, --until) as ``jobs.inputs.within`` would. Such a parser
    may hand the part's own plain messages over in runs, which come later than their rows
    were read: it times them as it reads them (``keep``)."""

    index: int
    count: int
    window: tuple[datetime | None, datetime | None] = (None, None)
    groups: dict[str, bool] = field(default_factory=dict)  # group → whether this part audits it
    end: datetime | None = None  # the latest record so far; at the end, when the export ends
    in_order: bool = True
    left_out: list[int] = field(default_factory=lambda: [0, 0])  # events, messages a parser skipped

    def audits(self, record: Message | Event) -> bool:
        self._at(record.ts)
        return self.owns(record.group)

    def owns(self, group: str) -> bool:
        """Whether this part audits ``group``, numbering it when first seen. A parser asks
        first, in the input's order: every part still numbers alike."""
        mine = self.groups.get(group)
        if mine is None:
            mine = self.groups[group] = len(self.groups) % self.count == self.index
        return mine

    def skip(self, ts: datetime, message: bool) -> None:
        self.left_out[message] += 1
        self.keep(ts)

    def keep(self, ts: datetime) -> None:
        since, until = self.window
        if (since is None or ts >= since) and (until is None or ts < until):
            self._at(ts)

    def _at(self, ts: datetime) -> None:
        if self.end is not None and ts < self.end:
            self.in_order = False
        self.end = ts


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


BATCH = 16_384
"""Records per batch: large enough that array work dwarfs its set-up, small enough to stay
a few megabytes whatever the export's size."""


def audit_batched(records: Iterable[Message | Event | MessageRun], rules: list[Rule], size: int = BATCH,
                  part: Part | None = None) -> Iterator[Finding]:
    """``audit`` in batches, with the same findings in the same order. Each rule first picks,
    over the whole batch, the messages it must look at (``Rule.select``); only those reach it
    (``Rule.confirm``), with every event, and the directory of names learns from each first
    message of a sender and each event. The rules that wait for the export's end are told
    when it ended, since they may not have seen its last record. With ``part`` (every rule
    must split by group), only the part's own groups are audited, as ``audit`` does. Records
    may come as runs of columns (``MessageRun``); a batch is then at least ``size`` records,
    ending with a whole run."""
    groups, senders = Codes(), Codes()
    batch = None
    for chunk in _chunks(records if part is None else _own(records, part), size):
        batch = Batch(chunk, groups, senders)
        if rules:
            yield from _audit_batch(batch, rules)
    end = part.end if part is not None else batch.records[-1].ts if batch is not None else None
    for rule in rules:
        if isinstance(rule, EndOfExport) and (rule.export_end is None or part is not None):
            rule.export_end = end
        yield from rule.finish()


def _chunks(records: Iterable[Message | Event | MessageRun], size: int) -> Iterator[list[Message | Event | MessageRun]]:
    chunk: list[Message | Event | MessageRun] = []
    rows = 0
    for item in records:
        chunk.append(item)
        rows += len(item) if type(item) is MessageRun else 1
        if rows >= size:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _own(records: Iterable[Message | Event | MessageRun], part: Part) -> Iterator[Message | Event | MessageRun]:
    """The records of the part's groups, up to the first out of time order (see ``Part``)."""
    for record in records:
        if type(record) is MessageRun:  # the parser kept only this part's rows and timed them (Share.keep)
            if not part.in_order:
                return
            yield record
            continue
        audited = part.audits(record)
        if not part.in_order:
            return
        if audited:
            yield record


def _audit_batch(batch: Batch, rules: list[Rule]) -> Iterator[Finding]:
    """One batch: a mask per handler (the directory first, then each rule in order), then the
    picked (record, handler) pairs in record order, handlers in rule order, as ``audit`` calls them."""
    is_message = batch.is_message
    masks = [batch.first_of_sender | ~is_message]
    on_message: list[Callable] = [rules[0].ctx.directory.observe]
    on_event: list[Callable] = [on_message[0]]
    for rule in rules:
        takes_messages = _overrides(rule, "on_message")
        picked = rule.select(batch) if takes_messages else None
        mask = ~is_message if _overrides(rule, "on_event") else np.zeros(len(batch), dtype=bool)
        if picked is None:
            if takes_messages:
                mask |= is_message
            on_message.append(_by_record(rule.on_message))
        else:
            mask[picked] = True
            on_message.append(rule.confirm)
        masks.append(mask)
        on_event.append(_by_record(rule.on_event))
    records = batch.records
    rows, handlers = np.nonzero(np.stack(masks, axis=1))
    for row, handler in zip(rows.tolist(), handlers.tolist()):
        record = records[row]
        if handler == 0:
            on_message[0](record)
            continue
        found = (on_message if type(record) is Message else on_event)[handler](record, row)
        if found:
            yield from found


def _by_record(handle: Handler) -> Callable[[Message | Event, int], Iterable[Finding]]:
    return lambda record, row: handle(record)


def _overrides(rule: Rule, name: str) -> bool:
    return getattr(type(rule), name) is not getattr(Rule, name)


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
    return [getattr(rule, name) for rule in rules if _overrides(rule, name)]
