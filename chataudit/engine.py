"""The single streaming pass: every record goes to every rule, in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from chataudit.findings import Finding
from chataudit.records import Event, Message
from chataudit.rules.base import Rule

Handler = Callable[[Message | Event], Iterable[Finding]]


def audit(records: Iterable[Message | Event], rules: list[Rule]) -> Iterator[Finding]:
    """Rules built together share one context; its directory learns each record first.

    This loop runs rules × records times, so it does as little as it can: a rule that keeps
    the base class's no-op handler is not called at all, and an empty result (most of them)
    is skipped without entering a generator."""
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


def _handlers(rules: list[Rule], name: str) -> list[Handler]:
    return [getattr(rule, name) for rule in rules if getattr(type(rule), name) is not getattr(Rule, name)]
