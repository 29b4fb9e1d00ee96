"""SARIF 2.1.0 for code-scanning dashboards: one result per violation, at its file and line."""

from __future__ import annotations

from typing import TextIO

from chataudit import __version__
from chataudit.i18n import Lang
from chataudit.report.base import Reporter, placeholder, write_json
from chataudit.report.model import Report, Violation

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class SarifReporter(Reporter):
    name = "sarif"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """The results are written one at a time; the rules they use are the summary's."""
        catalogue = report.catalogue()
        used = sorted(report.summary.by_rule)
        rules = [{"id": rid, "name": catalogue[rid].name,
                  "shortDescription": {"text": catalogue[rid].title(lang)},
                  "fullDescription": {"text": catalogue[rid].explanation(lang)},
                  "help": {"text": catalogue[rid].clause(lang)},
                  "defaultConfiguration": {"level": LEVEL[catalogue[rid].severity.value]}} for rid in used]
        index = {rid: i for i, rid in enumerate(used)}
        results = placeholder("results")
        sarif = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                 "runs": [{"tool": {"driver": {"name": "chataudit", "version": __version__, "rules": rules}},
                           "results": results}]}
        write_json(out, sarif, {results: (_result(v, index) for v in report.violations)})
        out.write("\n")


def _result(v: Violation, index: dict[str, int]) -> dict:
    location = {"physicalLocation": {"artifactLocation": {"uri": v.source.path if v.source else ""}}}
    if v.source and v.source.line is not None:
        location["physicalLocation"]["region"] = {"startLine": max(v.source.line, 1)}
    return {"ruleId": v.rule, "ruleIndex": index[v.rule], "level": LEVEL[v.severity],
            "message": {"text": f"{v.sender or '-'}: {v.message}"},
            "locations": [location],
            "partialFingerprints": {"chataudit/v1": v.fingerprint},
            "properties": {"group": v.group, "sender": v.sender, "timestamp": v.timestamp,
                           "excerpt": v.excerpt, "penalty": {"action": v.penalty.action, "fine": v.penalty.fine}}}
