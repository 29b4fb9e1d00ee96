"""Word boundaries, from jieba, for the lexicon hits that need them.

A short lexicon entry (two characters) is often the seam of two ordinary words: 传教 in
宣传教育 (宣传 | 教育). A hit by sound is worse: 石材, 食材 and 市财政局 all sound like 时时彩.
So such hits are checked against the words of the message (jieba, dictionary only, no HMM
guessing), and only those messages are segmented: jieba and its dictionary load on the
first one (about a second), never for a message without such a hit.
"""

from __future__ import annotations

import logging
import warnings
from functools import cache


@cache
def _tokenizer():
    with warnings.catch_warnings():  # jieba imports pkg_resources, which newer setuptools deprecates noisily
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" chatter on stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokens(text: str) -> list[tuple[int, int]]:
    """The spans of the words of a text as jieba cuts it (dictionary only), covering it."""
    spans, pos = [], 0
    for word in _tokenizer().cut(text, HMM=False):
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def cuts_a_word(spans: list[tuple[int, int]], start: int, end: int, *, affix: bool) -> bool:
    """Whether [start, end) cuts a word: covers only part of it, 传教 in 宣传教育. With ``affix``,
    a span at the start or end of a longer word is whole (机密 in 机密文件)."""
    for a, b in spans:
        if a >= end or b <= start or (start <= a and b <= end):
            continue
        if affix and a <= start and end <= b and (a == start or b == end):
            continue
        return True
    return False
