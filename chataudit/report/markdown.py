"""Markdown: for a ticket, a wiki page or a CI summary. Cells are escaped so that content
cannot add table columns, links, HTML or formatting."""

from __future__ import annotations

import html
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


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        title = "chataudit 审计报告" if lang == "zh" else "chataudit report"
        lines = [f"# {cell(title)}: {cell(report.policy.name)}", ""]
        lines.append(cell(LABELS["summary"](lang).format(
            files=len(report.inputs), messages=sum(i.messages for i in report.inputs),
            events=sum(i.events for i in report.inputs), unparsed=sum(i.unparsed_lines for i in report.inputs),
            violations=report.summary.violations)))
        lines.append("")
        if report.violations:
            lines += table(header(lang), violation_rows(report, lang)) + [""]
        if report.members:
            lines += [f"## {cell(LABELS['members'](lang))}", ""] + table(*member_rows(report, lang)) + [""]
        out.write("\n".join(lines))
