"""[[exempt]]: findings an admin accepted, for one sender, group or term, until an end date.

An exemption covers findings dated up to its ``until`` day (in the policy's zone), so that
re-auditing an approved month later still honours the approval. Once the run's own date is
past ``until``, the run says so once: the findings after it are reported again."""

from __future__ import annotations

from datetime import date, tzinfo
from fnmatch import fnmatchcase

from chataudit.findings import Finding
from chataudit.policy.custom import Exemption
from chataudit.text.normalize import normalize


class Exemptions:
    def __init__(self, exemptions: list[Exemption], tz: tzinfo):
        self.exemptions, self.tz = exemptions, tz
        self._terms = [normalize(ex.term).text if ex.term else None for ex in exemptions]

    def covering(self, finding: Finding) -> int | None:
        """The number (position in the policy, from 0) of the first exemption that covers
        ``finding``, or None. A pending finding is never exempted: it is not a violation yet."""
        if finding.pending:
            return None
        for number, (ex, term) in enumerate(zip(self.exemptions, self._terms, strict=True)):
            if self._covers(ex, term, finding):
                return number
        return None

    def _covers(self, ex: Exemption, term: str | None, f: Finding) -> bool:
        if not f.rule.startswith(ex.rule) or (ex.sender is not None and f.sender != ex.sender):
            return False
        if ex.group is not None and not fnmatchcase(f.group, ex.group):
            return False
        if term is not None and not _mentions(f, term):
            return False
        return f.ts is None or f.ts.astimezone(self.tz).date() <= ex.until

    def ended(self, today: date) -> list[str]:
        """One line for each exemption whose end date has passed."""
        return [f"policy [[exempt]] #{number + 1} ({_what(ex)}) ended on {ex.until}: findings after that date "
                f"are reported again; renew or remove it" for number, ex in enumerate(self.exemptions) if ex.until < today]


def _mentions(f: Finding, term: str) -> bool:
    """The finding's matched terms (content and custom rules) hold the exempted term."""
    said = [f.data.get("term"), f.data.get("matched"), *f.data.get("terms", ())]
    return any(isinstance(s, str) and term in normalize(s).text for s in said)


def _what(ex: Exemption) -> str:
    who = [f"{key} {value}" for key, value in (("sender", ex.sender), ("group", ex.group), ("term", ex.term)) if value]
    return f"{ex.rule}, {', '.join(who)}"
