"""What a reporter is: a class registered under ``chataudit.reporters`` that writes a Report."""

from __future__ import annotations

import json
from typing import Any, ClassVar, TextIO

import regex

from chataudit.i18n import Lang
from chataudit.report.model import Report

# C0/C1 controls (ANSI escapes start with ESC), DEL, and bidi overrides that can reorder what
# a terminal shows. Newlines and tabs are kept; everything else is shown as an escape.
_UNSAFE = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Make untrusted text safe to print on a terminal: controls become ``\\x1b``-style escapes."""
    return _UNSAFE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


# What JSON may carry raw but a terminal acts on (C1 controls, bidi overrides, line and
# paragraph separators), and what no writer can encode (lone surrogates) or XML forbids.
_JSON_UNSAFE = regex.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_XML_FORBIDDEN = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def json_text(value: Any, **dumps_options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``, with the characters above written as
    ``\\uXXXX`` escapes: the same JSON value, safe on a terminal and in any encoding."""
    text = json.dumps(value, ensure_ascii=False, **dumps_options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def xml_safe(text: str) -> str:
    """Text without the characters XML 1.0 forbids (a U+FFFF in a chat makes junit.xml and
    XLSX sheets ill-formed); controls that XML allows are left to ``visible``."""
    return _XML_FORBIDDEN.sub("", text)


class Reporter:
    name: ClassVar[str]
    binary: ClassVar[bool] = False  # True for formats written as bytes (xlsx)
    encoding: ClassVar[str] = "utf-8"  # csv: utf-8-sig, so Excel reads Chinese
    newline: ClassVar[str | None] = None

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        raise NotImplementedError
