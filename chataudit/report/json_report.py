"""JSON (the whole report, schema chataudit.report/v1) and JSON Lines (one violation a line)."""

from __future__ import annotations

from typing import TextIO

from chataudit.i18n import Lang
from chataudit.report.base import Reporter, json_text
from chataudit.report.model import Report, row_json


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """What ``json.dump(report.to_json_dict(), indent=2)`` writes, with the violation rows
        converted and written one at a time: a report of 100,000 rows is never held twice."""
        rows = {"violations": report.violations, "pending": report.pending, "review": report.review,
                "exempted": report.exempted}
        out.write("{")
        for i, (key, value) in enumerate(report.to_json_dict(rows=False).items()):
            out.write(f"{',' if i else ''}\n  {_dumps(key)}: ")
            if key in rows and rows[key]:
                for j, row in enumerate(rows[key]):
                    out.write(f"{',' if j else '['}\n    {_nested(row_json(row), 2)}")
                out.write("\n  ]")
            else:
                out.write(_nested(value, 1))
        out.write("\n}\n")


def _dumps(value) -> str:
    return json_text(value, indent=2)


def _nested(value, level: int) -> str:
    """``value`` as json.dump(indent=2) writes it ``level`` levels deep (JSON strings hold no raw newline)."""
    return _dumps(value).replace("\n", "\n" + "  " * level)


class JsonlReporter(Reporter):
    name = "jsonl"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        for violation in report.violations:
            out.write(json_text(row_json(violation), separators=(",", ":")))
            out.write("\n")
