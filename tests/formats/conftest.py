"""Fixtures of the format tests."""

import pytest

from chataudit.formats import encoding, wechat_txt

SHORT_LINE = 50


@pytest.fixture
def short_lines(monkeypatch):
    """Lines longer than ``SHORT_LINE`` characters are capped, in the block reader and in ``iter_lines``."""
    monkeypatch.setattr(encoding, "MAX_LINE", SHORT_LINE)
    monkeypatch.setattr(wechat_txt, "MAX_LINE", SHORT_LINE)
