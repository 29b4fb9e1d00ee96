"""Pinyin without loading pypinyin on every run.

pypinyin keeps its whole phrase dictionary in memory, about 55 MB, half of an audit's
fixed footprint. An audit with the bundled lexicons needs only two things from it, both
fixed for a given pypinyin version and lexicon set: the syllable of every Chinese
character (homophone matching) and the spelling of every bundled lexicon entry
(赌博 → dubo). Both ship in ``pinyin.json``, written by ``python -m chataudit.text.pinyin``;
a test regenerates it and compares, so it cannot drift from pypinyin or the lexicons.
Anything else (a policy's own lexicon entries, roster names) asks pypinyin, imported on
first use.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("pinyin.json")
FIRST, LAST = 0x3400, 0x9FFF  # CJK Extension A and the Unified Ideographs
UNKNOWN = "?"


def spell(text: str) -> list[str]:
    """pypinyin's ``lazy_pinyin(text)`` (tones dropped, phrases read as phrases)."""
    known = _data()["phrases"].get(text)
    if known is not None:
        return known.split(" ")
    from pypinyin import lazy_pinyin

    return lazy_pinyin(text)


def syllables() -> dict[str, str]:
    """Every Chinese character with a reading → its syllable, tones dropped."""
    sounds = _data()["syllables"].split(" ")
    return {chr(FIRST + i): s for i, s in enumerate(sounds) if s != UNKNOWN}


@cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def generate(phrases: list[str]) -> dict:
    """The data file's content, from pypinyin: all character syllables, and these phrases."""
    from pypinyin import lazy_pinyin

    chars = "".join(chr(c) for c in range(FIRST, LAST + 1))
    sounds = lazy_pinyin(chars, errors=lambda unknown: [UNKNOWN] * len(unknown))
    return {"syllables": " ".join(sounds),
            "phrases": {p: " ".join(lazy_pinyin(p)) for p in sorted(set(phrases))}}


def bundled_phrases() -> list[str]:
    """The bundled lexicon entries that get a pinyin spelling (Chinese characters only, normalised)."""
    from chataudit.policy.load import bundled_policies_dir
    from chataudit.text.lexicon import HAN_ONLY, read_lexicon_folder
    from chataudit.text.normalize import normalize

    keys = [normalize(e.phrase).text for e in read_lexicon_folder(bundled_policies_dir() / "lexicons")]
    return [k for k in keys if HAN_ONLY.match(k)]


if __name__ == "__main__":
    DATA.write_text(json.dumps(generate(bundled_phrases()), ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                    encoding="utf-8")
    print(f"wrote {DATA}")
