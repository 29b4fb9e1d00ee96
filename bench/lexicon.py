"""Lexicon matching speed: 1,000,000 short Chinese messages against a 2,000-entry lexicon.

    python bench/lexicon.py [--messages N] [--entries N]

Times, on the same deterministic messages and lexicon:
  1. the automaton alone (ahocorasick-rs, overlapping matches) on raw text;
  2. chataudit's normaliser alone (width, case, traditional→simplified, separators, repeats);
  3. normaliser + Matcher.find (allow-list resolution, pinyin variants), as content rules run it;
  4. the same with homophone matching on for every category;
  5. pyahocorasick on raw text, when installed (pip install pyahocorasick), for comparison.
"""

from __future__ import annotations

import argparse
import random
import time

import ahocorasick_rs

from chataudit.text.lexicon import Entry, Matcher
from chataudit.text.normalize import normalize

COMMON = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
          "十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间"
          "样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严")


def corpus(messages: int, entries: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    lexicon = sorted({"".join(rng.choice(COMMON) for _ in range(rng.randint(2, 4))) for _ in range(entries * 2)})[:entries]
    texts = []
    for _ in range(messages):
        text = "".join(rng.choice(COMMON) for _ in range(rng.randint(6, 30)))
        if rng.random() < 0.05:  # a few messages hide an entry behind a separator or a traditional form
            entry = rng.choice(lexicon)
            text = text[:3] + entry[0] + rng.choice([".", " ", "*", ""]) + entry[1:] + text[3:]
        texts.append(text)
    return texts, lexicon


def timed(label: str, n: int, fn) -> float:
    start = time.perf_counter()
    found = fn()
    seconds = time.perf_counter() - start
    print(f"{label:58} {seconds:7.2f} s  {n / seconds:>12,.0f} msg/s  ({found:,} hits)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=2_000)
    args = parser.parse_args()
    texts, lexicon = corpus(args.messages, args.entries)
    n = len(texts)
    print(f"{n:,} messages (6-30 characters), {len(lexicon):,} lexicon entries\n")
    automaton = ahocorasick_rs.AhoCorasick(lexicon, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
    timed("ahocorasick-rs, raw text (no normalisation)", n,
          lambda: sum(len(automaton.find_matches_as_indexes(t, overlapping=True)) for t in texts))
    timed("normalise only", n, lambda: sum(len(normalize(t).text) > 0 for t in texts))
    entries = [Entry("bench", phrase) for phrase in lexicon]
    plain = Matcher(entries, pinyin=True)
    timed("normalise + Matcher.find (allow-lists, pinyin)", n, lambda: sum(len(plain.find(normalize(t))) for t in texts))
    sounds = Matcher(entries, pinyin=True, homophones=["bench"])
    timed("normalise + Matcher.find + homophones", n, lambda: sum(len(sounds.find(normalize(t))) for t in texts))
    try:
        import ahocorasick
    except ImportError:
        print("pyahocorasick not installed: pip install pyahocorasick to compare")
        return
    auto = ahocorasick.Automaton()
    for i, phrase in enumerate(lexicon):
        auto.add_word(phrase, i)
    auto.make_automaton()
    timed("pyahocorasick, raw text (no normalisation)", n, lambda: sum(1 for t in texts for _ in auto.iter(t)))


if __name__ == "__main__":
    main()
