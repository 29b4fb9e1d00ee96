"""The shipped abuse classifier: a second signal for C403 beside the lexicon.

A logistic regression over the character 1–3-grams present in a message's normalised text
(binary features), trained by ``tools/train_abuse_model.py`` on the train split of COLD, the
Chinese Offensive Language Dataset (thu-coai/COLDataset, Apache-2.0; see NOTICE). It learns
what no word list holds: attacks on a region, a gender or a race without a swear word.

The weights ship in ``abuse_model.json`` (the strongest n-grams only); scoring is a sum of
dictionary look-ups, pure Python, no numpy. Most messages never reach it: a message is
scored only when it has enough Chinese characters and contains one of the model's strongly
offensive n-grams, found by one Aho-Corasick automaton.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick_rs
import regex

MODEL = Path(__file__).with_name("abuse_model.json")
ORDERS = (1, 2, 3)
SHOWN_NGRAMS = 5
MIN_HAN = 8
"""Fewer Chinese characters than this and the model stays silent: the short work-chat line
(请做好垃圾分类) is not what it was trained on, and the lexicon covers short insults."""
_HAN = regex.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]")
"""CJK Unified Ideographs and Extension A: the characters the model was trained on."""


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float  # probability of abuse, 0..1
    ngrams: tuple[str, ...]  # the present n-grams that pushed the score up most


def ngrams(text: str) -> set[str]:
    """The character 1–3-grams of a normalised text, runs of white space read as one space.
    The training script uses this same function, so the features cannot drift."""
    flat = " ".join(text.split())
    return {flat[i:i + n] for n in ORDERS for i in range(len(flat) - n + 1)}


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


class AbuseModel:
    def __init__(self, weights: dict[str, float], bias: float, gate: list[str]):
        self.weights = weights
        self.bias = bias
        self._gate = ahocorasick_rs.AhoCorasick(gate) if gate else None

    @classmethod
    def from_dict(cls, data: dict) -> AbuseModel:
        return cls(data["weights"], data["bias"], data["gate"])

    def worth_scoring(self, text: str) -> bool:
        """Enough Chinese text and at least one strongly offensive n-gram: most messages stop here."""
        return (self._gate is not None and len(text) >= MIN_HAN and bool(self._gate.find_matches_as_indexes(text))
                and han_count(text) >= MIN_HAN)

    def gate_hits(self, text: str) -> list[int] | None:
        """Where the gate's n-grams start in ``text`` (texts joined by a character in none of
        them), for a whole batch at once; None without a gate."""
        return None if self._gate is None else [start for _, start, _ in self._gate.find_matches_as_indexes(text)]

    def score(self, text: str) -> Verdict:
        """The weights of the n-grams present are summed with ``math.fsum``: exactly rounded
        whatever the order, and a set's order changes from one process to the next (string
        hashes are salted), so a plain ``sum`` could give a score one ulp apart in two runs."""
        weights = self.weights
        present = [(weights[g], g) for g in ngrams(text) if g in weights]
        z = self.bias + math.fsum(w for w, _ in present)
        drivers = sorted((item for item in present if item[0] > 0), key=lambda item: (-item[0], item[1]))
        return Verdict(1 / (1 + math.exp(-z)), tuple(g for _, g in drivers[:SHOWN_NGRAMS]))


@cache
def abuse_model() -> AbuseModel:
    """The shipped model, read on first use."""
    return AbuseModel.from_dict(json.loads(MODEL.read_text(encoding="utf-8")))
