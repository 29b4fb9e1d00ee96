"""The terminal report: a calm, aligned table per input, then totals per member.

Export content is untrusted: it is shown as plain ``rich.text.Text`` (never parsed as
markup) after control characters are made visible."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from chataudit.i18n import ACTION, LABELS, SEVERITY, Lang
from chataudit.report.base import Reporter, visible
from chataudit.report.model import Report, Violation

_STYLE = {"info": "cyan", "warning": "yellow", "error": "bold red"}
PIPE_WIDTH = 160  # rich would assume 80 columns in a pipe, which folds Chinese text badly


def plain(text: str | None, style: str = "") -> RichText:
    return RichText(visible(text or "—"), style=style)


class TableReporter(Reporter):
    name = "table"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        console = Console(file=out, force_terminal=terminal, no_color=not terminal,
                          width=None if terminal else PIPE_WIDTH, highlight=False, emoji=False)
        by_input = {i.path: i for i in report.inputs}
        for group, rows in groupby(report.violations, key=lambda v: v.group):
            console.print(plain(group, "bold"))
            console.print(self._violations(list(rows), lang))
        if not report.violations:
            console.print(LABELS["no_violations"](lang))
        for key, rows in (("pending", report.pending), ("review", report.review)):
            if rows:
                console.print(LABELS[key](lang), style="bold")
                console.print(self._violations(rows, lang))
        if report.fixes:
            console.print(LABELS["fixes"](lang), style="bold")
            for fix in report.fixes:
                target = f" → {fix.to}" if fix.to else ""
                console.print(plain(f"  {LABELS[fix.action](lang)}  {fix.member}{target}   ({', '.join(fix.rules)})"))
        if report.members:
            console.print(self._members(report, lang))
        self._clauses(console, report, lang)
        lists = [i for i in report.inputs if i.format == "member-list"]
        if lists:
            console.print(LABELS["members_summary"](lang).format(
                members=sum(max(i.lines - 1, 0) for i in lists), violations=report.summary.violations))
            return
        console.print(LABELS["summary"](lang).format(
            files=len(report.inputs),
            messages=sum(i.messages for i in report.inputs),
            events=sum(i.events for i in report.inputs),
            unparsed=sum(i.unparsed_lines for i in report.inputs),
            violations=report.summary.violations,
        ))
        if report.exempted:
            console.print(plain(LABELS["exempted"](lang).format(n=len(report.exempted), by=_by_exemption(report, lang))))
        for path, item in by_input.items():
            if item.unparsed_lines:
                console.print(plain(LABELS["unparsed_hint"](lang).format(n=item.unparsed_lines, path=path), "yellow"))
            for note in item.notes:
                console.print(plain(f"{path}: {note}", "yellow"))

    @staticmethod
    def _violations(rows: list[Violation], lang: Lang) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for key in ("time", "rule", "severity", "sender", "finding", "excerpt", "penalty"):
            table.add_column(LABELS[key](lang), overflow="fold",
                             no_wrap=key in ("time", "rule", "severity"))
        for v in rows:
            when = (v.timestamp or "")[:19].replace("T", " ")
            fine = f" {v.penalty.fine}元" if lang == "zh" and v.penalty.fine else (
                f" ¥{v.penalty.fine}" if v.penalty.fine else "")
            table.add_row(
                plain(when), plain(v.rule), plain(SEVERITY[v.severity](lang), _STYLE[v.severity]),
                plain(v.sender), plain(v.message), plain(v.excerpt, "dim"),
                plain(ACTION[v.penalty.action](lang) + fine),
            )
        return table

    @staticmethod
    def _members(report: Report, lang: Lang) -> Table:
        table = Table(title=LABELS["members"](lang), title_justify="left", box=box.SIMPLE_HEAD,
                      show_edge=False, pad_edge=False)
        table.add_column(LABELS["sender"](lang))
        table.add_column(LABELS["violations"](lang), justify="right")
        table.add_column(LABELS["fines"](lang), justify="right")
        table.add_column(LABELS["action"](lang))
        for m in report.members:
            table.add_row(plain(m.name), plain(str(m.violations)), plain(str(m.fines)), plain(ACTION[m.action](lang)))
        return table

    @staticmethod
    def _clauses(console: Console, report: Report, lang: Lang) -> None:
        seen: dict[str, str] = {}
        for v in report.violations:
            seen.setdefault(v.rule, f"{v.rule} {v.name}: {v.clause}")
        if seen:
            console.print(LABELS["clause"](lang), style="bold")
            for rule in sorted(seen):
                console.print(plain(f"  {seen[rule]}", "dim"))


def _by_exemption(report: Report, lang: Lang) -> str:
    """「C402 市场部-周杰（至 2023-12-31）3」: how many findings each exemption accepted."""
    counts: dict[tuple, int] = {}
    for row in report.exempted:
        ex = row.exemption
        key = (ex.rule, ex.sender or ex.group or ex.term or "", ex.until)
        counts[key] = counts.get(key, 0) + 1
    if lang == "en":
        return "; ".join(f"{rule} {who} (until {until}) {n}" for (rule, who, until), n in counts.items())
    return "；".join(f"{rule} {who}（至 {until}）{n}" for (rule, who, until), n in counts.items())
