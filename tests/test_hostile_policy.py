"""Hostile or mistaken policies, lexicons and rosters (issue 15, items 4 and 12): every case
ends in one line naming the file (and the dotted key), fast, or — a name that makes a naming
regex backtrack — in a finding about that name while the run goes on."""

import json
import os
import time

import pytest

from chataudit.errors import PolicyError
from chataudit.policy.load import load_policy
from chataudit.rules.registry import build_rules
from tests.conftest import SAMPLE
from tests.test_hostile import one_line_error

CATASTROPHIC = r"(?:\\p{Han}|\\p{Han}{2})+"  # as written in TOML: (?:\p{Han}|\p{Han}{2})+
NAME = "销售部-" + "张" * 46 + "!"  # 46 characters of backtracking, then a mismatch


def quick(cli, *args, limit=60, **kwargs):
    start = time.monotonic()
    result = cli(*args, **kwargs)
    assert time.monotonic() - start < limit, "took too long"
    return result


# ---- paths that are not regular files -----------------------------------------------------------

@pytest.fixture
def odd(tmp_path):
    """A named pipe (nobody writes to it: reading it would block for ever), a folder and a device."""
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "folder.toml").mkdir()
    return {"pipe": "pipe.toml", "folder": "folder.toml", "device": "/dev/zero"}


@pytest.mark.parametrize(("kind", "said"), [("pipe", "a named pipe"), ("folder", "a folder"), ("device", "a device")])
def test_a_policy_path_that_is_not_a_regular_file(cli, odd, kind, said):
    one_line_error(quick(cli, "audit", SAMPLE, "--policy", odd[kind]), odd[kind], said, "not a regular policy file")


@pytest.mark.parametrize(("kind", "said"), [("pipe", "a named pipe"), ("folder", "a folder"), ("device", "a device")])
def test_a_lexicon_path_that_is_not_a_regular_file(cli, tmp_path, odd, kind, said):
    (tmp_path / "p.toml").write_text(f'[lexicons]\nfiles = {{gambling = "{odd[kind]}"}}\n', encoding="utf-8")
    one_line_error(quick(cli, "audit", SAMPLE, "--policy", "p.toml"), said, "not a regular lexicon file")


@pytest.mark.parametrize("name", ["porn.txt", "malicious_domains.txt"])  # a lexicon, the link domain deny-list
def test_a_named_pipe_inside_the_lexicon_folder(cli, tmp_path, name):
    (tmp_path / "lex").mkdir()
    (tmp_path / "lex" / "gambling.txt").write_text("赌博\n", encoding="utf-8")
    os.mkfifo(tmp_path / "lex" / name)
    (tmp_path / "p.toml").write_text('[lexicons]\ndir = "lex"\n', encoding="utf-8")
    one_line_error(quick(cli, "audit", SAMPLE, "--policy", "p.toml"), name, "a named pipe")


@pytest.mark.parametrize(("kind", "said"), [("pipe", "a named pipe"), ("folder", "a folder"), ("device", "a device")])
def test_a_roster_path_that_is_not_a_regular_file(cli, tmp_path, odd, kind, said):
    (tmp_path / "p.toml").write_text(f'[membership]\nroster = "{odd[kind]}"\n', encoding="utf-8")
    one_line_error(quick(cli, "audit", SAMPLE, "--policy", "p.toml"), said, "not a regular file")
    (tmp_path / "list.txt").write_text("销售部-张三\n", encoding="utf-8")
    one_line_error(quick(cli, "members", "list.txt", "--roster", odd[kind]), said, "not a regular file")
    one_line_error(quick(cli, "members", odd[kind]), said, "not a regular file")


def test_an_oversized_policy_is_refused_before_it_is_read(cli, tmp_path):
    with (tmp_path / "big.toml").open("wb") as fh:
        fh.truncate(5 * 1024 * 1024)  # sparse: 5 MiB of NUL that would all be parsed
    one_line_error(quick(cli, "audit", SAMPLE, "--policy", "big.toml"), "big.toml", "policy file too large")


# ---- values ---------------------------------------------------------------------------------------

def _error(tmp_path, text: str) -> str:
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(PolicyError) as info:
        build_rules(load_policy(tmp_path / "bad.toml"))
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert "bad.toml" in message and "\n" not in message and len(message) < 400, message
    return message


