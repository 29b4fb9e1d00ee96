"""Lexicons and the one automaton that matches all of them.

A lexicon is a UTF-8 file under ``policies/lexicons/``, named after its category
(``gambling.txt``): one phrase a line, ``#`` comments, ``!phrase`` for an allow-list phrase.
An allow-list phrase that contains a match wins over it (三黄片 is a medicine, not 黄片;
严禁赌博 quotes the rules), whatever the category. Lexicons hold phrases: a single character
never stands alone as an entry (操 in 操作, 靠 in 可靠), and loading refuses one.

All entries of all categories go into one Aho-Corasick automaton (ahocorasick-rs), matched
against the normalised text once per message. Optionally each entry also matches its
pinyin spelled out (赌博 → "dubo", not inside a longer Latin word) and, for entries of three
or more Chinese characters, any text that sounds the same (网络堵博 for 网络赌博).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick_rs
import regex

from chataudit.errors import PolicyError
from chataudit.i18n import Text
from chataudit.safefile import MiB, read_regular
from chataudit.text.context import UNFRAMED, framed
from chataudit.text.normalize import Normalized, normalize
from chataudit.text.pinyin import spell, syllables
from chataudit.text.segment import cuts_a_word, tokens
from chataudit.text.translation import Translation

HAN_ONLY = regex.compile(r"^\p{Han}+$")
SHORT = 2
"""Entries this long or shorter match only as whole words (传教, not 宣传教育)."""
_LATIN = regex.compile(r"[a-z]")


@dataclass(frozen=True, slots=True)
class Entry:
    category: str
    phrase: str  # as written in the lexicon
    allow: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    phrase: str  # the lexicon entry
    start: int  # in the normalised text
    end: int
    how: str  # "exact", "pinyin" or "homophone"


LEXICON_BYTES = 32 * MiB  # the bundled lexicons are 56 KB together


def read_lexicon(path: Path, category: str) -> list[Entry]:
    """A regular file of at most LEXICON_BYTES (never a device, pipe or folder)."""
    data = read_regular(path, limit=LEXICON_BYTES, what="lexicon file", error=PolicyError,
                        fix="check the path under [lexicons]")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyError("lexicon is not UTF-8 text", where=str(path), fix="save it as UTF-8") from None
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        allow = line.startswith("!")
        phrase = line[1:].strip() if allow else line
        if len(normalize(phrase).text) < 2:
            raise PolicyError(f"line {number}: {phrase!r} is a single character", where=str(path),
                              fix="lexicons hold phrases; use a longer phrase (操 alone would flag 操作)")
        entries.append(Entry(category, phrase, allow))
    return entries


DOMAINS_FILE = "malicious_domains.txt"
"""In the lexicon folder, but a deny-list of link domains, not phrases."""


def read_lexicon_folder(folder: Path) -> list[Entry]:
    """Every lexicon in a folder, in name order, each file's stem its category."""
    return [entry for path in sorted(folder.glob("*.txt")) if path.name != DOMAINS_FILE
            for entry in read_lexicon(path, path.stem)]


@cache
def _sound_table() -> dict[int, str]:
    """Every Chinese character → a private-use character standing for its syllable (tones
    ignored), so that text can be turned into sounds with one ``str.translate``, keeping its
    length: a match by sound has the same span as the text that sounds that way."""
    index: dict[str, str] = {}
    return {ord(ch): index.setdefault(syllable, chr(0xE000 + len(index))) for ch, syllable in syllables().items()}


@cache
def _sounding() -> Translation:
    return Translation(_sound_table())


def _sounds(text: str) -> str:
    return _sounding()(text)


