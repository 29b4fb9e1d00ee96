"""CSV: UTF-8 with a BOM so Excel opens Chinese correctly; formulas neutralised."""

from __future__ import annotations

import csv
from typing import TextIO

from chataudit.i18n import Lang
from chataudit.report.base import Reporter
from chataudit.report.cells import header, neutralise_formula, violation_rows
from chataudit.report.model import Report


class CsvReporter(Reporter):
    name = "csv"
    encoding = "utf-8-sig"
    newline = ""

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        writer = csv.writer(out)
        writer.writerow(header(lang))
        for row in violation_rows(report, lang):
            writer.writerow([neutralise_formula(cell) for cell in row])
