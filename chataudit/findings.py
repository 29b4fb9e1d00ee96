"""What a rule reports. The penalty is attached later from the policy, never by the rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chataudit.i18n import Text
from chataudit.records import Location


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    group: str
    sender: str | None
    ts: datetime | None
    loc: Location | None
    message: Text
    excerpt: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    offenders: tuple[str, ...] | None = None  # who the penalty falls on, when not the sender
    pending: bool = False  # still open when the export ends: reported apart, not a violation

    def __reduce__(self):
        """Pickled flat (the severity's value, the message's two texts): spilled findings
        (chataudit/spill.py) and a worker process's findings are written and read back by the
        million, and this is about twice as fast to write, and a quarter faster to read, as
        the default for a slotted dataclass holding others."""
        return _finding, (self.rule, self.severity.value, self.group, self.sender, self.ts, self.loc, self.message.zh,
                          self.message.en, self.excerpt, self.data, self.offenders, self.pending)

    @property
    def to_review(self) -> bool:
        """A model's finding that the policy wants a person to look at before it counts."""
        return bool(self.data.get("review"))

    @property
    def charged(self) -> tuple[str, ...]:
        """The members this finding counts against in the per-member totals."""
        if self.offenders is not None:
            return self.offenders
        return (self.sender,) if self.sender else ()


def _finding(rule: str, severity: str, group: str, sender: str | None, ts: datetime | None, loc: Location | None,
             zh: str, en: str, excerpt: str, data: dict[str, Any], offenders: tuple[str, ...] | None,
             pending: bool) -> Finding:
    return Finding(rule, Severity(severity), group, sender, ts, loc, Text(zh, en), excerpt, data, offenders, pending)
