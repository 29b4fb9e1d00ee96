"""Every export under tests/fixtures/ parses to exactly its expected records.

The fixtures follow what each exporter's source writes (see each folder's README), so this is
the oracle for reading real files; tests/fixtures/README.md says how a fixture is laid out."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chataudit.formats.base import InputOptions
from chataudit.jobs.parse import parse_lines

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path("tests/fixtures")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fixtures() -> list[tuple[Path, Path]]:
    found = []
    for expected in sorted((ROOT / FIXTURES).glob("*/*.expected.jsonl")):
        stem = expected.name[: -len(".expected.jsonl")]
        inputs = [p for p in expected.parent.iterdir()
                  if (p.name == stem or p.stem == stem) and not p.name.startswith(stem + ".expected")
                  and not p.name.endswith(".options.json")]
        assert len(inputs) == 1, f"{expected}: expected exactly one input named {stem}.*, found {inputs}"
        found.append((inputs[0].relative_to(ROOT), expected.relative_to(ROOT)))
    return found


FIXTURE_PAIRS = _fixtures()


def test_every_format_folder_has_a_readme_and_fixtures():
    folders = [p for p in (ROOT / FIXTURES).iterdir() if p.is_dir()]
    assert folders, "no real-layout fixtures"
    for folder in folders:
        assert (folder / "README.md").is_file(), f"{folder} has no README naming its source"
        assert list(folder.glob("*.expected.jsonl")), f"{folder} has no fixture with expected records"


@pytest.mark.parametrize(("export", "expected"), FIXTURE_PAIRS, ids=[str(e) for e, _ in FIXTURE_PAIRS])
def test_fixture_parses_to_its_expected_records(export: Path, expected: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    options_file = export.parent / (expected.name[: -len(".expected.jsonl")] + ".options.json")
    opts = json.loads(options_file.read_text(encoding="utf-8")) if options_file.exists() else {}
    options = InputOptions(names=opts.get("names", {}), date_order=opts.get("date_order"))
    got = list(parse_lines(export, opts.get("format", "auto"), SHANGHAI, opts.get("group"), options))
    want = expected.read_text(encoding="utf-8").splitlines()
    for number, (g, w) in enumerate(zip(got, want), 1):
        assert json.loads(g) == json.loads(w), f"{expected}:{number}"
    assert len(got) == len(want), f"{export}: {len(got)} records, expected {len(want)}"
