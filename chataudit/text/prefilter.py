"""Literal pre-filters: skip a regex on a text that cannot match it.

Searching a large alternation (every content rule's patterns together, or the advertising
cue families) costs 15–20 µs a message, although nine messages in ten hold none of its
words. Most patterns cannot match without certain literal strings (``折`` for a discount;
``据说``/``听说``… and then ``公司``/``裁员``… for a rumour). ``necessary`` works them out
from the pattern's syntax tree, and ``Prefilter`` looks for all of them with one
Aho–Corasick automaton: a text that lacks them is not searched.

The answer is conservative — every match of a pattern contains one string of each of its
sets — so skipping changes no result. A pattern whose sets cannot be worked out (a
backreference, syntax only the ``regex`` module reads, nothing but ``.*``) makes the filter
answer "maybe" for every text. Literals and text are compared case-folded, which covers what
the patterns' IGNORECASE matches; ``\\d`` stands for any digit of any script.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from itertools import product
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import ahocorasick_rs
import numpy as np
import regex

Strings = frozenset[str]
DIGITS = "\x00"
"""In a set of strings, ``DIGITS + "3"`` stands for three digits in a row, of any script (what
``\\d{3}`` matches), looked for apart from the literals."""
DIGIT = DIGITS + "1"
MAX_STRINGS = 64
"""Alternatives expanded at most this far (a class of 8 characters after one of 8 is 64)."""
MAX_NEEDS = 16
"""An alternation of alternatives that each need several things needs, for each choice of one
need per alternative, their union: kept only while there are at most this many such sets."""
MAX_CLASS = 16
"""A character class of more characters than this is not expanded (``[a-z]`` stays unknown)."""

_REGEX_ONLY = re.compile(r"\\[LXGKmMV]|\[:\^?\w+:\]|\(\?[|VwfberR]|\{(?!\d*,?\d*\})")
"""Syntax that the ``regex`` module reads but the standard library's parser would read
otherwise or not at all (fuzzy ``{e<=1}``, POSIX ``[[:alpha:]]``, named lists, branch reset):
such a pattern gets no filter."""
_PROPERTY = re.compile(r"(?<!\\)((?:\\\\)*)\\[pP](?:\{[^}]*\}|[A-Za-z])")
"""``\\p{Han}``: read as ``\\w``, a class that gives no literal, inside a set or outside."""
_DIGIT_RUNS = re.compile(r"\d+")
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


class _Node:
    """What a piece of a pattern can match: ``exact``, every string it can match when there
    are few (else None); ``needs``, sets of strings such that every match holds one string
    of each set."""

    __slots__ = ("exact", "needs")

    def __init__(self, exact: Strings | None, needs: tuple[Strings, ...] = ()):
        self.exact = exact
        self.needs = needs or tuple(n for n in (_useful(exact),) if n)


def necessary(pattern: str) -> tuple[Strings, ...] | None:
    """Sets of case-folded strings such that every match of ``pattern`` (compiled with
    IGNORECASE) holds one string of each set, or None when none can be worked out."""
    pattern = _PROPERTY.sub(r"\1\\w", pattern)
    if _REGEX_ONLY.search(pattern):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": the regex module reads it the same way
            parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError):
        return None
    return _sequence(list(parsed)).needs or None


def _sequence(items: list) -> _Node:
    """A concatenation: runs of exactly known pieces multiply out; each run and each piece's
    own needs are needs of the whole."""
    needs: list[Strings] = []
    run: Strings | None = frozenset({""})
    exact: Strings | None = frozenset({""})
    for op, av in items:
        node = _node(op, av)
        longer = _times(run, node.exact) if run is not None and node.exact is not None else None
        if longer is None:  # the run ends here: what it matched so far is needed
            needs.extend(n for n in (_useful(run),) if n)
            needs.extend(node.needs)
            longer = node.exact
        exact = _times(exact, node.exact) if exact is not None and node.exact is not None else None
        run = longer
    needs.extend(n for n in (_useful(run),) if n)
    return _Node(exact, tuple(dict.fromkeys(needs)))


def _node(op, av) -> _Node:
    if op is sre.LITERAL:
        return _Node(frozenset({chr(av).casefold()}))
    if op is sre.IN:
        return _class(av)
    if op is sre.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    if op is sre.BRANCH:
        return _branch([_sequence(list(alt)) for alt in av[1]])
    if op in _REPEATS:
        return _repeat(*av)
    if op in _ZERO_WIDTH:
        return _Node(frozenset({""}))
    return _Node(None)  # ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS…


def _class(items) -> _Node:
    chars: set[str] = set()
    digits = False
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av).casefold())
        elif op is sre.RANGE and av[1] - av[0] < MAX_CLASS:
            chars.update(chr(c).casefold() for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            digits = True
        else:
            return _Node(None)  # NEGATE, another category, a wide range
    if len(chars) > MAX_CLASS:
        return _Node(None)
    if digits:
        return _Node(None, (frozenset(chars | {DIGIT}),))
    return _Node(frozenset(chars))


def _repeat(low: int, high: int, sub) -> _Node:
    inner = _sequence(list(sub))
    if low == 0:
        return _Node(inner.exact | {""} if high == 1 and inner.exact is not None else None)
    if inner.needs == ((frozenset({DIGIT}),)) and low > 1:
        return _Node(None, (frozenset({DIGITS + str(low)}),))
    exact = None
    if inner.exact is not None and low == high and len(inner.exact) ** low <= MAX_STRINGS:
        exact = frozenset({""})
        for _ in range(low):
            exact = _times(exact, inner.exact)
    return _Node(exact, inner.needs)


def _branch(alternatives: list[_Node]) -> _Node:
    """One of the alternatives matches: each one's most selective need, together, is needed."""
    exact = None
    if all(a.exact is not None for a in alternatives):
        exact = frozenset().union(*(a.exact for a in alternatives))
        exact = exact if len(exact) <= MAX_STRINGS else None
    if not all(a.needs for a in alternatives):
        return _Node(exact, ())
    choices = 1
    for a in alternatives:
        choices *= len(a.needs)
    if choices > MAX_NEEDS:
        return _Node(exact, (_minimal(frozenset().union(*(min(a.needs, key=_cost) for a in alternatives))),))
    picks = product(*(a.needs for a in alternatives))
    return _Node(exact, tuple(dict.fromkeys(_minimal(frozenset().union(*pick)) for pick in picks)))


