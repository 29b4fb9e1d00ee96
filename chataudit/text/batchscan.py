"""The content rules' first step over a whole batch (``Rule.select``): which messages may hold
anything for them. The batch's texts are joined by "\\x00", normalised with one translation and
one removal pass, and each automaton (lexicon entries, by letters and by sound; the content
patterns' needed strings; the spam cues'; the abuse model's gate) runs once over the joined
text; each match is mapped back to its message with one sorted search. Every answer here is
"may": a message picked is then judged by the rules' own code, one at a time, and a message
not picked provably holds nothing they could report."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property

import numpy as np
import regex

from chataudit.columns import Batch
from chataudit.text.normalize import folded_text, letters_of_joined, normalized_text
from chataudit.text.prefilter import Prefilter

SEP = "\x00"
_DOTS = re.compile(r"\.+")
PERSONAL_SHAPE = regex.compile(r"@|\d(?:[- ]?\d){10}")
"""In folded text, where any personal data text/pii.py finds must be: an e-mail's "@", or the
eleven digits a mobile number has at least (ID and card numbers have more)."""


def by_row(pairs: tuple[np.ndarray, np.ndarray]) -> Iterator[tuple[int, list[int]]]:
    """``ContentScan.may_match``'s pairs as (row, the patterns that may match there), row by row."""
    rows, patterns = pairs
    starts = np.flatnonzero(np.diff(rows, prepend=-1))
    return zip(rows[starts].tolist(), (group.tolist() for group in np.split(patterns, starts[1:])))


class ContentScan:
    """One batch's texts, joined and normalised, and where things occur in them. A text that
    itself holds "\\x00" cannot be joined: it is left out of the scan and counts as a hit
    everywhere (``unsafe``)."""

    def __init__(self, batch: Batch):
        texts = batch.texts
        self.unsafe = np.fromiter((SEP in t for t in texts), dtype=bool, count=len(texts))
        if self.unsafe.any():
            texts = ["" if bad else t for t, bad in zip(texts, self.unsafe.tolist(), strict=True)]
        self.folded = folded_text(SEP.join(texts))
        self.norm = normalized_text(self.folded)
        self.pieces = self.norm.split(SEP)
        """Each text normalised (``normalize(text).text``); "" for an unsafe one."""
        self.norm_length = np.fromiter(map(len, self.pieces), dtype=np.int64, count=len(texts))
        self._raw_ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
        self.norm_ends = np.cumsum(self.norm_length + 1)
        """Where each normalised text ends in ``norm``, its separator included."""

    @cached_property
    def letters(self) -> list[str]:
        """Each text's normalised form with its letters and digits only (``letters_only``)."""
        return letters_of_joined(self.norm)

    def rows(self, positions: Iterable[int] | None, *, raw: bool = False) -> np.ndarray:
        """A mask of the texts these positions of the joined text fall in (every text for None),
        the unsafe ones always included."""
        if positions is None:
            return np.ones(len(self.unsafe), dtype=bool)
        mask = self.unsafe.copy()
        found = np.fromiter(positions, dtype=np.int64)
        mask[np.searchsorted(self._raw_ends if raw else self.norm_ends, found, side="right")] = True
        return mask

    def may_match(self, patterns: Prefilter) -> tuple[np.ndarray, np.ndarray] | None:
        """``Prefilter.pairs`` over the normalised texts: (rows, patterns) that may match, by
        row, or None when any may (some pattern needs nothing, or folding shifts positions).
        The unsafe rows are not in the pairs: they are every rule's candidates anyway."""
        return None if patterns.always else patterns.pairs(self.norm, self.norm_ends)

    def links(self, batch: Batch) -> np.ndarray:
        """Texts with a dot (links are looked for only there) or a message with its own URL."""
        urls = np.fromiter((url is not None for url in batch.urls), dtype=bool, count=len(batch))
        return self.rows(m.start() for m in _DOTS.finditer(self.norm)) | urls

    def personal(self) -> np.ndarray:
        """Texts with "@", or eleven digits in a row (single spaces or hyphens between them allowed),
        in their folded text: what each kind of personal data needs (text/pii.py)."""
        return self.rows((m.start() for m in PERSONAL_SHAPE.finditer(self.folded)), raw=True)
