"""Markdown: for a ticket, a wiki page or a CI summary. Cells are escaped so that content
cannot add table columns, links, HTML or formatting."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from typing import TextIO

import regex

from chataudit.i18n import LABELS, Lang
from chataudit.report.base import Reporter, visible
from chataudit.report.cells import header, member_rows, violation_rows
from chataudit.report.model import Report

_SPECIAL = regex.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def cell(value: str) -> str:
    flat = " ".join(visible(value).split())
    return _SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def table(head: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    yield "| " + " | ".join(cell(h) for h in head) + " |"
    yield "|" + "---|" * len(head)
    for row in rows:
        yield "| " + " | ".join(cell(c) for c in row) + " |"


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """The lines joined by newlines (none after the last), written as they are made."""
        for number, line in enumerate(self._lines(report, lang)):
            out.write(f"\n{line}" if number else line)

    @staticmethod
    def _lines(report: Report, lang: Lang) -> Iterator[str]:
        title = "chataudit 审计报告" if lang == "zh" else "chataudit report"
        yield from [f"# {cell(title)}: {cell(report.policy.name)}", ""]
        yield cell(LABELS["summary"](lang).format(
            files=len(report.inputs), messages=sum(i.messages for i in report.inputs),
            events=sum(i.events for i in report.inputs), unparsed=sum(i.unparsed_lines for i in report.inputs),
            violations=report.summary.violations))
        yield ""
        if report.violations:
            yield from table(header(lang), violation_rows(report, lang))
            yield ""
        if report.members:
            yield from [f"## {cell(LABELS['members'](lang))}", ""]
            yield from table(*member_rows(report, lang))
            yield ""
