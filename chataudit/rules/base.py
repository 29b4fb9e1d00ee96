"""What a rule is. A rule is one small class: id, name, default severity, bilingual title
and explanation, the clause it enforces, an Options model, and handlers that see records
in time order in one streaming pass. Its docstring is its documentation, and the
``Violates:`` / ``Clean:`` examples in it are executed by the tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, ClassVar

import numpy as np
import regex
from pydantic import BaseModel, ConfigDict

from chataudit.columns import Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.policy.schema import Roles
from chataudit.policy.types import REGEX_TIMEOUT, joined
from chataudit.records import Event, Location, Member, Message
from chataudit.roster import Employee, Roster
from chataudit.text.batchscan import ContentScan, by_row
from chataudit.text.classifier import Verdict, abuse_model
from chataudit.text.lexicon import Hit, Matcher
from chataudit.text.normalize import normalize
from chataudit.text.pii import PersonalData, find_personal_data
from chataudit.text.prefilter import Prefilter
from chataudit.text.urls import Link, find_links

EXCERPT_CHARS = 120
SELF_NAMES = frozenset({"你", "You", "you"})
"""How system lines name the account that exported the chat."""
_DIGIT = regex.compile(r"[\p{Nd}\p{No}]")
"""Wider than str.isdigit: a message without any is spared the personal-data search."""
FROM_RECORD: Any = object()
"""Default ``sender`` of a finding: the record's sender (a message) or actor (an event)."""


class RuleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Directory:
    """The names seen in each group so far (senders, people who joined, the policy's roles),
    kept up to date by the engine before rules see a record. Bounded by the member count."""

    def __init__(self, roles: Roles):
        self._role_names = {n for n in (roles.owner, roles.exporter, *roles.admins, *roles.leaders,
                                        *roles.executives) if n}
        self._names: dict[str, set[str]] = {}

    def observe(self, record: Message | Event) -> None:
        names = self._names.setdefault(record.group, set(self._role_names))
        if isinstance(record, Message):
            names.add(record.sender)
        else:
            names.update(record.targets)

    def names(self, group: str) -> set[str]:
        return self._names.get(group, self._role_names)

    def resolve(self, group: str, token: str) -> str:
        """A mention as written (``@销售部-张伟今天…`` has no separator) → the longest known
        name it starts with, or the token itself."""
        best = ""
        for name in self.names(group):
            if len(name) > len(best) and token.startswith(name):
                best = name
        return best or token


