"""JSON (the whole report, schema chataudit.report/v1) and JSON Lines (one violation a line)."""

from __future__ import annotations

import json
from typing import TextIO

from chataudit.i18n import Lang
from chataudit.report.base import Reporter
from chataudit.report.model import Report


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        json.dump(report.to_json_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")


class JsonlReporter(Reporter):
    name = "jsonl"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        for violation in report.to_json_dict()["violations"]:
            out.write(json.dumps(violation, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
