"""`chataudit explain EXPORT:LINE`: why each finding on one record fired, step by step.

The whole export is audited (rules such as R201 need what came before), and the record at
that line (a text export) or message number (``#N``, a JSON export) is shown with each step
of normalisation, every lexicon candidate with why it counts or not, the allow phrases, the
abuse model's score, and the findings on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from chataudit.engine import audit
from chataudit.errors import InputError, UsageError
from chataudit.findings import Finding
from chataudit.i18n import Lang, Text
from chataudit.jobs.inputs import open_input, within
from chataudit.policy.load import LoadedPolicy, bundled_policies_dir
from chataudit.records import Event, Message
from chataudit.report.base import visible
from chataudit.rules.base import Rule
from chataudit.rules.registry import build_rules
from chataudit.text.classifier import Verdict
from chataudit.text.lexicon import Hit
from chataudit.text.normalize import Step, normalize_steps


@dataclass(frozen=True, slots=True)
class Target:
    """Where the record is: a line of a text export, or (``#N``) a JSON export's message number."""

    path: Path
    number: int
    by_record: bool

    @classmethod
    def parse(cls, given: str) -> Target:
        path, colon, where = given.rpartition(":")
        by_record = where.startswith("#")
        number = where.removeprefix("#")
        if not colon or not path or not number.isdigit() or int(number) < 1:
            raise UsageError(f"{given!r} names no record", fix="write EXPORT:LINE (群聊.txt:120) or EXPORT:#N for a JSON export's Nth message")
        return cls(Path(path), int(number), by_record)

    def holds(self, record: Message | Event) -> bool:
        """Whether ``record`` is the one asked for, or (a text export) a record that starts at or
        before the line, so that any line of a multi-line message finds it."""
        loc = record.loc
        if loc.line is None or self.by_record:
            return loc.index == self.number
        return loc.line <= self.number


@dataclass(slots=True)
class Explanation:
    record: Message | Event
    findings: list[Finding]
    steps: list[Step]
    candidates: list[tuple[Hit, Text | None]]
    allowed: list[tuple[int, int, str]]
    model: Verdict | None
    sources: dict[str, str]  # lexicon category → where its words come from


def explain(target: Target, loaded: LoadedPolicy, fmt: str, group: str | None, tz: tzinfo) -> Explanation:
    from chataudit.jobs.audit import input_options

    opened = open_input(target.path, fmt, tz, group, input_options(loaded, None))
    rules = build_rules(loaded)
    found: list[Message | Event] = []
    findings = [f for f in audit(_watching(within(opened.records(), None, None), target, found), rules)]
    if not found:
        raise InputError(f"no record at {'message #' if target.by_record else 'line '}{target.number}",
                         where=str(target.path), fix="`chataudit parse` lists the records with their lines")
    record = found[-1]
    mine = [f for f in findings if f.loc == record.loc]
    if isinstance(record, Event):
        return Explanation(record, mine, [], [], [], None, {})
    return _explain_message(record, mine, rules, loaded)


def _watching(records: Iterator[Message | Event], target: Target, found: list) -> Iterator[Message | Event]:
    """The records, passed on; the last one the target holds is kept (records come in file
    order, so for a text export that is the record whose lines include the target line)."""
    for record in records:
        if target.holds(record):
            found[:] = [record]
        yield record


def _explain_message(msg: Message, findings: list[Finding], rules: list[Rule], loaded: LoadedPolicy) -> Explanation:
    ctx = rules[0].ctx if rules else None
    content = ctx.content(msg) if ctx is not None else None
    candidates, allowed = ctx.matcher.trace(content.norm) if ctx is not None and ctx.matcher else ([], [])
    model = content.abuse if content is not None and any(r.id == "C403" for r in rules) else None
    return Explanation(msg, findings, normalize_steps(msg.text), candidates, allowed, model, _sources(loaded))


class Explainer:
    """``audit --explain``: the same explanation as JSON data, attached to each finding that a
    content or custom rule makes on the message it has just read."""

    EXPLAINED = ("term", "terms", "matched", "score")  # data keys of findings about what a message says

    def __init__(self, rules: list[Rule], loaded: LoadedPolicy):
        self.rules, self.loaded, self.sources = rules, loaded, _sources(loaded)

    def watch(self, records: Iterator[Message | Event], last: list) -> Iterator[Message | Event]:
        for record in records:
            last[:] = [record]
            yield record

    def attach(self, findings: Iterator[Finding], last: list) -> Iterator[Finding]:
        explained: tuple[Message | None, dict | None] = (None, None)  # several findings on one message share it
        for finding in findings:
            record = last[0] if last else None
            if (isinstance(record, Message) and finding.loc == record.loc
                    and any(key in finding.data for key in self.EXPLAINED)):
                if explained[0] is not record:
                    explained = (record, as_data(_explain_message(record, [], self.rules, self.loaded)))
                finding.data["explanation"] = explained[1]
            yield finding


def as_data(ex: Explanation) -> dict:
    """An explanation as JSON data (English step names and reasons: data for tools)."""
    data = {
        "normalised": ex.steps[-1].text if ex.steps else ex.record.text,
        "steps": [{"step": step.name.en, "changes": [list(change) for change in step.changes]}
                  for step in ex.steps if step.changes],
        "hits": [{"term": hit.phrase, "category": hit.category, "how": hit.how, "source": ex.sources.get(hit.category, ""),
                  "counts": why is None, **({"why_not": why.en} if why is not None else {})}
                 for hit, why in ex.candidates],
        "allowed": [phrase for _, _, phrase in ex.allowed],
    }
    if ex.model is not None:
        data["model"] = {"score": round(ex.model.score, 3), "ngrams": list(ex.model.ngrams)}
    return data


def _sources(loaded: LoadedPolicy) -> dict[str, str]:
    settings = loaded.policy.lexicons
    folder = (loaded.base_dir / settings.dir) if settings.dir else bundled_policies_dir() / "lexicons"
    shown = str(folder) if settings.dir else "(bundled) lexicons"  # the same on every machine
    sources = {path.stem: f"{shown}/{path.name}" for path in sorted(folder.glob("*.txt"))}
    sources.update({category: str(loaded.base_dir / name) for category, name in settings.files.items()})
    for category in settings.extra:
        sources[category] = f"{sources[category]} + [lexicons] extra" if category in sources else "[lexicons] extra"
    return sources


def render(ex: Explanation, lang: Lang) -> list[str]:
    """The explanation as lines of text, every piece from the export escaped for a terminal."""
    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    record = ex.record
    loc = record.loc
    where = f"{loc.path}:{loc.line}" if loc.line is not None else f"{loc.path}#{loc.index}"
    who = record.sender if isinstance(record, Message) else (record.actor or "-")
    lines = [f"{where}  {record.ts:%Y-%m-%d %H:%M:%S}  {who}  ({record.kind})",
             t("原文：", "raw: ") + record.text]
    if ex.steps:
        lines.append(t("规范化：", "normalised:"))
        for step in ex.steps:
            if step.changes:
                changed = " ".join(f"{a}→{b or '∅'}" for a, b in step.changes)
                lines.append(f"  {step.name(lang)}: {changed}  ⇒ {step.text}")
        lines.append(t("  结果：", "  result: ") + (ex.steps[-1].text if ex.steps else record.text))
    lines += _candidate_lines(ex, lang, t)
    if ex.model is not None:
        lines.append(t("辱骂模型：", "abuse model: ") + f"{ex.model.score:.3f} ({', '.join(ex.model.ngrams)})")
    lines.append(t("本条记录的发现：", "findings on this record:"))
    for f in ex.findings:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(f.data.items()) if k in ("category", "term", "terms", "matched", "score", "ngrams", "url"))
        lines.append(f"  {f.rule} {f.severity.value}: {f.message(lang)}" + (f"  [{detail}]" if detail else ""))
    if not ex.findings:
        lines.append(t("  （无）", "  (none)"))
    return [visible(line) for line in lines]


def _candidate_lines(ex: Explanation, lang: Lang, t) -> list[str]:
    lines = []
    if ex.candidates:
        lines.append(t("词库命中：", "lexicon hits:"))
    for hit, why in ex.candidates:
        how = {"exact": t("原词", "as written"), "pinyin": t("拼音", "pinyin"), "homophone": t("谐音", "homophone")}[hit.how]
        source = ex.sources.get(hit.category, "?")
        verdict = t("计入", "counts") if why is None else t("不计：", "does not count: ") + why(lang)
        lines.append(f"  “{hit.phrase}” {hit.category} ({source}, {how}, {hit.start}–{hit.end}) → {verdict}")
    if ex.allowed:
        lines.append(t("允许词：", "allow phrases: ") + "、".join(f"{phrase} ({a}–{b})" for a, b, phrase in ex.allowed))
    return lines