def _times(left: Strings, right: Strings) -> Strings | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return frozenset(a + b for a, b in product(left, right))


def _useful(strings: Strings | None) -> Strings | None:
    """A set of strings as a need: useless when it holds the empty string."""
    return None if not strings or "" in strings else _minimal(strings)


def _minimal(strings: Strings) -> Strings:
    """Without the strings that contain another one (一律 is implied by 律)."""
    return frozenset(s for s in strings
                     if s[0] == DIGITS or not any(o != s and o in s for o in strings if o[0] != DIGITS))


def _cost(strings: Strings) -> float:
    """How often a text may hold one of them, roughly: fewer and longer strings are rarer, and
    a digit is commoner than any one character."""
    return sum(3 / int(s[1:]) ** 2 if s[0] == DIGITS else 1 / len(s) ** 2 for s in strings)


_OTHER_DIGIT = regex.compile(r"[^\P{Nd}0-9]")
"""A digit ``\\d`` matches besides 0–9 (the ``regex`` module's Unicode is as new as Python's or newer)."""


def _longest_digit_runs(text: str, ends: np.ndarray) -> np.ndarray:
    """The longest run of digits in each of the joined texts (see ``Prefilter.pairs``): over
    the code points as an array when every digit is ASCII, else run by run."""
    longest = np.zeros(len(ends), dtype=np.int64)
    if _OTHER_DIGIT.search(text):
        runs = np.array([(m.start(), m.end() - m.start()) for m in _DIGIT_RUNS.finditer(text)], dtype=np.int64).reshape(-1, 2)
        starts, lengths = runs[:, 0], runs[:, 1]
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        digit = np.concatenate([[False], (codes >= 48) & (codes <= 57), [False]])
        edges = np.flatnonzero(digit[1:] != digit[:-1])  # run starts and ends, alternately
        starts, lengths = edges[::2], edges[1::2] - edges[::2]
    np.maximum.at(longest, np.searchsorted(ends, starts, side="right"), lengths)
    return longest


