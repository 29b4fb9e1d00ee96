"""The command line. Thin: parse options, call a job, render, map errors to exit code 2."""

from __future__ import annotations

import gc
import inspect
import json
import tomllib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from chataudit import __version__
from chataudit.errors import ChatAuditError, UsageError
from chataudit.findings import Severity
from chataudit.formats.registry import formats
from chataudit.jobs.audit import AuditRequest, input_options, run_audit
from chataudit.jobs.members import MembersRequest, run_members
from chataudit.jobs.parse import parse_lines
from chataudit.output import open_output
from chataudit.plugins import load_group
from chataudit.formats.encoding import detect_encoding, read_head
from chataudit.policy.extract import extract, to_toml
from chataudit.policy.load import LoadedPolicy, bundled_policies_dir, load_policy, validate
from chataudit.report.base import json_text, visible
from chataudit.rules.registry import build_rules, custom_rules, rule_classes

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False, help="Audit exported group-chat transcripts against a group regulation.")
policy_app = typer.Typer(no_args_is_help=True, help="Check, show, start (init) or draft (extract) a policy.")
app.add_typer(policy_app, name="policy")

FAIL_ON = ("info", "warning", "error", "never")


def _split(values: Optional[list[str]]) -> Optional[list[str]]:
    if not values:
        return None
    return [part for value in values for part in value.split(",") if part.strip()]


def _when(value: Optional[str], loaded: LoadedPolicy, option: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date or time",
                         fix="write it as 2023-10-01 or \"2023-10-01 08:00\"") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=loaded.policy.tz)


def _mapping(values: Optional[list[str]]) -> Optional[dict[str, str]]:
    """--map timestamp=时间,sender=发送人 → {"timestamp": "时间", "sender": "发送人"}."""
    if not values:
        return None
    pairs = {}
    for part in _split(values) or []:
        key, sep, column = part.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise UsageError(f"--map {part!r} is not FIELD=COLUMN", fix="e.g. --map timestamp=时间,sender=发送人,text=内容")
        pairs[key.strip()] = column.strip()
    return pairs


def _console() -> Console:
    """For listings: plain text (no markup), wide enough in a pipe for Chinese columns."""
    return Console(highlight=False, emoji=False, markup=False, width=None if _is_terminal() else 160)


def _reporter(name: str):
    reporters = load_group("chataudit.reporters")
    if name not in reporters:
        raise UsageError(f"unknown output {name!r}", fix=f"use one of: {', '.join(reporters)}")
    return reporters[name]()


def _is_terminal() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


@app.command()
def audit(
    paths: list[Path] = typer.Argument(..., help="Export file(s) to audit.", show_default=False),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Policy TOML (default: discovered)."),
    fmt: str = typer.Option("auto", "--format", "-f", help="Input format, or auto to sniff it."),
    group: Optional[str] = typer.Option(None, "--group", help="Group name (default: from the export)."),
    select: Optional[list[str]] = typer.Option(None, "--select", help="Only these rule ids or prefixes (T5,M101)."),
    ignore: Optional[list[str]] = typer.Option(None, "--ignore", help="Skip these rule ids or prefixes."),
    since: Optional[str] = typer.Option(None, "--since", help="Only records at or after this time."),
    until: Optional[str] = typer.Option(None, "--until", help="Only records before this time."),
    output: str = typer.Option("table", "--output", help="table, json, jsonl, csv, xlsx, markdown, html, junit, sarif."),
    out_file: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the report to this file."),
    fail_on: str = typer.Option("error", "--fail-on", help="Exit 1 when a violation is at or above: info, warning, error, never."),
    lang: Optional[str] = typer.Option(None, "--lang", help="zh or en (default: the policy's)."),
    mapping: Optional[list[str]] = typer.Option(None, "--map", help="Generic CSV/JSONL columns: timestamp=时间,sender=发送人,text=内容."),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 2) when any input line cannot be parsed."),
    ledger: Optional[Path] = typer.Option(None, "--ledger", help="SQLite ledger: offences across runs, --since last."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Accept the findings listed in this baseline."),
    write_baseline: Optional[Path] = typer.Option(None, "--write-baseline", help="Write the current findings as a baseline."),
    redact: bool = typer.Option(False, "--redact", help="Mask phone, ID and card numbers and e-mail in the report."),
    explain: bool = typer.Option(False, "--explain", help="Content findings carry what matched, after which normalisation, and why (JSON, HTML)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel processes: for several inputs, or for one "
                             "CSV/JSONL/WeCom input holding several groups (split by group); the same report."),
) -> None:
    """Audit export files (or folders of them) against the policy and print a violation report."""
    _check_choices(fail_on, lang)
    reporter = _reporter(output)
    loaded = load_policy(policy)
    since_last = since is not None and since.strip().lower() == "last"
    if since_last and ledger is None:
        raise UsageError("--since last needs --ledger FILE", fix="the ledger remembers where the last run stopped")
    report = run_audit(AuditRequest(
        paths=paths, policy=loaded, lang=lang or loaded.policy.policy.lang, fmt=fmt, group=group,
        select=_split(select), ignore=_split(ignore),
        since=None if since_last else _when(since, loaded, "--since"), until=_when(until, loaded, "--until"),
        mapping=_mapping(mapping), strict=strict, since_last=since_last, ledger=ledger, baseline=baseline,
        write_baseline=write_baseline, redact=redact, explain=explain, jobs=jobs, progress=True,
    ), warn=_warn)
    _emit(report, reporter, lang or loaded.policy.policy.lang, out_file, fail_on)


