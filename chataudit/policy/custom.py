"""What an admin states in the policy without code: their own rules (``[[custom]]``) and
exemptions with a reason, an owner and an end date (``[[exempt]]``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chataudit.findings import Severity
from chataudit.policy.types import RegexPattern
from chataudit.records import Kind

RoleName = Literal["owner", "admins", "leaders", "executives"]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomRuleSpec(_Strict):
    """One ``[[custom]]`` table: a rule made of terms, like a compliance suite's lexicon policy.

    A message violates it when it holds at least one ``any`` term (if any are given), every
    ``all`` term, no ``none`` term, and — with ``within`` — all the matched terms inside a
    span of that many characters; or when one of ``regex`` matches. An ``!``-prefixed term is
    an allow phrase: a term found inside it does not count."""

    id: Annotated[str, StringConstraints(pattern=r"^X\d{3}$")] = Field(description="X + three digits")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", max_length=60)]
    severity: Severity = Severity.WARNING
    clause: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    title: str = ""  # shown in the rule catalogue; default: the clause
    any: list[Term] = []
    all: list[Term] = []
    none: list[Term] = []
    within: int | None = Field(None, ge=1, le=10_000)
    regex: list[RegexPattern] = []
    kinds: list[Kind] = [Kind.TEXT]
    groups: list[Term] = []  # group-name globs; empty: every group
    exempt_roles: list[RoleName] = []

    @model_validator(mode="after")
    def _says_something(self) -> CustomRuleSpec:
        if not any(not t.startswith("!") for t in self.any + self.all) and not self.regex:
            raise ValueError("give at least one term in 'any' or 'all' (not only '!' allow phrases), or a 'regex'")
        if self.within is not None and len([t for t in self.any + self.all if not t.startswith("!")]) < 2:
            raise ValueError("'within' needs at least two terms to measure between")
        return self


class Exemption(_Strict):
    """One ``[[exempt]]`` table: findings of a rule (or a family prefix such as "S3") that an
    admin accepted for one sender, group or term, until an end date (inclusive, in the
    policy's zone), with the reason and who decided."""

    rule: Annotated[str, StringConstraints(pattern=r"^[A-Z](?:\d{1,3})?$")]
    sender: Term | None = None
    group: Term | None = None  # a group name or glob
    term: Term | None = None  # the matched term, for content and custom rules
    until: date
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _narrow(self) -> Exemption:
        if self.sender is None and self.group is None and self.term is None:
            raise ValueError("name a sender, a group or a term: to turn a rule off for everyone, "
                             "use [rules.ID] enabled = false")
        return self
