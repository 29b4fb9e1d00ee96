"""The single streaming pass: every record goes to every rule, in input order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from chataudit.findings import Finding
from chataudit.records import Event, Message
from chataudit.rules.base import Rule


def audit(records: Iterable[Message | Event], rules: list[Rule]) -> Iterator[Finding]:
    """Rules built together share one context; its directory learns each record first."""
    message_handlers = [rule.on_message for rule in rules]
    event_handlers = [rule.on_event for rule in rules]
    observe = rules[0].ctx.directory.observe if rules else (lambda record: None)
    for record in records:
        observe(record)
        handlers = message_handlers if isinstance(record, Message) else event_handlers
        for handle in handlers:
            yield from handle(record)
    for rule in rules:
        yield from rule.finish()
