"""XLSX (openpyxl, the 'xlsx' extra): sheets for violations, members and the summary. Every
cell is written as text, so =HYPERLINK(…) from a chat stays words and never runs."""

from __future__ import annotations

from typing import BinaryIO

from chataudit.errors import UsageError
from chataudit.i18n import LABELS, Lang
from chataudit.report.base import Reporter
from chataudit.report.cells import header, member_rows, violation_rows
from chataudit.report.model import Report


class XlsxReporter(Reporter):
    name = "xlsx"
    binary = True

    def render(self, report: Report, lang: Lang, out: BinaryIO, *, terminal: bool = False) -> None:
        try:
            from openpyxl import Workbook
        except ImportError:
            raise UsageError("--output xlsx needs openpyxl", fix="pip install 'chataudit[xlsx]', or use --output csv") from None
        book = Workbook()
        sheets = [(LABELS["violations"](lang), header(lang), violation_rows(report, lang)),
                  (LABELS["members"](lang), *member_rows(report, lang)),
                  ("summary" if lang == "en" else "汇总", ["rule" if lang == "en" else "规则", LABELS["violations"](lang)],
                   [[rule, str(n)] for rule, n in report.summary.by_rule.items()])]
        book.remove(book.active)
        for title, head, rows in sheets:
            sheet = book.create_sheet(title[:31])
            for r, row in enumerate([head, *rows], 1):
                for c, value in enumerate(row, 1):
                    cell = sheet.cell(row=r, column=c, value=value)
                    cell.data_type = "s"  # text, never a formula
            sheet.freeze_panes = "A2"
        book.save(out)
