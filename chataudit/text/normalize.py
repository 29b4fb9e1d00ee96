"""Normalised text, so that trivial variations do not hide a keyword or a repeat.

``normalize`` folds width (ｄｕｂｏ → dubo) and ASCII case, converts traditional characters
to simplified (賭博 → 赌博), removes zero-width and format characters, removes separators
between Chinese characters (赌.博, 赌 博, 赌_博 → 赌博; sentence punctuation such as ，。 is
kept, so two sentences never merge into a word) and collapses a Chinese character repeated
in a row (赌赌博博 → 赌博). It keeps a map back to the original text, so a match shows what
was really written. Lexicon entries go through the same function.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

import numpy as np
import regex

from chataudit.i18n import Text
from chataudit.text.translation import LONG, Translation

# Format characters anywhere; runs of spaces, ASCII punctuation/symbols and format characters
# between two Chinese characters; a Chinese character repeated (the repeats are removed).
# (The standard library's re with explicit ranges: about twice as fast as regex with \p{…} here.)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FORMAT = "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_REMOVABLE = re.compile(
    f"[{_FORMAT}]+"
    f"|(?<=[{_HAN}])[\\s!-/:-@\\[-`{{-~·•・{_FORMAT}]{{1,4}}(?=[{_HAN}])"
    f"|(?<=([{_HAN}]))\\1+"
)
_NOT_LETTERS = regex.compile(r"[^\p{L}\p{N}]+")
SENTENCE_MARKS = frozenset("，！？；：")
"""Full-width punctuation that ends a clause in Chinese: kept as written, so that the separator
removal between Chinese characters (赌.博) never joins two clauses into a word (我们赌，博物馆见)."""
_FORMAT_CHARS = re.compile(f"[{_FORMAT}]")


@cache
def _table() -> dict[int, str]:
    """One length-preserving translation: full width → ASCII (but SENTENCE_MARKS), ASCII upper → lower,
    traditional → simplified (character by character, from OpenCC's t2s)."""
    import opencc

    table = {0xFF01 + i: chr(0x21 + i) for i in range(94) if chr(0xFF01 + i) not in SENTENCE_MARKS}
    table[0x3000] = " "
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(0xFF21, 0xFF3B):  # full-width capitals straight to lower case
        table[code] = chr(code - 0xFF21 + ord("a"))
    chars = [chr(c) for c in range(0x3400, 0x9FFF + 1)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(simplified) == len(chars):
        table.update({ord(t): s for t, s in zip(chars, simplified, strict=True) if t != s and len(s) == 1})
    return table


class Normalized:
    """A normalised text and the way back to the original's offsets."""

    __slots__ = ("original", "text", "_at", "_from")

    def __init__(self, original: str, text: str, at: list[int], came_from: list[int]):
        self.original, self.text = original, text
        self._at, self._from = at, came_from  # kept segments: normalised start → original start

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span a normalised span [start, end) came from."""
        return self._orig(start), self._orig(end - 1) + 1

    def _orig(self, pos: int) -> int:
        i = bisect_right(self._at, pos) - 1
        return self._from[i] + (pos - self._at[i])

    def excerpt(self, start: int, end: int) -> str:
        a, b = self.span(start, end)
        return self.original[a:b]


def normalize(text: str) -> Normalized:
    folded = text.translate(_table())
    if not _REMOVABLE.search(folded):
        return Normalized(text, folded, [0], [0])
    pieces, at, came_from = [], [], []
    pos = length = 0
    for m in _REMOVABLE.finditer(folded):
        if m.start() > pos:
            pieces.append(folded[pos:m.start()])
            at.append(length)
            came_from.append(pos)
            length += m.start() - pos
        pos = m.end()
    if pos < len(folded) or not pieces:
        pieces.append(folded[pos:])
        at.append(length)
        came_from.append(pos)
    return Normalized(text, "".join(pieces), at, came_from)


def folded_text(text: str) -> str:
    """``normalize``'s first step alone: width, case and 繁→简 folded, one character for one."""
    return _folding()(text)


@cache
def _folding() -> Translation:
    return Translation(_table())


def normalized_text(folded: str) -> str:
    """``normalize(text).text`` from ``folded_text(text)``, without the way back. Texts joined
    by "\\x00" come out joined by it, each as if alone: the folding table leaves it, and none of
    the removals reaches across it (it is neither Chinese, a separator nor a format character).
    A long text (a batch's texts joined) goes through ``_removed_by_array``."""
    return _REMOVABLE.sub("", folded) if len(folded) < LONG else _removed_by_array(folded)


def _removed_by_array(folded: str) -> str:
    """``_REMOVABLE.sub("", folded)`` over the code points as an array, three times faster on a
    batch. The regex scans left to right; what it removes, read off its three branches:
    every format character (its own branch, or inside a separator run); a separator run of
    one to four characters between two Chinese characters, unless it starts with a format
    character (that branch then takes only the format characters, and the lookbehind of the
    separator branch sees one, not a Chinese character); and each Chinese character equal to
    the one before it. Lookarounds read the text as written, so removals do not chain."""
    points = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _classes()[points & 0xFFFF]
    classes[points >= 0x10000] = 0
    is_han, is_fmt, is_sep = (classes & _HAN_BIT) > 0, (classes & _FORMAT_BIT) > 0, (classes & _SEP_BIT) > 0
    gone = is_fmt.copy()
    gone[1:] |= is_han[1:] & (points[1:] == points[:-1])
    edges = np.flatnonzero(np.diff(np.concatenate([[False], is_sep, [False]]).astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    inner = (starts > 0) & (ends < len(points)) & (ends - starts <= 4)
    starts, ends = starts[inner], ends[inner]
    between = is_han[starts - 1] & is_han[ends] & ~is_fmt[starts]
    cover = np.zeros(len(points) + 1, dtype=np.int8)  # runs are apart: no start is another's end
    cover[starts[between]] = 1
    cover[ends[between]] = -1
    gone |= np.cumsum(cover[:-1], dtype=np.int8) > 0
    return points[~gone].tobytes().decode("utf-32-le", "surrogatepass")


_HAN_BIT, _FORMAT_BIT, _SEP_BIT = 1, 2, 4


@cache
def _classes() -> np.ndarray:
    """_REMOVABLE's character classes as bits, for each character of the Basic Multilingual Plane
    (none reaches beyond it): Chinese, format, separator (``\\s``, ASCII punctuation, ·•・, format)."""
    classes = np.zeros(0x10000, dtype=np.uint8)

    def add(ranges: str, bit: int) -> None:
        for m in re.finditer(r"(.)-(.)|(.)", ranges, re.DOTALL):
            lo, hi = (m[1], m[2]) if m[1] else (m[3], m[3])
            classes[ord(lo):ord(hi) + 1] |= bit

    add(_HAN, _HAN_BIT)
    add(_FORMAT, _FORMAT_BIT)
    add("!-/:-@[-`{-~·•・" + _FORMAT, _SEP_BIT)
    classes[[c for c in range(0x10000) if chr(c).isspace()]] |= _SEP_BIT
    return classes


@dataclass(frozen=True, slots=True)
class Step:
    """One step of ``normalize`` as ``chataudit explain`` shows it: the text after it, and
    what it changed (before → after, in order)."""

    name: Text
    text: str
    changes: tuple[tuple[str, str], ...]


_FOLDS = (
    (Text("全角转半角", "full width to half width"), lambda ch: 0xFF01 <= ord(ch) <= 0xFF5E or ch == "\u3000"),
    (Text("英文转小写", "upper case to lower case"), lambda ch: "A" <= ch <= "Z"),
    (Text("繁体转简体", "traditional to simplified"), lambda ch: ord(ch) >= 0x3400),
)
_REMOVALS = (Text("删除零宽/格式字符", "zero-width and format characters removed"),
             Text("删除汉字间的分隔符", "separators between Chinese characters removed"),
             Text("折叠重复的汉字", "repeated Chinese characters folded"))


def normalize_steps(text: str) -> list[Step]:
    """What each part of ``normalize`` did to ``text``; the last step's text is exactly
    ``normalize(text).text``. Folding is one table and removal one pass; this sorts their
    effects into the steps a person recognises."""
    table = _table()
    steps, current = [], text
    for name, belongs in _FOLDS:
        changes = tuple((ch, _fold(ch, table)) for ch in dict.fromkeys(current) if belongs(ch) and _fold(ch, table) != ch)
        current = current.translate({ord(a): b for a, b in changes})
        steps.append(Step(name, current, changes))
    removed = [(m.start(), m.end(), _kind_of_removal(current, m)) for m in _REMOVABLE.finditer(current)]
    for kind, name in enumerate(_REMOVALS):
        gone = [(a, b) for a, b, k in removed if k <= kind]
        after = "".join(ch for i, ch in enumerate(current) if not any(a <= i < b for a, b in gone))
        changes = tuple((current[a:b], "") for a, b, k in removed if k == kind)
        steps.append(Step(name, after, changes))
    return steps


def _fold(ch: str, table: dict[int, str]) -> str:
    """A character through the folding table; a full-width capital stops at its ASCII capital
    here (the table takes it straight to lower case), so the case step shows it too."""
    if 0xFF21 <= ord(ch) <= 0xFF3A:
        return chr(ord(ch) - 0xFF21 + ord("A"))
    return table.get(ord(ch), ch)


def _kind_of_removal(text: str, m: re.Match) -> int:
    """Which of _REMOVALS a match of _REMOVABLE is: 0 format characters, 1 separators, 2 repeats."""
    if m[1] is not None:
        return 2
    return 0 if all(_FORMAT_CHARS.match(ch) for ch in m[0]) else 1


def letters_only(folded: str) -> str:
    return _NOT_LETTERS.sub("", folded)


_NOT_LETTERS_OR_NUL = regex.compile(r"[^\p{L}\p{N}\x00]+")


def letters_of_joined(folded: str) -> list[str]:
    """``letters_only`` of each of several texts joined by "\\x00" (not a letter), in one pass."""
    return _NOT_LETTERS_OR_NUL.sub("", folded).split("\x00")


_HAN_OR_PUNCT = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]|[\p{P}\p{S}]")
_WORD = regex.compile(r"\p{N}+(?:[,.]\p{N}+)+|[\p{Latin}\p{N}]+(?:['’.-][\p{Latin}\p{N}]+)*")  # 1,200 is one
URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"'，。！？、）】]+", regex.IGNORECASE)


def count_zi(text: str) -> int:
    """Length as a Chinese reader counts 字 (like a word processor's 字数): each CJK
    character or punctuation mark is one, each run of Latin letters or digits is one;
    spaces and links are not counted."""
    text = URL.sub(" ", text)
    words = _WORD.findall(text)
    rest = _WORD.sub(" ", text)
    return len(words) + len(_HAN_OR_PUNCT.findall(rest))
