"""Errors the user can cause. Each renders as one line: what, where, how to fix.

They are raised anywhere and printed once by the CLI, which exits with code 2.
"""

import re


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class ChatAuditError(Exception):
    """Base for user-facing errors; ``str()`` is the whole line shown on stderr."""

    kind = "error"

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None):
        self.what, self.where, self.fix = what, where, fix
        super().__init__(self.line())

    def line(self) -> str:
        """One line, whatever the input put in it: line breaks and control characters from
        file names or cells are shown as escapes (a terminal must not act on them)."""
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(self.fix)
        return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), f"{self.kind}: " + " — ".join(parts))


class InputError(ChatAuditError):
    kind = "input error"


class PolicyError(ChatAuditError):
    kind = "policy error"


class UsageError(ChatAuditError):
    kind = "usage error"