class PatternGate:
    """Every content rule's patterns as one question, asked once per message: may any of them
    match? A text without the literals the patterns need (see text/prefilter.py) is answered
    at once; the others by one search of all of them together, so that on an ordinary message
    (no hits, no pattern) each rule stops at once. Patterns that cannot be joined safely are
    not gated (yes); a search that times out answers yes, and the rule's own search then
    reports the slow regex. Over a batch, each text is searched only with the patterns the
    pre-filter let through for it (``matches_some``), one by one: a long alternation of every
    pattern is several times slower than the one or two a text may match."""

    def __init__(self, patterns: list[str]):
        self.regexes = joined(patterns)
        self.each = [regex.compile(pattern, regex.IGNORECASE) for pattern in patterns]
        self.prefilter = Prefilter(patterns)

    def may_match(self, text: str) -> bool:
        return self.prefilter.maybe(text) and self.matches(text)

    def matches(self, text: str) -> bool:
        """The search alone, for a text the pre-filter let through."""
        if len(self.regexes) != 1:
            return bool(self.regexes)
        try:
            return self.regexes[0].search(text, timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            return True

    def matches_some(self, text: str, indexes: Iterable[int]) -> bool:
        """Whether any of these patterns (by their index) matches ``text``; a timeout answers yes."""
        each = self.each
        try:
            return any(each[index].search(text, timeout=REGEX_TIMEOUT) is not None for index in indexes)
        except TimeoutError:
            return True


class ContentView:
    """The per-message work content rules share: done once, read by all of them. Lexicon hits,
    links and personal data are found only when a rule asks for them."""

    __slots__ = ("msg", "norm", "_matcher", "_gate", "_hits", "_allowed", "_quiet", "_links", "_personal",
                 "_abuse")

    def __init__(self, msg: Message, matcher: Matcher | None, gate: PatternGate):
        self.msg = msg
        self.norm = normalize(msg.text)
        self._matcher = matcher
        self._gate = gate
        self._hits: list[Hit] | None = None
        self._allowed: list[tuple[int, int]] = []
        self._quiet: bool | None = None
        self._links: list[Link] | None = None
        self._personal: list[PersonalData] | None = None
        self._abuse: Verdict | None | bool = False  # False: not asked yet

    @property
    def hits(self) -> list[Hit]:
        """Lexicon hits, only when a content rule asks (volume and response rules read only the text)."""
        if self._hits is None:
            self._hits, self._allowed = self._matcher.scan(self.norm) if self._matcher is not None else ([], [])
        return self._hits

    @property
    def abuse(self) -> Verdict | None:
        """The abuse classifier's verdict on the text outside allow-list phrases (垃圾分类 is not
        an insult), or None when the message does not pass the model's gate."""
        if self._abuse is False:
            model = abuse_model()
            text = self.norm.text
            if self._hits is None:
                self.hits  # noqa: B018 — finds the allow-list spans too
            for start, end in self._allowed:
                text = text[:start] + " " * (end - start) + text[end:]
            self._abuse = model.score(text) if model.worth_scoring(text) else None
        return self._abuse  # type: ignore[return-value]

    @property
    def quiet(self) -> bool:
        """No lexicon hit and no content pattern that may match (see PatternGate): nothing for
        any lexicon rule to report. Asked by every lexicon rule, worked out once."""
        if self._quiet is None:
            self._quiet = not self.hits and not self._gate.may_match(self.norm.text)
        return self._quiet

    @property
    def links(self) -> list[Link]:
        if self._links is None:
            text = f"{self.msg.text} {self.msg.url}" if self.msg.url else self.msg.text
            self._links = list(find_links(text)) if "." in self.norm.text or self.msg.url else []  # ．folded
        return self._links

    @property
    def personal(self) -> list[PersonalData]:
        if self._personal is None:
            text = self.msg.text
            has = "@" in self.norm.text or _DIGIT.search(text) is not None
            self._personal = list(find_personal_data(text)) if has else []
        return self._personal


@dataclass(slots=True)
class RuleContext:
    """What every rule may read besides the records: the policy's roles and time zone, the
    roster, the member directory, and per-message work shared by all rules (done once per message)."""

    roles: Roles
    tz: tzinfo
    roster: Roster | None = None
    required_roles: tuple[str, ...] = ()
    name_pattern: str = "{dept}-{name}"  # how a fix list spells a member's proper name
    matcher: Matcher | None = None
    bad_domains: frozenset[str] = frozenset()
    directory: Directory = None  # type: ignore[assignment]
    _leader_cache: dict[str, bool] = field(default_factory=dict)
    content_patterns: list[str] = field(default_factory=list)  # every content rule's regex, for the gate
    _gate: PatternGate | None = None
    _content_for: Message | None = None
    _content: ContentView | None = None

    def __post_init__(self) -> None:
        if self.directory is None:
            self.directory = Directory(self.roles)

    def who(self, name: str | None) -> str | None:
        """System lines call the exporting account "你" / "You"; the policy may name it."""
        return self.roles.exporter if name in SELF_NAMES and self.roles.exporter else name

    def is_leader(self, name: str | None) -> bool:
        """Named under [roles] leaders (or the owner), or — with leader_titles and a roster —
        an employee whose title ends with one of them (总经理, 人资总监)."""
        if name is None:
            return False
        if name in self.roles.leaders or name == self.roles.owner:
            return True
        if self.roster is None or not self.roles.leader_titles:
            return False
        if name not in self._leader_cache:
            employee = self.roster.identify(name).employee
            self._leader_cache[name] = employee is not None and employee.current and any(
                employee.title.endswith(t) for t in self.roles.leader_titles)
        return self._leader_cache[name]

    def may_have_leaders(self) -> bool:
        """Whether ``is_leader`` can be true of anyone."""
        roles = self.roles
        return bool(roles.leaders or roles.owner or (self.roster is not None and roles.leader_titles))

    def is_admin(self, name: str | None) -> bool:
        return name is not None and (name == self.roles.owner or name in self.roles.admins)

    def folded(self, msg: Message) -> str:
        """The message's normalised text (see text/normalize.py), computed once for every rule."""
        return self.content(msg).norm.text

    def proper_name(self, employee: Employee) -> str:
        """The display name the naming pattern gives an employee (销售部-张三)."""
        parts = {"name": employee.name, "dept": employee.dept, "center": employee.dept, "store": employee.dept,
                 "title": employee.title}
        try:
            return self.name_pattern.format(**parts) if employee.dept or "{" not in self.name_pattern.replace(
                "{name}", "") else employee.name
        except (KeyError, IndexError):
            return employee.name

    def content(self, msg: Message) -> ContentView:
        """Normalised text, lexicon hits, links and personal data of a message, once per message."""
        if self._content_for is not msg:
            self._content_for, self._content = msg, ContentView(msg, self.matcher, self.gate)
        return self._content

    @property
    def gate(self) -> PatternGate:
        if self._gate is None:
            self._gate = PatternGate(self.content_patterns)
        return self._gate

    def scan(self, batch: Batch) -> ContentScan:
        """The content rules' shared first step over a batch (text/batchscan.py), once per batch."""
        if "content" not in batch.share:
            batch.share["content"] = ContentScan(batch)
        return batch.share["content"]

    def quiet_rows(self, batch: Batch) -> np.ndarray:
        """A mask of the messages that are not quiet (``ContentView.quiet``), or may have a
        lexicon hit, once per batch: a text with no entry in it is asked the pattern gate's
        question there and then, the others are left to the rules."""
        if "not quiet" not in batch.share:
            scan = self.scan(batch)
            touched = scan.rows(self.matcher.touches(scan.norm) if self.matcher is not None else ())
            pairs = scan.may_match(self.gate.prefilter)
            if pairs is None:
                batch.share["not quiet"] = scan.rows(None)
            else:
                gated = np.zeros(len(batch), dtype=bool)
                for row, patterns in by_row(pairs):
                    if not touched[row]:
                        gated[row] = self.gate.matches_some(scan.pieces[row], patterns)
                batch.share["not quiet"] = touched | gated
        return batch.share["not quiet"]

    def mentions(self, msg: Message) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.directory.resolve(msg.group, m) for m in msg.mentions))


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

    def select(self, batch: Batch) -> np.ndarray | None:
        """The batch engine's first step (engine.py): the rows, ascending, of the batch's
        messages this rule must look at, picked with array operations; None to be handed every
        message (today's path, and a third-party rule's). A rule that selects promises that
        ``confirm`` on the rows it picks, and ``on_event`` on every event, give exactly the
        findings ``on_message`` and ``on_event`` give on every record."""
        return None

    def confirm(self, msg: Message, row: int) -> Iterable[Finding]:
        """The second step, on a message ``select`` picked; ``row`` is its row in that batch."""
        return self.on_message(msg)

    def finish(self) -> Iterable[Finding]:
        return ()

    def on_members(self, group: str, members: Sequence[tuple[Location, Member]]) -> Iterable[Finding]:
        """A group's membership list (``chataudit members``); membership rules check it."""
        return ()

    def finding(self, record: Message | Event, message: Text, *, sender: str | None = FROM_RECORD,
                excerpt: str | None = None, offenders: tuple[str, ...] | None = None,
                pending: bool = False, severity: Severity | None = None, **data: Any) -> Finding:
        if sender is FROM_RECORD:
            sender = record.sender if isinstance(record, Message) else self.ctx.who(record.actor)
        return self.make(record.group, sender, record.ts, record.loc, message,
                         excerpt=record.text if excerpt is None else excerpt,
                         offenders=offenders, pending=pending, severity=severity, **data)

    def make(self, group: str, sender: str | None, ts: datetime | None, loc: Location | None, message: Text, *,
             excerpt: str = "", offenders: tuple[str, ...] | None = None, pending: bool = False,
             severity: Severity | None = None, **data: Any) -> Finding:
        """A finding that is not about one record (a member list row, a roster row). ``severity``
        overrides the rule's for this finding (a content category graded on its own)."""
        return Finding(rule=self.id, severity=severity or self.severity, group=group, sender=sender, ts=ts, loc=loc,
                       message=message, excerpt=excerpt_of(excerpt), data=data, offenders=offenders, pending=pending)


def excerpt_of(text: str) -> str:
    flat = " ⏎ ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"
