"""Fixtures of the format tests."""

import pytest

from chataudit.formats import encoding

SHORT_LINE = 50


@pytest.fixture
def short_lines(monkeypatch):
    """Lines longer than ``SHORT_LINE`` characters are capped, for the block reader and ``iter_lines`` alike."""
    monkeypatch.setattr(encoding, "MAX_LINE", SHORT_LINE)
