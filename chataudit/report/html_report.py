"""HTML: one self-contained page that works offline — summary cards, inline SVG charts
(violations per rule, per member, an hour-of-day × weekday heatmap) and a filterable,
sortable violations table. Every value from the export is HTML-escaped, and a
Content-Security-Policy forbids any network access and any script but the page's own."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from html import escape
from typing import TextIO

from chataudit.i18n import ACTION, LABELS, SEVERITY, Lang
from chataudit.report.base import Reporter, visible
from chataudit.report.model import Report, Violation

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
WEEKDAYS = {"zh": "一二三四五六日", "en": "MTWTFSS"}
STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.muted{color:#666;font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;min-width:120px}
.card b{display:block;font-size:24px}.charts{display:flex;gap:24px;flex-wrap:wrap}.chart{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{border:1px solid #ddd;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f0f0f0;cursor:pointer;user-select:none}#violations td:nth-child(-n+4){white-space:nowrap}tr.error td:nth-child(3){color:#b00020;font-weight:bold}tr.warning td:nth-child(3){color:#a65f00}
input{padding:6px 8px;width:320px;margin:4px 0 8px;border:1px solid #bbb;border-radius:6px}.excerpt{color:#555}
"""
SCRIPT = """
(function(){
  var input=document.getElementById('filter'), body=document.querySelector('#violations tbody');
  function apply(){var q=input.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});
    document.getElementById('shown').textContent=Array.prototype.filter.call(body.rows,function(r){return r.style.display!=='none';}).length;}
  input.addEventListener('input',apply);
  if(location.hash.indexOf('#q=')===0){input.value=decodeURIComponent(location.hash.slice(3));apply();}
  Array.prototype.forEach.call(document.querySelectorAll('#violations th'),function(th,i){
    th.addEventListener('click',function(){var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;return asc?x.localeCompare(y):y.localeCompare(x);});
      rows.forEach(function(r){body.appendChild(r);});});});
})();
"""


def e(value: object) -> str:
    return escape(visible(str(value)), quote=True)


def bar_chart(title: str, counts: list[tuple[str, int]], width: int = 420) -> str:
    rows = counts[:12]
    top = max((n for _, n in rows), default=1) or 1
    height = 24 * len(rows) + 30
    parts = [f'<svg class="bars" role="img" aria-label="{e(title)}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><text x="0" y="16" font-size="13" font-weight="bold">{e(title)}</text>']
    for i, (label, n) in enumerate(rows):
        y = 28 + i * 24
        w = max(2, int((width - 190) * n / top))
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{e(label[:14])}</text>'
                     f'<rect x="150" y="{y + 2}" width="{w}" height="16" fill="#4e79a7"/>'
                     f'<text x="{156 + w}" y="{y + 14}" font-size="12">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(title: str, cells: Counter, lang: Lang) -> str:
    top = max(cells.values(), default=1) or 1
    size, left, head = 18, 24, 34
    parts = [f'<svg class="heatmap" role="img" aria-label="{e(title)}" width="{left + 24 * size + 4}" '
             f'height="{head + 7 * size + 18}" xmlns="http://www.w3.org/2000/svg">'
             f'<text x="0" y="16" font-size="13" font-weight="bold">{e(title)}</text>']
    for day in range(7):
        parts.append(f'<text x="0" y="{head + day * size + 13}" font-size="11">{WEEKDAYS[lang][day]}</text>')
        for hour in range(24):
            n = cells.get((day, hour), 0)
            shade = 245 - int(200 * n / top) if n else 245
            parts.append(f'<rect x="{left + hour * size}" y="{head + day * size}" width="{size - 2}" height="{size - 2}" '
                         f'fill="rgb({shade},{shade},255)"><title>{WEEKDAYS[lang][day]} {hour}:00 — {n}</title></rect>')
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * size}" y="{head + 7 * size + 14}" font-size="10">{hour}</text>')
    parts.append("</svg>")
    return "".join(parts)