def _expand(texts: np.ndarray, words: np.ndarray, first: np.ndarray, pattern: np.ndarray,
            bit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (text, word) found → one (text, pattern, bit) per need of a pattern that word meets."""
    counts = first[words + 1] - first[words]
    at = np.repeat(first[words] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    return np.repeat(texts, counts), pattern[at], bit[at]


class Prefilter:
    """One automaton over the needed strings of several patterns. ``candidates(text)`` is
    the set of the patterns' indexes that may match ``text``; the others cannot. Digit runs
    are measured only for a pattern whose other needs are all there."""

    def __init__(self, patterns: Sequence[str]):
        all_needs = [necessary(pattern) for pattern in patterns]
        self._always = frozenset(i for i, needs in enumerate(all_needs) if needs is None)
        self._full: dict[int, int] = {}  # pattern → the bit mask of all its needs
        self._digits: dict[int, list[tuple[int, int]]] = {}  # pattern → (need bit, digits in a row)
        by_word: dict[str, list[tuple[int, int]]] = {}
        for index, needs in enumerate(all_needs):
            if needs is None:
                continue
            self._full[index] = (1 << len(needs)) - 1
            for bit, need in enumerate(needs):
                runs = [int(word[1:]) for word in need if word[0] == DIGITS]
                if runs:
                    self._digits.setdefault(index, []).append((1 << bit, min(runs)))
                for word in need:
                    if word[0] != DIGITS:
                        by_word.setdefault(word, []).append((index, 1 << bit))
        self._digit_bits = {index: sum(bit for bit, _ in pairs) for index, pairs in self._digits.items()}
        self._by_digits_alone = frozenset(index for index, bits in self._digit_bits.items() if bits == self._full[index])
        words = sorted(by_word)
        self._of_word = [by_word[word] for word in words]
        self._automaton = ahocorasick_rs.AhoCorasick(words) if words else None
        # the same as flat arrays, for many texts at once (``pairs``): word i's (pattern, bit)
        # pairs are _pattern[_first[i]:_first[i + 1]]
        self._first = np.cumsum([0, *map(len, self._of_word)])
        self._pattern = np.array([index for pairs in self._of_word for index, _ in pairs], dtype=np.int64)
        self._bit = np.array([bit for pairs in self._of_word for _, bit in pairs], dtype=np.int64)
        self._needed = np.zeros(len(patterns), dtype=np.int64)
        self._needed[list(self._full)] = list(self._full.values())

    @property
    def always(self) -> bool:
        """Whether some pattern needs nothing: every text may match it."""
        return bool(self._always)

    def pairs(self, text: str, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """``candidates`` of many texts at once, but for the patterns that need nothing
        (``always``): ``text`` holds them joined by a character no pattern needs, text i
        ending at ``ends[i] - 1``. Returns (texts, patterns), the pairs that may match, by text;
        None when case folding changes the length (every pair may then match). One automaton
        search and one search for digit runs over the whole text; each needed string found
        sets its bit of its (text, pattern), and a pair whose bits are all set may match."""
        folded = text.casefold()
        if len(folded) != len(text):
            return None
        found = np.array(self._automaton.find_matches_as_indexes(folded, overlapping=True) if self._automaton else [],
                         dtype=np.int64).reshape(-1, 3)
        texts, patterns, bits = _expand(np.searchsorted(ends, found[:, 1], side="right"), found[:, 0], self._first,
                                        self._pattern, self._bit)
        if self._digits:
            longest = _longest_digit_runs(folded, ends)
            extra = [(np.flatnonzero(longest >= run), index, bit) for index, needs in self._digits.items()
                     for bit, run in needs]
            texts = np.concatenate([texts, *(rows for rows, _, _ in extra)])
            patterns = np.concatenate([patterns, *(np.full(len(rows), index) for rows, index, _ in extra)])
            bits = np.concatenate([bits, *(np.full(len(rows), bit) for rows, _, bit in extra)])
        key = texts * len(self._needed) + patterns
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        if not len(keys):
            return keys, keys
        have = np.bitwise_or.reduceat(bits[order], starts)
        texts, patterns = np.divmod(keys, len(self._needed))
        whole = have == self._needed[patterns]
        return texts[whole], patterns[whole]

    def candidates(self, text: str, measure_digits: bool = True) -> frozenset[int]:
        """``measure_digits=False`` takes every digit run a pattern needs as present: a
        cheaper, larger answer."""
        found = self._automaton.find_matches_as_indexes(text.casefold(), overlapping=True) if self._automaton else ()
        if not found and (not measure_digits or not self._by_digits_alone):
            return self._always | self._by_digits_alone if not measure_digits else self._always  # most texts
        seen: dict[int, int] = {}
        for word, _, _ in found:
            for index, bit in self._of_word[word]:
                seen[index] = seen.get(index, 0) | bit
        longest = -1
        for index, digit_bits in self._digit_bits.items():
            have = seen.get(index, 0)
            if have | digit_bits != self._full[index]:
                continue
            if not measure_digits:
                seen[index] = self._full[index]
                continue
            if longest < 0:
                longest = max(map(len, _DIGIT_RUNS.findall(text)), default=0)
            seen[index] = have | sum(bit for bit, run in self._digits[index] if run <= longest)
        return frozenset(index for index, mask in seen.items() if mask == self._full[index]) | self._always

    def maybe(self, text: str) -> bool:
        """Whether any of the patterns may match ``text``."""
        return bool(self._always or self.candidates(text))
