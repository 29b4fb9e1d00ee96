"""``report.base.indented``, the indented JSON writer of report rows, against ``json.dumps``:
the same text for any plain JSON data, and json.dumps's own answer for anything else."""

import json
from enum import IntEnum

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from chataudit.report.base import indented, json_text

TEXT = st.text(st.characters(blacklist_categories=()))  # surrogates, controls, separators included
SCALARS = st.none() | st.booleans() | st.integers() | st.integers(min_value=2**64) | st.floats() | TEXT
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=30)


@settings(max_examples=500)
@given(value=DATA, indent=st.integers(0, 4))
def test_plain_data_is_written_as_json_dumps_writes_it(value, indent):
    assert indented(value, " " * indent) == json.dumps(value, ensure_ascii=False, indent=indent)


class Level(IntEnum):
    HIGH = 2


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {None: 1}}, [Level.HIGH], {"a": {"b": object()}}],
                         ids=["int key", "null key", "int enum", "object"])
def test_anything_else_is_left_to_json_dumps(value):
    with pytest.raises(TypeError):
        indented(value, "  ")
    try:
        expected = json.dumps(value, ensure_ascii=False, indent=2)
    except TypeError as exc:
        with pytest.raises(TypeError, match=str(exc)):
            json_text(value, indent=2)
    else:
        assert json_text(value, indent=2) == expected


UNSAFE = regex.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


@given(value=DATA)
def test_what_a_terminal_acts_on_is_escaped_in_every_string(value):
    """The escaping of json_text (its class of code points now compiled by ``re``) against the
    same class in ``regex``, over text with every kind of character."""
    expected = UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(value, ensure_ascii=False, indent=2))
    assert json_text(value, indent=2) == expected
