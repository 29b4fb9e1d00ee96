"""Rules an admin writes in the policy (``[[custom]]``): terms that must, must all, or must not
appear, optionally close together, or regexes. Built per policy, not registered as plugins;
their findings, penalties and escalation work like any rule's."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from chataudit.findings import Finding
from chataudit.i18n import Text
from chataudit.policy.custom import CustomRuleSpec
from chataudit.policy.types import joined, search_any
from chataudit.records import Message
from chataudit.rules.base import Rule, RuleContext, RuleOptions
from chataudit.text.normalize import normalize

MAX_PLACES = 20
"""Occurrences of one term considered for ``within``: enough for any real message, and it
keeps the closest-span search small."""


class Terms:
    """A list of policy terms, normalised like the lexicons; ``!`` terms are allow phrases."""

    def __init__(self, terms: list[str]):
        self.wanted = [(t, normalize(t).text) for t in terms if not t.startswith("!")]
        self.allow = [normalize(t[1:].strip()).text for t in terms if t.startswith("!") and t[1:].strip()]


def places(text: str, term: str, allowed: list[tuple[int, int]]) -> list[int]:
    """Where ``term`` starts in ``text``, outside the allow phrases' spans."""
    found, at = [], text.find(term)
    while at >= 0 and len(found) < MAX_PLACES:
        if not any(a <= at and at + len(term) <= b for a, b in allowed):
            found.append(at)
        at = text.find(term, at + 1)
    return found


def allow_spans(text: str, phrases: list[str]) -> list[tuple[int, int]]:
    spans = []
    for phrase in phrases:
        at = text.find(phrase)
        while at >= 0:
            spans.append((at, at + len(phrase)))
            at = text.find(phrase, at + 1)
    return spans


class CustomRule(Rule):
    """A policy's own rule; its documentation is the policy's clause and terms."""

    def __init__(self, spec: CustomRuleSpec, ctx: RuleContext):
        super().__init__(RuleOptions(), ctx, severity=spec.severity, clause=spec.clause)
        self.id, self.name, self.spec = spec.id, spec.name, spec
        self.title = self.explanation = Text(spec.title or spec.clause, spec.title or spec.clause)
        self.any, self.all, self.none = Terms(spec.any), Terms(spec.all), Terms(spec.none)
        self.allow = self.any.allow + self.all.allow + self.none.allow
        self.patterns = joined(spec.regex)

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if msg.kind not in self.spec.kinds or not msg.text or not self._applies(msg):
            return ()
        content = self.ctx.content(msg)
        text = content.norm.text
        matched = self._terms(text) or self._pattern(text)
        if matched is None:
            return ()
        terms, start, end = matched
        said = content.norm.excerpt(start, end)
        return (self.finding(msg, Text(f"违反群规“{self.title.zh}”：{said}", f"Breaks the policy's rule \"{self.title.en}\": \"{said}\""),
                             term=terms[0], terms=terms, matched=said),)

    def _applies(self, msg: Message) -> bool:
        if self.spec.groups and not any(fnmatchcase(msg.group, glob) for glob in self.spec.groups):
            return False
        return not any(self._holds(role, msg.sender) for role in self.spec.exempt_roles)

    def _holds(self, role: str, sender: str) -> bool:
        roles = self.ctx.roles
        return {"owner": sender == roles.owner, "admins": self.ctx.is_admin(sender),
                "leaders": self.ctx.is_leader(sender), "executives": sender in roles.executives}[role]

    def _terms(self, text: str) -> tuple[list[str], int, int] | None:
        """The terms that make the message violate, and the span they cover; None if it does not."""
        if not self.any.wanted and not self.all.wanted:
            return None
        allowed = allow_spans(text, self.allow)
        if any(places(text, norm, allowed) for _, norm in self.none.wanted):
            return None
        any_found = [(term, norm, at) for term, norm in self.any.wanted if (at := places(text, norm, allowed))]
        all_found = [(term, norm, places(text, norm, allowed)) for term, norm in self.all.wanted]
        if (self.any.wanted and not any_found) or not all(at for _, _, at in all_found):
            return None
        groups = ([[(t, a, a + len(n)) for t, n, at in any_found for a in at]] if any_found else []) + \
                 [[(t, a, a + len(n)) for a in at] for t, n, at in all_found]
        terms, start, end = closest(groups)
        if self.spec.within is not None and end - start > self.spec.within:
            return None
        return terms, start, end

    def _pattern(self, text: str) -> tuple[list[str], int, int] | None:
        m = search_any(self.patterns, text) if self.patterns else None
        return ([m.re.pattern], m.start(), m.end()) if m else None


def closest(groups: list[list[tuple[str, int, int]]]) -> tuple[list[str], int, int]:
    """One occurrence (term, start, end) from each group, as close together as they come: the
    narrowest span. For each occurrence taken as the leftmost, every other group contributes
    its occurrence starting there or later that ends first."""
    best: tuple[list[str], int, int] | None = None
    for _, left, _ in (o for group in groups for o in group):
        picks = [min((o for o in group if o[1] >= left), key=lambda o: o[2], default=None) for group in groups]
        if None in picks:
            continue
        end = max(o[2] for o in picks)
        if best is None or end - left < best[2] - best[1]:
            best = ([o[0] for o in picks], left, end)
    assert best is not None  # the leftmost occurrence of all always has a pick in every group
    return best
