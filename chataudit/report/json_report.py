"""JSON (the whole report, schema chataudit.report/v1) and JSON Lines (one violation a line)."""

from __future__ import annotations

from typing import TextIO

from chataudit.i18n import Lang
from chataudit.report.base import Reporter, json_text, placeholder, write_json
from chataudit.report.model import ROW_LISTS, Report, row_json


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """What ``json.dump(report, indent=2)`` would write, with the rows converted and written
        one at a time: a report of a million rows is never held."""
        data = report.to_json_dict()
        lists = {}
        for key in ROW_LISTS:
            if key in data:
                data[key] = token = placeholder(key)
                lists[token] = map(row_json, getattr(report, key))
        write_json(out, data, lists)
        out.write("\n")


class JsonlReporter(Reporter):
    name = "jsonl"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        for violation in report.violations:
            out.write(json_text(row_json(violation), separators=(",", ":")))
            out.write("\n")
