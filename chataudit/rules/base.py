"""What a rule is. A rule is one small class: id, name, default severity, bilingual title
and explanation, the clause it enforces, an Options model, and handlers that see records
in time order in one streaming pass. Its docstring is its documentation, and the
``Violates:`` / ``Clean:`` examples in it are executed by the tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.policy.schema import Roles
from chataudit.records import Event, Message

EXCERPT_CHARS = 120


class RuleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What every rule may read besides the records: the policy's roles and time zone."""

    roles: Roles
    tz: tzinfo

    def is_leader(self, name: str | None) -> bool:
        return name is not None and (name in self.roles.leaders or name == self.roles.owner)

    def is_admin(self, name: str | None) -> bool:
        return name is not None and (name == self.roles.owner or name in self.roles.admins)


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    severity: Severity  # class default; the policy may override it per instance
    title: ClassVar[Text]
    explanation: ClassVar[Text]
    clause: Text  # the regulation text it enforces; the policy may override it
    Options: ClassVar[type[RuleOptions]] = RuleOptions

    def __init__(self, options: RuleOptions, ctx: RuleContext,
                 severity: Severity | None = None, clause: str | None = None):
        self.options = options
        self.ctx = ctx
        if severity is not None:
            self.severity = severity
        if clause is not None:
            self.clause = Text(clause, clause)

    def on_message(self, msg: Message) -> Iterable[Finding]:
        return ()

    def on_event(self, ev: Event) -> Iterable[Finding]:
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

    def finding(self, record: Message | Event, message: Text, *, sender: str | None = None,
                excerpt: str | None = None, **data: Any) -> Finding:
        if sender is None:
            sender = record.sender if isinstance(record, Message) else record.actor
        return Finding(
            rule=self.id, severity=self.severity, group=record.group, sender=sender, ts=record.ts,
            loc=record.loc, message=message,
            excerpt=excerpt_of(record.text if excerpt is None else excerpt), data=data,
        )


def excerpt_of(text: str) -> str:
    flat = " ⏎ ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"
