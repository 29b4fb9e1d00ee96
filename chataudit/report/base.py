"""What a reporter is: a class registered under ``chataudit.reporters`` that writes a Report."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring
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
# paragraph separators), and what no writer can encode (lone surrogates) or XML forbids. A plain
# class of code points: ``re`` scans a report row for it four times faster than ``regex``.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_XML_FORBIDDEN = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def json_text(value: Any, **dumps_options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)``, with the characters above written as
    ``\\uXXXX`` escapes: the same JSON value, safe on a terminal and in any encoding."""
    text = None
    if dumps_options.keys() == {"indent"} and type(dumps_options["indent"]) is int:
        try:
            text = indented(value, " " * dumps_options["indent"])
        except TypeError:  # not plain JSON data: json.dumps says what it makes of it
            pass
    if text is None:
        text = json.dumps(value, ensure_ascii=False, **dumps_options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def indented(value: Any, indent: str, pad: str = "") -> str:
    """``json.dumps(value, ensure_ascii=False, indent=len(indent))`` for plain JSON data (dicts
    with text keys, lists, tuples, text, numbers, true, false, null); TypeError for anything
    else (``encode_basestring`` raises it for a key that is not text). Python before 3.13 writes indented JSON in pure Python, about three times slower than
    this, which writes each string with json's own C encoder: a report with a million rows
    spends most of its time here. Same text, by a test over any such data."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None or value is True or value is False:
        return _CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float_text(value)
    inner = pad + indent
    if kind is dict:
        if not value:
            return "{}"
        return ("{\n" + ",\n".join(f"{inner}{encode_basestring(key)}: {indented(item, indent, inner)}"
                                    for key, item in value.items()) + f"\n{pad}}}")
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + indented(item, indent, inner) for item in value) + f"\n{pad}]"
    raise TypeError(f"not plain JSON data: {kind.__name__}")


_CONSTANTS = {None: "null", True: "true", False: "false"}


def _float_text(number: float) -> str:
    """A float as json.dumps writes it (allow_nan: NaN and the infinities as JavaScript names them)."""
    if number != number:
        return "NaN"
    if number in (math.inf, -math.inf):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)


def placeholder(name: str) -> str:
    """A string to put where ``write_json`` is to stream a list (random: no content can equal it)."""
    return f"\x00rows-{secrets.token_hex(8)}-{name}"


def write_json(out: TextIO, value: Any, lists: dict[str, Iterable[Any]], *, indent: int = 2,
               dumps: Callable[..., str] = json_text) -> None:
    """Write ``dumps(value, indent=indent)``, where each ``placeholder`` in ``value`` that is a
    key of ``lists`` stands for the list of that iterable's items, written one item at a time:
    the same text as dumping the whole value with the lists in place, without holding them.
    (A JSON string holds no raw newline, so an item is indented by its newlines.)"""
    text = dumps(value, indent=indent)
    spots = sorted((text.index(dumps(token)), token) for token in lists)
    done = 0
    for at, token in spots:
        out.write(text[done:at])
        line = text[text.rindex("\n", 0, at) + 1:at]
        outer = line[:len(line) - len(line.lstrip(" "))]  # the indentation of the line the list opens on
        inner = outer + " " * indent
        first = True
        for item in lists[token]:
            out.write(("[" if first else ",") + "\n" + inner + dumps(item, indent=indent).replace("\n", "\n" + inner))
            first = False
        out.write("[]" if first else f"\n{outer}]")
        done = at + len(dumps(token))
    out.write(text[done:])


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
