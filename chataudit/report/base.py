"""What a reporter is: a class registered under ``chataudit.reporters`` that writes a Report."""

from __future__ import annotations

from typing import ClassVar, TextIO

import regex

from chataudit.i18n import Lang
from chataudit.report.model import Report

# C0/C1 controls (ANSI escapes start with ESC), DEL, and bidi overrides that can reorder what
# a terminal shows. Newlines and tabs are kept; everything else is shown as an escape.
_UNSAFE = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Make untrusted text safe to print on a terminal: controls become ``\\x1b``-style escapes."""
    return _UNSAFE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class Reporter:
    name: ClassVar[str]
    binary: ClassVar[bool] = False  # True for formats written as bytes (xlsx)
    encoding: ClassVar[str] = "utf-8"  # csv: utf-8-sig, so Excel reads Chinese
    newline: ClassVar[str | None] = None

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        raise NotImplementedError
