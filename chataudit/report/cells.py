"""Rows of the report as plain cells, shared by the table-shaped reporters (csv, xlsx, markdown),
and the escaping each needs: export content is untrusted."""

from __future__ import annotations

from collections.abc import Iterator

from chataudit.i18n import ACTION, LABELS, SEVERITY, Lang, Text
from chataudit.report.base import visible, xml_safe
from chataudit.report.model import Report

COLUMNS = ("time", "rule", "severity", "group", "sender", "finding", "excerpt", "clause", "penalty", "fine", "where")
HEADERS = {**LABELS, "group": Text("群", "Group"), "fine": Text("罚款(元)", "Fine (CNY)")}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_formula(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=HYPERLINK(…), +1, @SUM) starts with ' instead."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cells(row: list[str]) -> list[str]:
    """Control characters shown as escapes: spreadsheets refuse them, terminals act on them;
    characters XML forbids dropped (an XLSX sheet is XML)."""
    return [xml_safe(visible(value)) for value in row]


def header(lang: Lang) -> list[str]:
    return [HEADERS[c](lang) for c in COLUMNS]


def violation_rows(report: Report, lang: Lang) -> Iterator[list[str]]:
    """One row of cells per violation, made as they are read."""
    for v in report.violations:
        where = v.source.where() if v.source else ""
        yield _cells([(v.timestamp or "")[:19].replace("T", " "), v.rule, SEVERITY[v.severity](lang), v.group,
                      v.sender or "", v.message, v.excerpt, v.clause, ACTION[v.penalty.action](lang),
                      str(v.penalty.fine), where])


def member_rows(report: Report, lang: Lang) -> tuple[list[str], list[list[str]]]:
    head = [LABELS["sender"](lang), LABELS["violations"](lang), LABELS["fines"](lang), LABELS["action"](lang)]
    return head, [_cells([m.name, str(m.violations), str(m.fines), ACTION[m.action](lang)]) for m in report.members]
