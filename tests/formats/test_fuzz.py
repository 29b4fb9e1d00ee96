"""Random and truncated bytes through every parser: records or a clear InputError, never a
crash, and the line accounting always adds up. A longer run: see docs/formats.md."""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chataudit.errors import InputError
from chataudit.jobs.inputs import open_input
from chataudit.records import Event, Message, Unparsed
from tests.formats.test_formats import FIXTURES
from tests.timeline import SHANGHAI

EXAMPLES = int(os.environ.get("CHATAUDIT_FUZZ_EXAMPLES", "40"))
FILE_FORMATS = [fmt for fmt, path in FIXTURES.items() if path.is_file()
                and fmt in os.environ.get("CHATAUDIT_FUZZ_FORMATS", fmt).split(",")]  # a long run can split them
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes, fmt: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            opened = open_input(path, fmt, SHANGHAI, None)
            records = list(opened.records())
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("input error:")
            return
        stats = opened.stats
        assert stats.messages == sum(isinstance(r, Message) for r in records)
        assert stats.events == sum(isinstance(r, Event) for r in records)
        assert stats.unparsed_lines == sum(isinstance(r, Unparsed) for r in records)
        for record in records:
            line = record.loc.line
            assert line is None or 1 <= line <= max(stats.lines, 1), (line, stats.lines)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(fmt, data):
    check(data, fmt, FIXTURES[fmt].name)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@FUZZ
@given(cut=st.floats(min_value=0, max_value=1), noise=st.binary(max_size=40))
def test_truncated_and_noisy_fixtures(fmt, cut, noise):
    data = FIXTURES[fmt].read_bytes()
    at = int(len(data) * cut)
    check(data[:at] + noise, fmt, FIXTURES[fmt].name)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
@FUZZ
@given(lines=st.lists(st.integers(min_value=0, max_value=200), max_size=30))
def test_shuffled_and_duplicated_lines(fmt, lines):
    source = FIXTURES[fmt].read_bytes().split(b"\n")
    picked = b"\n".join(source[i % len(source)] for i in lines)
    check(picked, fmt, FIXTURES[fmt].name)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_sniffing_random_text_never_crashes(fmt):
    check(FIXTURES[fmt].read_bytes()[:50], "auto", FIXTURES[fmt].name)
