"""Normalised text, so that trivial variations do not hide a repeat or a keyword.

``fold`` applies NFKC (full-width → half-width, compatibility forms), case folding, and
removes zero-width/format characters. ``letters_only`` keeps only letters and digits, for
comparing messages that differ only in punctuation, emoji and spacing.
"""

from __future__ import annotations

import unicodedata

import regex

_FORMAT_CHARS = regex.compile(r"\p{Cf}+")  # zero-width spaces/joiners, BOM, bidi marks
_NOT_LETTERS = regex.compile(r"[^\p{L}\p{N}]+")
_SPACES = regex.compile(r"\s+")


def fold(text: str) -> str:
    return _SPACES.sub(" ", _FORMAT_CHARS.sub("", unicodedata.normalize("NFKC", text)).casefold()).strip()


def letters_only(folded: str) -> str:
    return _NOT_LETTERS.sub("", folded)


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
