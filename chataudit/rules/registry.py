"""Build the configured rule instances from the registered rule classes and a policy."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from chataudit.errors import PolicyError, UsageError
from chataudit.findings import Severity
from chataudit.plugins import load_group
from chataudit.policy.load import LoadedPolicy, bundled_policies_dir, policy_error
from chataudit.safefile import read_regular
from chataudit.text.lexicon import DOMAINS_FILE, LEXICON_BYTES, Entry, Matcher, read_lexicon, read_lexicon_folder
from chataudit.roster import Roster, read_roster
from chataudit.rules.base import Rule, RuleContext
from chataudit.rules.custom import CustomRule

COMMON_KEYS = ("enabled", "severity", "clause")


def rule_classes() -> dict[str, type[Rule]]:
    return load_group("chataudit.rules")


def select_ids(known: list[str], select: list[str] | None, ignore: list[str] | None) -> set[str]:
    """ruff-style selection: full ids or prefixes ("T5", "M"); ignore wins over select."""

    def expand(codes: list[str], option: str) -> set[str]:
        chosen: set[str] = set()
        for code in codes:
            hits = {rid for rid in known if rid.startswith(code.strip().upper())}
            if not hits:
                raise UsageError(f"{option} {code!r} matches no rule", fix="`chataudit rules` lists the rule ids")
            chosen |= hits
        return chosen

    picked = expand(select, "--select") if select else set(known)
    return picked - (expand(ignore, "--ignore") if ignore else set())


def build_rules(loaded: LoadedPolicy, select: list[str] | None = None,
                ignore: list[str] | None = None, roster: Roster | None = None) -> list[Rule]:
    """Fresh rule instances sharing one RuleContext (``rules[0].ctx``). The roster is the one
    given, else the policy's [membership] roster (read here, relative to the policy file)."""
    classes = rule_classes()
    policy = loaded.policy
    custom_ids = _custom_ids(loaded, classes)
    for rid in policy.rules:
        if rid not in classes:
            raise PolicyError(f"rules.{rid}: unknown rule id", where=loaded.source,
                              fix=f"use one of {', '.join(classes)}")
    for rid in policy.penalties:
        if rid not in classes and rid not in custom_ids:
            raise PolicyError(f"penalties.{rid}: unknown rule id", where=loaded.source,
                              fix=f"use one of {', '.join([*classes, *custom_ids])}")
    if roster is None and policy.membership.roster:
        roster = read_roster(loaded.base_dir / policy.membership.roster)
    pattern = _first_pattern(policy.rules.get("M101", {}).get("pattern"))
    matcher, bad_domains = content_matcher(loaded)
    ctx = RuleContext(roles=policy.roles, tz=policy.tz, roster=roster,
                      required_roles=tuple(policy.membership.required_roles),
                      name_pattern=pattern,
                      matcher=matcher, bad_domains=bad_domains)
    wanted = select_ids([*classes, *custom_ids], select, ignore)
    rules: list[Rule] = []
    for rid, cls in classes.items():
        settings = dict(policy.rules.get(rid, {}))
        enabled, severity, clause = _common(settings, rid, loaded.source)
        try:
            options = cls.Options.model_validate(settings)
        except ValidationError as exc:
            raise policy_error(exc, loaded.source, prefix=("rules", rid)) from None
        if enabled and rid in wanted:
            rules.append(cls(options, ctx, severity=severity, clause=clause))
    rules += [CustomRule(spec, ctx) for spec in policy.custom if spec.id in wanted]
    return rules


def _first_pattern(value: object) -> str:
    """The naming pattern a fix list spells names with: the first of M101's patterns. A value
    of the wrong shape falls back to the default here; M101's own options check reports it."""
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else "{dept}-{name}"


def _custom_ids(loaded: LoadedPolicy, classes: dict[str, type[Rule]]) -> list[str]:
    """The ids of the policy's own rules, each new: not a built-in's, not another's."""
    seen: list[str] = []
    for number, spec in enumerate(loaded.policy.custom):
        if spec.id in classes or spec.id in seen:
            raise PolicyError(f"custom.{number}.id: {spec.id} is already the id of {'a built-in rule' if spec.id in classes else 'another custom rule'}",
                              where=loaded.source, fix="give each custom rule its own X-number, e.g. X901")
        seen.append(spec.id)
    return seen


def custom_rules(loaded: LoadedPolicy) -> list[CustomRule]:
    """The policy's own rules, for the catalogue (``chataudit rules``)."""
    return [rule for rule in build_rules(loaded) if isinstance(rule, CustomRule)]


_MATCHERS: dict[str, tuple[Matcher, frozenset[str]]] = {}


def content_matcher(loaded: LoadedPolicy) -> tuple[Matcher, frozenset[str]]:
    """One automaton over every lexicon the policy uses, and the deny-listed link domains;
    built once per policy and shared by every input of the run."""
    settings = loaded.policy.lexicons
    key = f"{loaded.base_dir}|{settings.model_dump_json()}"
    if key not in _MATCHERS:
        folder = (loaded.base_dir / settings.dir) if settings.dir else bundled_policies_dir() / "lexicons"
        if not folder.is_dir():
            raise PolicyError("lexicon folder not found", where=str(folder), fix="check [lexicons] dir")
        entries = read_lexicon_folder(folder)
        for category, name in settings.files.items():
            entries += read_lexicon(loaded.base_dir / name, category)
        for category, phrases in settings.extra.items():
            entries += [Entry(category, p.lstrip("!").strip(), p.startswith("!")) for p in phrases if p.strip()]
        bad = _deny_listed_domains(folder / DOMAINS_FILE)
        _MATCHERS[key] = (Matcher(entries, pinyin=settings.pinyin, homophones=settings.homophones), bad)
    return _MATCHERS[key]


def _common(settings: dict, rid: str, source: str) -> tuple[bool, Severity | None, str | None]:
    enabled = settings.pop("enabled", True)
    severity = settings.pop("severity", None)
    clause = settings.pop("clause", None)
    if not isinstance(enabled, bool):
        raise PolicyError(f"rules.{rid}.enabled: expected true or false", where=source)
    if severity is not None and severity not in set(Severity):
        raise PolicyError(f"rules.{rid}.severity: expected info, warning or error, got {severity!r}", where=source)
    if clause is not None and not isinstance(clause, str):
        raise PolicyError(f"rules.{rid}.clause: expected a string", where=source)
    return enabled, Severity(severity) if severity else None, clause


def _deny_listed_domains(path: Path) -> frozenset[str]:
    """The lexicon folder's link domain deny-list, read like every policy file (a regular file
    of sane size: a FIFO by that name must not hang the run)."""
    if not path.exists():
        return frozenset()
    text = read_regular(path, limit=LEXICON_BYTES, what="domain list", error=PolicyError,
                        fix="check the file under [lexicons] dir").decode("utf-8-sig", errors="replace")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))
