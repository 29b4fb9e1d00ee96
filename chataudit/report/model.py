"""The report, exactly in the shape of SPEC §6 (schema ``chataudit.report/v1``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter
from pydantic.dataclasses import dataclass


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tool(_Model):
    name: str = "chataudit"
    version: str


class PolicyRef(_Model):
    name: str
    source: str


class InputSummary(_Model):
    path: str
    format: str
    lines: int
    messages: int
    events: int
    unparsed_lines: int
    notes: list[str] = []  # what the reader had to assume, e.g. an ambiguous date order
    error: str | None = None  # this input could not be read (the others were audited; exit code 2)


class Summary(_Model):
    violations: int
    by_rule: dict[str, int]
    by_severity: dict[str, int]
    baselined: int = 0  # known findings accepted by --baseline, not listed


_ROW = ConfigDict(extra="forbid")


@dataclass(slots=True, config=_ROW)
class SourceRef:
    """Where a finding's record is: a text export's line, or a JSON export's 1-based message
    number (``record``) and its own message id (``id``); the last two only when known."""

    path: str
    line: int | None
    record: int | None = None
    id: str | None = None

    def where(self) -> str:
        """How a person finds the record: ``群聊.txt:120``, ``result.json#42 (id 8812)``."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        place = f"{self.path}#{self.record}" if self.record is not None else self.path
        return f"{place} (id {self.id})" if self.id is not None else place


@dataclass(slots=True, config=_ROW)
class PenaltyOut:
    action: str
    fine: int | float


@dataclass(slots=True, config=_ROW)
class ExemptionOut:
    """The [[exempt]] entry that accepted a finding."""

    rule: str
    until: str
    reason: str
    by: str
    sender: str | None = None
    group: str | None = None
    term: str | None = None

    @classmethod
    def of(cls, ex) -> "ExemptionOut":
        return cls(rule=ex.rule, until=ex.until.isoformat(), reason=ex.reason, by=ex.by,
                   sender=ex.sender, group=ex.group, term=ex.term)


@dataclass(slots=True, config=_ROW)
class Violation:
    """One row of the report. A slotted dataclass, not a model: a large audit holds one per
    finding, and this is about a third of a model's memory (no per-instance dict or field set)."""

    rule: str
    name: str
    severity: str
    group: str
    sender: str | None
    timestamp: str | None
    source: SourceRef | None
    message: str
    excerpt: str
    clause: str
    penalty: PenaltyOut
    fingerprint: str = ""  # stable id: rule, group, sender, time and content; for baselines and the ledger
    score: float | None = None  # a statistical model's confidence, for its findings only
    exemption: ExemptionOut | None = None  # in the report's "exempted" list only: what accepted it
    explanation: dict | None = None  # audit --explain: normalisation steps, lexicon hits and why, model score


class Rows:
    """A list of report rows that is made when read and never held whole: each iteration asks
    ``produce`` for the rows again (from the audit's sorted findings, which spill to disk when
    there are many; see chataudit/spill.py). Its length is known without reading it."""

    __slots__ = ("_count", "_produce")

    def __init__(self, count: int, produce: Callable[[], Iterator[Violation]]):
        self._count, self._produce = count, produce

    @classmethod
    def of(cls, rows: list[Violation]) -> "Rows":
        return cls(len(rows), lambda: iter(rows))

    def __iter__(self) -> Iterator[Violation]:
        return self._produce()

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0


NO_ROWS = Rows.of([])


class MemberOut(_Model):
    name: str
    violations: int
    fines: int | float
    action: str


class Fix(_Model):
    """One thing for the admin to do (members command): remove, rename (to), invite."""

    action: str
    member: str
    to: str | None = None
    rules: list[str] = []


SCHEMA = "chataudit.report/v1"
ROW_LISTS = ("violations", "pending", "review", "exempted")
"""The report's lists of rows, each a ``Rows``."""


class Report(_Model):
    schema_: str = Field(SCHEMA, alias="schema")
    tool: Tool
    policy: PolicyRef
    inputs: list[InputSummary]
    summary: Summary
    violations: Rows
    members: list[MemberOut]
    pending: Rows = NO_ROWS  # still open when the export ended (a task within its window); not violations
    review: Rows = NO_ROWS  # a model's findings the policy wants a person to confirm; not violations
    exempted: Rows = NO_ROWS  # findings a [[exempt]] entry accepted, each with it; not violations
    fixes: list[Fix] = []  # `chataudit members`: what to do about the membership

    model_config = ConfigDict(extra="forbid", populate_by_name=True, arbitrary_types_allowed=True)
    _custom_rules: dict = PrivateAttr(default_factory=dict)  # the policy's [[custom]] rules by id, for reporters

    def catalogue(self) -> dict:
        """Every rule a row may name, id → its class or instance (name, title, explanation,
        clause, severity): the registered rules and the policy's own."""
        from chataudit.rules.registry import rule_classes

        return {**rule_classes(), **self._custom_rules}

    def to_json_dict(self) -> dict:
        """The report as JSON data with each list of rows (violations, pending, review,
        exempted) empty: writers fill them row by row (``row_json``), so a report of a
        million rows is never held as data."""
        data = self.model_dump(mode="json", by_alias=True, exclude=set(ROW_LISTS))
        data = {field.alias or name: [] if name in ROW_LISTS else data[field.alias or name]
                for name, field in type(self).model_fields.items()}
        if not self.fixes:
            del data["fixes"]  # only the members command has a fix list
        for key in ("review", "exempted"):  # only some policies have them
            if not getattr(self, key):
                del data[key]
        for summary in data["inputs"]:
            if summary["error"] is None:
                del summary["error"]  # only an input that could not be read has one
        return data


_ROW_ADAPTER = TypeAdapter(Violation)


def row_json(row: Violation) -> dict:
    """One violation as JSON data, exactly as it appears inside the whole report's. A source's
    ``record`` and ``id``, and a model's ``score``, appear only when known."""
    data = _ROW_ADAPTER.dump_python(row, mode="json")
    for key in ("score", "exemption", "explanation"):
        if data[key] is None:
            del data[key]
    if data.get("exemption"):
        data["exemption"] = {k: v for k, v in data["exemption"].items() if v is not None}
    source = data["source"]
    if source is not None:
        for key in ("record", "id"):
            if source[key] is None:
                del source[key]
    return data
