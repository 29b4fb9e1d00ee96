"""JUnit XML for CI: a testsuite per group, a testcase per rule, a failure when the rule found something."""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from chataudit.i18n import Lang
from chataudit.report.base import Reporter, visible, xml_safe
from chataudit.report.model import Report

def xml_text(value: str) -> str:
    """Untrusted text made safe for XML: controls shown as escapes, forbidden characters dropped."""
    return xml_safe(visible(value))


class JunitReporter(Reporter):
    name = "junit"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        by_group: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for v in report.violations:
            by_group[v.group][v.rule].append(v)
        groups = sorted(by_group) or [report.policy.name]
        catalogue = report.catalogue()
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="chataudit" tests="{len(groups) * len(catalogue)}" '
                  f'failures="{sum(len(r) for r in by_group.values())}">\n')
        for group in groups:
            rules = by_group.get(group, {})
            out.write(f'  <testsuite name={quoteattr(xml_text(group))} tests="{len(catalogue)}" failures="{len(rules)}">\n')
            for rid, cls in catalogue.items():
                found = rules.get(rid, [])
                name = quoteattr(f"{rid} {cls.name}")
                if not found:
                    out.write(f'    <testcase classname="chataudit" name={name}/>\n')
                    continue
                summary = quoteattr(xml_text(f"{len(found)} violation(s): {found[0].message}"))
                details = "\n".join(f"{v.timestamp} {v.sender or '-'} {v.source.where() if v.source else ''}"
                                    f" {v.message} | {v.excerpt}" for v in found)
                out.write(f'    <testcase classname="chataudit" name={name}>\n'
                          f'      <failure message={summary} type="{found[0].severity}">{escape(xml_text(details))}</failure>\n'
                          f'    </testcase>\n')
            out.write("  </testsuite>\n")
        out.write("</testsuites>\n")
