"""JUnit XML for CI: a testsuite per group, a testcase per rule, a failure when the rule found something."""

from __future__ import annotations

from collections import Counter
from itertools import islice
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from chataudit.i18n import Lang
from chataudit.report.base import Reporter, visible, xml_safe
from chataudit.report.model import Report, Violation
from chataudit.spill import SortedRun


def xml_text(value: str) -> str:
    """Untrusted text made safe for XML: controls shown as escapes, forbidden characters dropped."""
    return xml_safe(visible(value))


class JunitReporter(Reporter):
    name = "junit"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """Groups in name order, rules in catalogue order, each failure listing its violations in
        report order. One pass over the rows counts them per group and rule and re-sorts their
        detail lines into that order (a SortedRun: on disk past its budget)."""
        catalogue = report.catalogue()
        position = {rid: n for n, rid in enumerate(catalogue)}
        counts: Counter[tuple[str, str]] = Counter()
        first: dict[tuple[str, str], Violation] = {}
        details: SortedRun[tuple[str, int, str]] = SortedRun(lambda item: item[:2])
        for v in report.violations:
            counts[(v.group, v.rule)] += 1
            first.setdefault((v.group, v.rule), v)
            if v.rule in position:  # (every rule is: the registered ones and the policy's own)
                details.add((v.group, position[v.rule], _detail(v)))
        groups = sorted({group for group, _ in counts}) or [report.policy.name]
        lines = (line for _, _, line in details)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="chataudit" tests="{len(groups) * len(catalogue)}" failures="{len(counts)}">\n')
        for group in groups:
            failures = sum(1 for g, _ in counts if g == group)
            out.write(f'  <testsuite name={quoteattr(xml_text(group))} tests="{len(catalogue)}" failures="{failures}">\n')
            for rid, cls in catalogue.items():
                found = counts[(group, rid)]
                name = quoteattr(f"{rid} {cls.name}")
                if not found:
                    out.write(f'    <testcase classname="chataudit" name={name}/>\n')
                    continue
                head = first[(group, rid)]
                summary = quoteattr(xml_text(f"{found} violation(s): {head.message}"))
                out.write(f'    <testcase classname="chataudit" name={name}>\n'
                          f'      <failure message={summary} type="{head.severity}">')
                for n, line in enumerate(islice(lines, found)):
                    out.write(("\n" if n else "") + escape(xml_text(line)))
                out.write('</failure>\n    </testcase>\n')
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")


def _detail(v: Violation) -> str:
    return f"{v.timestamp} {v.sender or '-'} {v.source.where() if v.source else ''} {v.message} | {v.excerpt}"