def _warn(line: str) -> None:
    print(visible(line).replace("\n", " "), file=sys.stderr)


def _check_choices(fail_on: str, lang: Optional[str]) -> None:
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r} is not one of {', '.join(FAIL_ON)}")
    if lang not in (None, "zh", "en"):
        raise UsageError(f"--lang {lang!r} is not zh or en")


def _emit(report, reporter, lang: str, out_file: Optional[Path], fail_on: str) -> None:
    """Write the report, then exit 1 when a violation is at or above --fail-on. An input that
    could not be read exits 2 instead: the report covers the others, and CI must notice."""
    with open_output(out_file, encoding=reporter.encoding, newline=reporter.newline, binary=reporter.binary) as out:
        reporter.render(report, lang, out, terminal=out_file is None and _is_terminal())
    if any(summary.error for summary in report.inputs):
        raise typer.Exit(2)
    if fail_on != "never":
        threshold = Severity(fail_on).rank
        if any(Severity(severity).rank >= threshold for severity in report.summary.by_severity):
            raise typer.Exit(1)


@app.command()
def members(
    member_list: Optional[Path] = typer.Argument(None, help="Member list (CSV/XLSX/TXT); omit with --export."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="HR roster (CSV/XLSX); default: the policy's."),
    export: Optional[Path] = typer.Option(None, "--export", help="Rebuild the membership from this chat export."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p"),
    group: Optional[str] = typer.Option(None, "--group"),
    fmt: str = typer.Option("auto", "--format", "-f", help="Format of --export."),
    select: Optional[list[str]] = typer.Option(None, "--select"),
    ignore: Optional[list[str]] = typer.Option(None, "--ignore"),
    output: str = typer.Option("table", "--output", help="table, json or jsonl."),
    out_file: Optional[Path] = typer.Option(None, "-o", "--out"),
    fail_on: str = typer.Option("error", "--fail-on"),
    lang: Optional[str] = typer.Option(None, "--lang"),
) -> None:
    """Check a group's members: naming pattern, roster (current staff only), required managers, duplicates."""
    _check_choices(fail_on, lang)
    reporter = _reporter(output)
    loaded = load_policy(policy)
    language = lang or loaded.policy.policy.lang
    report = run_members(MembersRequest(policy=loaded, lang=language, member_list=member_list, roster=roster,
                                        export=export, group=group, fmt=fmt, select=_split(select),
                                        ignore=_split(ignore)))
    _emit(report, reporter, language, out_file, fail_on)


def rules_markdown() -> str:
    """docs/rules.md: every rule's documentation, from the rule classes themselves."""
    parts = ["# Rules\n\nGenerated by `chataudit rules --markdown` from the rule classes; the examples are run by the tests.\n"]
    for rid, cls in rule_classes().items():
        defaults = cls.Options().model_dump(mode="json")
        options = "\n".join(f"    {k} = {json.dumps(v, ensure_ascii=False)}" for k, v in defaults.items()) or "    (none)"
        parts.append(f"## {rid} {cls.name} ({cls.severity.value})\n\n**{cls.title.zh}** / {cls.title.en}\n\n"
                     f"{inspect.cleandoc(cls.__doc__ or '')}\n\n{cls.explanation.zh}\n{cls.explanation.en}\n\n"
                     f"依据 / clause: {cls.clause.zh}\n\nOptions (`[rules.{rid}]`, also `enabled`, `severity`, `clause`):\n\n"
                     f"{options}\n")
    return "\n".join(parts)


@app.command()
def rules(
    rule_id: Optional[str] = typer.Argument(None, help="One rule id for its full documentation."),
    markdown: bool = typer.Option(False, "--markdown", help="Every rule's documentation as Markdown (docs/rules.md)."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Also list this policy's own [[custom]] rules (default: discovered)."),
) -> None:
    """List the rule catalogue, or show one rule's documentation, options and examples."""
    classes = rule_classes()
    console = _console()
    if markdown:
        sys.stdout.write(rules_markdown())
        return
    custom = {rule.id: rule for rule in custom_rules(load_policy(policy))}
    if rule_id is None:
        table = Table(box=None, pad_edge=False)
        for column in ("id", "name", "severity", "标题", "title"):
            table.add_column(column)
        for rid, cls in classes.items():
            table.add_row(rid, cls.name, cls.severity.value, cls.title.zh, cls.title.en)
        for rid, rule in custom.items():
            table.add_row(visible(rid), visible(rule.name), rule.severity.value, visible(rule.title.zh), "(policy's own rule)")
        console.print(table)
        return
    if rule_id.upper() in custom:
        _show_custom(custom[rule_id.upper()])
        return
    cls = classes.get(rule_id.upper())
    if cls is None:
        raise UsageError(f"unknown rule {rule_id!r}", fix="`chataudit rules` lists the rule ids")
    defaults = cls.Options().model_dump(mode="json")
    print(f"{cls.id} {cls.name} ({cls.severity.value})\n{cls.title.zh} / {cls.title.en}\n")
    print(inspect.cleandoc(cls.__doc__ or ""))
    print(f"\n{cls.explanation.zh}\n{cls.explanation.en}\n\n依据 / clause: {cls.clause.zh}\n")
    print(f"options ([rules.{cls.id}] in the policy; also enabled, severity, clause):")
    for key, value in defaults.items():
        print(f"  {key} = {json.dumps(value, ensure_ascii=False)}")


def _show_custom(rule) -> None:
    spec = rule.spec
    print(visible(f"{spec.id} {spec.name} ({spec.severity.value}) — the policy's own rule\n依据 / clause: {spec.clause}\n"))
    for key in ("any", "all", "none", "within", "regex", "kinds", "groups", "exempt_roles"):
        value = getattr(spec, key)
        if value not in ([], None):
            print(visible(f"  {key} = {json.dumps(value, ensure_ascii=False)}"))


@app.command("formats")
def list_formats() -> None:
    """List the supported input formats and the tools that produce them."""
    table = Table(box=None, pad_edge=False)
    for column in ("format", "格式", "produced by", "versions read"):
        table.add_column(column)
    for name, cls in formats().items():
        table.add_row(name, cls.title.zh, cls.producer, cls.versions or "-")
    _console().print(table)


@app.command()
def parse(
    path: Path = typer.Argument(..., help="Export file."),
    fmt: str = typer.Option("auto", "--format", "-f"),
    group: Optional[str] = typer.Option(None, "--group"),
    to: str = typer.Option("jsonl", "--to", help="jsonl (one record a line, then a summary line)."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Time zone and [input] settings."),
    out_file: Optional[Path] = typer.Option(None, "-o", "--out"),
    mapping: Optional[list[str]] = typer.Option(None, "--map", help="Generic CSV/JSONL columns."),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 2) when any line cannot be parsed."),
) -> None:
    """Print the normalised records of an export, for debugging and pipelines."""
    if to != "jsonl":
        raise UsageError(f"--to {to!r} is not supported", fix="use --to jsonl")
    loaded = load_policy(policy)
    options = input_options(loaded, _mapping(mapping))
    with open_output(out_file) as out:
        for line in parse_lines(path, fmt, loaded.policy.tz, group, options, strict):
            out.write(line + "\n")


@app.command("eval")
def eval_content(
    labelled: Path = typer.Argument(..., help='Labelled messages: .jsonl ({"text": …, "expect": ["C403"]}) or .csv (text, expect).'),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p", help="Policy TOML (default: discovered)."),
) -> None:
    """Measure the content rules on labelled messages: precision, recall and F1 per rule, clean rows flagged."""
    from chataudit.jobs.eval import evaluate, read_labelled, render

    loaded = load_policy(policy)
    rows = read_labelled(labelled)
    print("\n".join(render(evaluate(rows, loaded), loaded.source)))


@app.command()
def explain(
    where: str = typer.Argument(..., help="EXPORT:LINE (群聊.txt:120), or EXPORT:#N for a JSON export's Nth message."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p"),
    fmt: str = typer.Option("auto", "--format", "-f"),
    group: Optional[str] = typer.Option(None, "--group"),
    lang: Optional[str] = typer.Option(None, "--lang", help="zh or en (default: the policy's)."),
) -> None:
    """Why each finding on one record fired: normalisation steps, lexicon entries, allow phrases, context, model score."""
    from chataudit.jobs.explain import Target, explain as explain_record, render

    _check_choices("never", lang)
    loaded = load_policy(policy)
    found = explain_record(Target.parse(where), loaded, fmt, group, loaded.policy.tz)
    print("\n".join(render(found, lang or loaded.policy.policy.lang)))


stats_app = typer.Typer(help="Counts over exports: which lexicon entries and custom-rule terms fire.", no_args_is_help=True)
app.add_typer(stats_app, name="stats")


@stats_app.command("terms")
def stats_terms(
    paths: list[Path] = typer.Argument(..., help="Export files or folders."),
    policy: Optional[Path] = typer.Option(None, "--policy", "-p"),
    fmt: str = typer.Option("auto", "--format", "-f"),
    lang: Optional[str] = typer.Option(None, "--lang", help="zh or en (default: the policy's)."),
) -> None:
    """Hits per lexicon entry and custom-rule term (counted, and cancelled by allow phrases or context), with examples."""
    from chataudit.jobs.stats import render as render_terms, term_stats

    _check_choices("never", lang)
    loaded = load_policy(policy)
    print("\n".join(render_terms(term_stats(paths, loaded, fmt), lang or loaded.policy.policy.lang)))


@policy_app.command("check")
def policy_check(path: Optional[Path] = typer.Argument(None, help="Policy file (default: discovered).")) -> None:
    """Validate a policy file: keys, values and every rule's options."""
    loaded = load_policy(path)
    enabled = build_rules(loaded)
    print(f"ok: {visible(loaded.source)} — {visible(loaded.policy.policy.name)}, {len(enabled)} rule(s) enabled")


@policy_app.command("init")
def policy_init(
    source: str = typer.Option("default", "--from", help="A bundled policy to start from (`policy init --list`)."),
    out_file: Path = typer.Option(Path("chataudit.toml"), "-o", "--out", help="Where to write it."),
    list_them: bool = typer.Option(False, "--list", help="List the bundled policies."),
) -> None:
    """Write a starter policy (./chataudit.toml, which audits then find by themselves)."""
    folder = bundled_policies_dir()
    names = sorted(p.stem for p in folder.glob("*.toml"))
    if list_them:
        for name in names:
            first = (folder / f"{name}.toml").read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
            print(f"{name:28} {first}")
        return
    if source not in names:
        raise UsageError(f"no bundled policy {source!r}", fix=f"use one of: {', '.join(names)}")
    if out_file.exists():
        raise UsageError("file exists", where=str(out_file), fix="pass -o with another name, or remove it first")
    with open_output(out_file) as out:
        out.write((folder / f"{source}.toml").read_text(encoding="utf-8"))
    print(f"wrote {visible(str(out_file))} from policies/{source}.toml; check it with `chataudit policy check {visible(str(out_file))}`")


@policy_app.command("extract")
def policy_extract(
    regulation: Path = typer.Argument(..., help="A regulation in Chinese prose (UTF-8 or GB18030 text)."),
    out_file: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the draft here (default: stdout)."),
    name: Optional[str] = typer.Option(None, "--name", help="The policy's name (default: the file name)."),
) -> None:
    """Draft a policy from a regulation written in prose; each setting cites its sentence."""
    raw = read_head(regulation)
    text = regulation.read_text(encoding=detect_encoding(raw, regulation)) if raw else ""
    found = extract(text)
    draft = to_toml(found, name or regulation.stem)
    validate(tomllib.loads(draft), "the draft")  # never hand out a draft that does not load
    with open_output(out_file) as out:
        out.write(draft)
    print(f"{len(found.settings)} setting(s) drafted; {len(found.unmapped)} sentence(s) need a person "
          f"(listed at the end of the draft)", file=sys.stderr)


@policy_app.command("show")
def policy_show(
    policy: Optional[Path] = typer.Option(None, "--policy", "-p"),
    output: str = typer.Option("json", "--output", help="json"),
) -> None:
    """Print the effective policy with every default filled in."""
    if output != "json":
        raise UsageError(f"--output {output!r} is not supported here", fix="use --output json")
    loaded = load_policy(policy)
    built = {rule.id: rule for rule in build_rules(loaded)}
    data = loaded.policy.model_dump(mode="json")
    data["rules"] = {}
    for rid, cls in rule_classes().items():
        rule = built.get(rid)
        options = rule.options if rule else cls.Options.model_validate(
            {k: v for k, v in loaded.policy.rules.get(rid, {}).items() if k not in ("enabled", "severity", "clause")})
        data["rules"][rid] = {
            "enabled": rule is not None,
            "severity": (rule.severity if rule else Severity(loaded.policy.rules.get(rid, {}).get("severity", cls.severity))).value,
            "clause": (rule.clause if rule else cls.clause).zh,
            **options.model_dump(mode="json"),
        }
    print(json_text(data, indent=2))


@app.command()
def version() -> None:
    """Print the version."""
    print(f"chataudit {__version__}")


GC_THRESHOLDS = (50_000, 20, 20)
"""The cycle collector's thresholds for a run of the CLI. Python's (700, 10, 10) collect the
youngest objects after every 700 container allocations; an audit allocates millions of short
tuples, lists and records, nearly none in a cycle, and those collections were 2.6 % of an
audit's instructions (callgrind, 20k bench messages). Cycles are still collected, later."""


def main(argv: Optional[list[str]] = None) -> None:
    """Run the CLI. Usage errors exit 2 (typer); our errors print one line and exit 2."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        code = app(args=argv, prog_name="chataudit", standalone_mode=False)
    except ChatAuditError as exc:
        print(exc.line(), file=sys.stderr)
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing more to say
        sys.exit(0)
    except Exception as exc:  # a bug: one line, never a traceback, unless debugging
        if _is_a(exc, "NoArgsIsHelpError"):  # a bare `chataudit` or `chataudit policy`: the help
            print(exc.format_message(), file=sys.stderr)
            sys.exit(2)
        if _is_a(exc, "ClickException"):  # the option parser's complaint, as one line
            print(_usage_line(exc), file=sys.stderr)
            sys.exit(2)
        if _is_a(exc, "Abort"):  # Ctrl-C or end of input at a prompt
            sys.exit(130)
        if os.environ.get("CHATAUDIT_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc} — rerun with CHATAUDIT_DEBUG=1 and report it",
              file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


def _is_a(exc: Exception, name: str) -> bool:
    """Typer raises click's exceptions, from click or from its own vendored copy of it
    (typer ≥ 0.20): known by class name, so either works."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _usage_line(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "chataudit"
    return UsageError(exc.format_message().replace("\n", " "), fix=f"see '{command} --help'").line()