class Matcher:
    def __init__(self, entries: Iterable[Entry], pinyin: bool = False, homophones: Iterable[str] = ()):
        self.entries: list[Entry] = []
        patterns: list[str] = []
        sounds: list[str] = []
        self.sound_entries: list[Entry] = []
        self.pinyin_of: list[bool] = []
        homophone_categories = set(homophones)
        for entry in entries:
            key = normalize(entry.phrase).text
            self.entries.append(entry)
            patterns.append(key)
            self.pinyin_of.append(False)
            if pinyin and not entry.allow and HAN_ONLY.match(key):
                syllables_of = spell(key)
                if len("".join(syllables_of)) >= 4:
                    for spelled in dict.fromkeys(("".join(syllables_of), " ".join(syllables_of))):  # dubo, du bo
                        self.entries.append(entry)
                        patterns.append(spelled)
                        self.pinyin_of.append(True)
            if (entry.category in homophone_categories and not entry.allow and HAN_ONLY.match(key)
                    and len(entry.phrase) >= 3):  # as written: 时时彩 normalises to 时彩
                self.sound_entries.append(entry)
                sounds.append(_sounds(key))
        self._exact = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD) if patterns else None
        self._sound = ahocorasick_rs.AhoCorasick(sounds, matchkind=ahocorasick_rs.MATCHKIND_STANDARD) if sounds else None

    def find(self, norm: Normalized) -> list[Hit]:
        return self.scan(norm)[0]

    def touches(self, text: str) -> list[int]:
        """Where any entry, by letters or by sound, starts in a normalised ``text`` (texts joined
        by a character in no entry, for a whole batch at once): a text without any has no hit.
        Matches do not overlap here; one is enough to pick its text."""
        found = [start for _, start, _ in self._exact.find_matches_as_indexes(text)] if self._exact else []
        if self._sound is not None:
            found += [start for _, start, _ in self._sound.find_matches_as_indexes(_sounds(text))]
        return found

    def scan(self, norm: Normalized) -> tuple[list[Hit], list[tuple[int, int]]]:
        """The hits, and the spans of the allow-list phrases that cancelled any inside them
        (the classifier does not read those phrases either)."""
        hits, allowed = self.trace(norm)
        return [hit for hit, why in hits if why is None], [(a, b) for a, b, _ in allowed]

    def trace(self, norm: Normalized) -> tuple[list[tuple[Hit, Text | None]], list[tuple[int, int, str]]]:
        """Every candidate hit with why it does not count (None: it counts), and the allow
        phrases found (start, end, phrase): what ``chataudit explain`` shows."""
        text = norm.text
        deny: list[Hit] = []
        allowed: list[tuple[int, int, str]] = []
        if self._exact is not None:
            for index, start, end in self._exact.find_matches_as_indexes(text, overlapping=True):
                entry = self.entries[index]
                if self.pinyin_of[index] and ((start and _LATIN.match(text[start - 1])) or
                                              (end < len(text) and _LATIN.match(text[end]))):
                    continue  # "dubo" inside a longer Latin word
                if entry.allow:
                    allowed.append((start, end, entry.phrase))
                else:
                    deny.append(Hit(entry.category, entry.phrase, start, end, "pinyin" if self.pinyin_of[index] else "exact"))
        if self._sound is not None:
            deny.extend(self._sound_hits(text, deny))
        if not deny:  # most messages: nothing to judge
            return [], allowed
        words = _Words(text)
        return [(hit, _why_not(text, hit, allowed, words)) for hit in deny], allowed

    def _sound_hits(self, text: str, exact: list[Hit]) -> list[Hit]:
        """Matches by sound, on the text turned into syllables (same length, same spans)."""
        seen = {(h.start, h.end) for h in exact}
        found = []
        for index, start, end in self._sound.find_matches_as_indexes(_sounds(text), overlapping=True):
            if (start, end) not in seen:
                entry = self.sound_entries[index]
                found.append(Hit(entry.category, entry.phrase, start, end, "homophone"))
        return found


class _Words:
    """A text's word spans from jieba, cut only when a hit needs them (most messages never do)."""

    def __init__(self, text: str):
        self.text, self._spans = text, None

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = tokens(self.text)
        return self._spans


def _why_not(text: str, hit: Hit, allowed: list[tuple[int, int, str]], words: _Words) -> Text | None:
    """Why a candidate hit does not count, or None when it does: inside an allow phrase
    (严禁赌博), in a prohibition, negation, warning, report or comparison (不要吸毒), a short
    entry cutting a word (传教 in 宣传教育), or a sound that is ordinary vocabulary (石材, 食材,
    市财政局 for 时时彩, unless one character off a long entry: 六和彩)."""
    for a, b, phrase in allowed:
        if a <= hit.start and hit.end <= b:
            return Text(f"在允许词“{phrase}”之内", f"inside the allow phrase \"{phrase}\"")
    if hit.category not in UNFRAMED and framed(text, hit.start, hit.end):
        return Text("处于禁止、否定、提醒、报道或比较的语境中", "in a prohibition, negation, warning, report or comparison")
    if _needs_words(hit) and not _stands_alone(text, words.spans, hit):
        return Text("与前后文字组成别的词（分词）", "part of another word (segmentation)")
    return None


def _needs_words(hit: Hit) -> bool:
    return hit.how == "homophone" or (hit.how == "exact" and hit.end - hit.start <= SHORT)


def _stands_alone(text: str, spans: list[tuple[int, int]], hit: Hit) -> bool:
    if hit.how == "exact":
        written = len(hit.phrase) > hit.end - hit.start and text.find(hit.phrase, max(0, hit.end - len(hit.phrase)), hit.end) >= 0
        return written or not cuts_a_word(spans, hit.start, hit.end, affix=True)  # 时时彩 as written is whole
    length = hit.end - hit.start
    differ = length - sum(a == b for a, b in zip(text[hit.start:hit.end], normalize(hit.phrase).text, strict=False))
    if 2 * differ > length:
        return False
    among_words = (hit.start, hit.end) in spans or cuts_a_word(spans, hit.start, hit.end, affix=False)
    return not among_words or (length >= 3 and differ <= 1)  # 六和彩 is a word, and one character off