class HtmlReporter(Reporter):
    name = "html"

    def render(self, report: Report, lang: Lang, out: TextIO, *, terminal: bool = False) -> None:
        """The page around the violations table, and the table's rows written one at a time.
        The heatmap above the table needs every row's time: the rows are read twice."""
        zh = lang == "zh"
        by_rule = sorted(report.summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        by_member = [(m.name, m.violations) for m in sorted(report.members, key=lambda m: (-m.violations, m.name))]
        when: Counter = Counter()
        for v in report.violations:
            if v.timestamp:
                moment = datetime.fromisoformat(v.timestamp)
                when[(moment.weekday(), moment.hour)] += 1
        cards = [(LABELS["violations"](lang), report.summary.violations),
                 ("消息" if zh else "Messages", sum(i.messages for i in report.inputs)),
                 ("成员" if zh else "Members", len(report.members)),
                 (LABELS["fines"](lang), sum(m.fines for m in report.members)),
                 ("未解析行" if zh else "Unparsed lines", sum(i.unparsed_lines for i in report.inputs))]
        heads = ["time", "rule", "severity", "sender", "finding", "excerpt", "clause", "penalty", "where"]
        members = "".join(f"<tr><td>{e(m.name)}</td><td>{m.violations}</td><td>{e(m.fines)}</td>"
                          f"<td>{e(ACTION[m.action](lang))}</td></tr>" for m in report.members)
        inputs = "、".join(f"{e(i.path)} ({e(i.format)})" for i in report.inputs)
        out.write(f"""<!DOCTYPE html>
<html lang="{'zh-CN' if zh else 'en'}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(report.policy.name)} — chataudit</title><style>{STYLE}</style></head><body>
<h1>{e('群聊审计报告' if zh else 'Group chat audit')}：{e(report.policy.name)}</h1>
<div class="muted">{inputs} · chataudit {e(report.tool.version)}</div>
<div class="cards">{"".join(f'<div class="card"><b>{e(n)}</b>{e(label)}</div>' for label, n in cards)}</div>
<div class="charts"><div class="chart">{bar_chart('各规则违规数' if zh else 'Violations per rule', by_rule)}</div>
<div class="chart">{bar_chart('各成员违规数' if zh else 'Violations per member', by_member)}</div>
<div class="chart">{heatmap('违规时间分布（星期 × 小时）' if zh else 'When (weekday × hour)', when, lang)}</div></div>
<h2>{e(LABELS['violations'](lang))} (<span id="shown">{len(report.violations)}</span>)</h2>
<input id="filter" type="search" placeholder="{e('筛选：成员、规则、内容…' if zh else 'Filter: member, rule, text…')}">
<table id="violations"><thead><tr>{"".join(f'<th>{e(LABELS[h](lang))}</th>' for h in heads)}</tr></thead>
<tbody>""")
        for v in report.violations:
            out.write(_row(v, lang))
        out.write(f"""</tbody></table>
<h2>{e(LABELS['members'](lang))}</h2>
<table id="members"><thead><tr><th>{e(LABELS['sender'](lang))}</th><th>{e(LABELS['violations'](lang))}</th>
<th>{e(LABELS['fines'](lang))}</th><th>{e(LABELS['action'](lang))}</th></tr></thead><tbody>{members}</tbody></table>
<script>{SCRIPT}</script></body></html>
""")


def _row(v: Violation, lang: Lang) -> str:
    where = v.source.where() if v.source else ""
    fine = f" {v.penalty.fine}元" if v.penalty.fine else ""
    return (f'<tr class="{e(v.severity)}"><td>{e((v.timestamp or "")[:19].replace("T", " "))}</td><td>{e(v.rule)}</td>'
            f'<td>{e(SEVERITY[v.severity](lang))}</td><td>{e(v.sender or "—")}</td><td>{e(v.message)}</td>'
            f'<td class="excerpt">{e(v.excerpt)}{_why(v.explanation, lang == "zh")}</td><td>{e(v.clause)}</td>'
            f'<td>{e(ACTION[v.penalty.action](lang))}{e(fine)}</td><td>{e(where)}</td></tr>')


def _why(explanation: dict | None, zh: bool) -> str:
    """audit --explain: a collapsed note under the excerpt with the normalised text, each step
    and each lexicon hit with why it counts or not (every value escaped)."""
    if not explanation:
        return ""
    lines = [f"{'规范化' if zh else 'normalised'}: {e(explanation['normalised'])}"]
    lines += [f"{e(step['step'])}: {e(' '.join(f'{a}→{b or chr(8709)}' for a, b in step['changes']))}"
              for step in explanation["steps"]]
    lines += [f"“{e(hit['term'])}” {e(hit['category'])} ({e(hit['how'])}): "
              f"{'counts' if hit['counts'] else e(hit.get('why_not', ''))}" for hit in explanation["hits"]]
    if "model" in explanation:
        lines.append(f"model {explanation['model']['score']}: {e(', '.join(explanation['model']['ngrams']))}")
    return f"<details><summary>{'为什么' if zh else 'why'}</summary>{'<br>'.join(lines)}</details>"