@pytest.mark.parametrize(("text", "expected"), [
    # nesting too deep for the TOML parser, and deep nesting it parses
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("a = " + "{b=" * 2000 + "1" + "}" * 2000 + "\n", "nested too deeply"),
    ("[rules.M101]\nexempt = " + "[" * 40 + "]" * 40 + "\n", "rules.M101.exempt.0.0.0"),
    # the keys every rule has
    ('[rules.C401]\nseverity = ["error"]\n', "rules.C401.severity: expected info, warning or error, got an array"),
    ('[rules.C401]\nseverity = "fatal"\n', "rules.C401.severity: expected info, warning or error, got 'fatal'"),
    ("[rules.C401]\nenabled = 1\n", "rules.C401.enabled: expected true or false"),
    ("[rules.C401]\nclause = {a = 1}\n", "rules.C401.clause: expected a string"),
    # durations
    ('[rules.R201]\nwindow = "99999999999d"\n', "rules.R201.window: '99999999999d' is longer than the limit of 366d"),
    ('[rules.R201]\nwindow = "' + "9" * 400 + 's"\n', "rules.R201.window"),
    ('[rules.S301]\nthresholds = [[5, "400d"]]\n', "rules.S301.thresholds.0.1"),
    # numbers that are not finite, or absurd
    ("[penalties.C401]\nfine = inf\n", "penalties.C401.fine: expected a finite number, got inf"),
    ("[penalties.C401]\nfine = nan\n", "penalties.C401.fine: expected a finite number, got nan"),
    ("[penalties.C401]\nfine = 1e300\n", "penalties.C401.fine"),
    ("[rules.S307]\nmin_amount = -inf\n", "rules.S307.min_amount: expected a finite number"),
    # naming patterns: plain {part} placeholders only (a format spec is a memory bomb in str.format)
    ('[rules.M101]\npattern = "{name:>999999999}"\n', "rules.M101.pattern: only plain placeholders"),
    ('[rules.M101]\npattern = "{dept!r}-{name}"\n', "rules.M101.pattern: only plain placeholders"),
    ('[rules.M101]\npattern = ["{dept}-{name}", "{{name}}"]\n', "rules.M101.pattern: only plain placeholders"),
    ('[rules.M101]\npattern = "{dept}-{name}}"\n', "rules.M101.pattern: only plain placeholders"),
])
def test_hostile_values_are_one_line_errors_with_the_dotted_key(tmp_path, text, expected):
    assert expected in _error(tmp_path, text)


def test_the_limits_leave_ordinary_values_alone(tmp_path):
    (tmp_path / "p.toml").write_text('[rules.R201]\nwindow = "366d"\n[penalties.C401]\nfine = 50.5\n'
                                     '[rules.M101]\npattern = ["{dept}-{name}", "{center}{name}"]\nseverity = "error"\n',
                                     encoding="utf-8")
    rules = {r.id: r for r in build_rules(load_policy(tmp_path / "p.toml"))}
    assert rules["R201"].options.window.days == 366 and rules["M101"].severity == "error"


def test_a_pyproject_whose_table_is_not_a_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool]\nchataudit = 5\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="expected a table of settings"):
        load_policy(cwd=tmp_path)
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n', encoding="utf-8")
    assert load_policy(cwd=tmp_path).source == "policies/default.toml"


def test_infinity_never_reaches_a_report(cli, tmp_path):
    (tmp_path / "p.toml").write_text("[penalties.T501]\nfine = inf\n", encoding="utf-8")
    result = quick(cli, "audit", SAMPLE, "--policy", "p.toml", "--output", "sarif")
    one_line_error(result, "penalties.T501.fine")
    assert "Infinity" not in result.out


# ---- a naming regex that backtracks catastrophically ----------------------------------------------

def _redos_policy(tmp_path):
    (tmp_path / "p.toml").write_text(f'[rules.M101]\npattern = "{{dept}}-{{name}}"\nparts = {{name = "{CATASTROPHIC}"}}\n',
                                     encoding="utf-8")


def test_a_catastrophic_naming_regex_in_audit_is_a_finding_not_a_hang(cli, tmp_path):
    _redos_policy(tmp_path)
    (tmp_path / "x.txt").write_text(f"2023-10-09 08:00:00 {NAME}\n你好\n\n2023-10-09 08:01:00 小王\n好\n\n"
                                    "2023-10-09 08:02:00 销售部-张三\n好\n\n", encoding="utf-8")
    result = quick(cli, "audit", "x.txt", "--policy", "p.toml", "--select", "M101", "--output", "json")
    assert result.code == 0 and "Traceback" not in result.err, result.err  # warnings only
    found = {v["sender"]: v["message"] for v in json.loads(result.out)["violations"]}
    assert set(found) == {NAME, "小王"}  # 销售部-张三 still matches; the run went on after the slow name
    assert "未能按命名规则" in found[NAME] and "(?:\\p{Han}|\\p{Han}{2})+" in found[NAME] and "0.25" in found[NAME]


def test_a_catastrophic_naming_regex_in_members_is_a_finding_not_a_hang(cli, tmp_path):
    _redos_policy(tmp_path)
    (tmp_path / "list.txt").write_text(f"{NAME}\n{NAME}?\n销售部-张三\n", encoding="utf-8")
    result = quick(cli, "members", "list.txt", "--policy", "p.toml", "--output", "json")
    assert result.code == 0 and "Traceback" not in result.err, result.err  # warnings only
    report = json.loads(result.out)
    assert sorted(v["sender"] for v in report["violations"]) == [NAME, f"{NAME}?"]
    assert not report.get("fixes")  # nothing to rename to: the name could not be checked


@pytest.mark.parametrize("name", ["chataudit.toml", "pyproject.toml"])
def test_a_discovered_policy_that_is_not_a_regular_file_is_not_skipped(tmp_path, name):
    """A pipe or folder named chataudit.toml used to be passed over for the bundled default,
    so the audit ran under a policy nobody chose."""
    os.mkfifo(tmp_path / name)
    start = time.monotonic()
    with pytest.raises(PolicyError, match=f"{name}: a named pipe, not a regular policy file"):
        load_policy(cwd=tmp_path)
    assert time.monotonic() - start < 5
    (tmp_path / name).unlink()
    (tmp_path / name).symlink_to(tmp_path / "nowhere.toml")
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(cwd=tmp_path)


@pytest.mark.parametrize("pattern", ["[]", "5", "[5]"])
def test_a_naming_pattern_of_the_wrong_shape_is_a_policy_error(tmp_path, pattern):
    assert "rules.M101.pattern" in _error(tmp_path, f"[rules.M101]\npattern = {pattern}\n")
