"""XLSX (openpyxl, the 'xlsx' extra): sheets for violations, members and the summary. Every
cell is written as text, so =HYPERLINK(…) from a chat stays words and never runs."""

from __future__ import annotations

from itertools import chain
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
        """A write-only workbook: openpyxl streams each row to a temporary file instead of
        keeping a cell object per value, so a sheet of a million rows fits in memory."""
        try:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
        except ImportError:
            raise UsageError("--output xlsx needs openpyxl", fix="pip install 'chataudit[xlsx]', or use --output csv") from None
        book = Workbook(write_only=True)
        sheets = [(LABELS["violations"](lang), header(lang), violation_rows(report, lang)),
                  (LABELS["members"](lang), *member_rows(report, lang)),
                  ("summary" if lang == "en" else "汇总", ["rule" if lang == "en" else "规则", LABELS["violations"](lang)],
                   [[rule, str(n)] for rule, n in report.summary.by_rule.items()])]
        for title, head, rows in sheets:
            sheet = book.create_sheet(title[:31])
            sheet.freeze_panes = "A2"
            for row in chain([head], rows):
                cells = [WriteOnlyCell(sheet, value=value) for value in row]
                for cell in cells:
                    cell.data_type = "s"  # text, never a formula
                sheet.append(cells)
        book.save(out)
