"""The frame a lexicon hit sits in. A hit inside a prohibition (严禁赌博, 禁止…赌博等内容),
a negation (不要吸毒), a warning (防范…诈骗), a report (挪用公款用于赌博, 经核实为谣言) or a
comparison (好像赌博一样) talks about the thing rather than doing it: a regulation reminder is
never a violation. Insults are not framed this way: 不要脸 is still an insult."""

from __future__ import annotations

import re

UNFRAMED = frozenset({"abuse"})
"""Categories whose hits stand whatever surrounds them."""
_CLAUSE_END = re.compile(r"[，。！？；,.!?;\n]")
_BEFORE = re.compile(
    r"严禁|禁止|不要|不得|不准|不许|不能|不可|切勿|请勿|勿|杜绝|拒绝|远离|抵制|反对|打击|防范|谨防|警惕|提防|当心|小心|"
    r"举报|查处|取缔|涉嫌|因|挪用|用于|被判|判处|依法|严厉|好像|就像|像是|如同|宛如|从不|从没|不再|戒掉|戒了")
_AFTER = re.compile(r"^[^，。！？；,.!?;\n]*?(?:等(?:内容|行为|活动|信息|广告|违法|违规)|违法|犯罪|是谣言|为谣言|系谣言|一样|似的|被抓|被查)")


def framed(text: str, start: int, end: int) -> bool:
    """Whether the hit text[start:end] sits in a prohibition, negation, warning, report or
    comparison within its own clause."""
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    return _BEFORE.search(text, clause_start, start) is not None or _AFTER.match(text[end:]) is not None


_FORBIDS = re.compile(r"(?:严禁|禁止|不得|不要|不准|请勿|切勿|谨防|警惕|防范|拒绝|杜绝)[^。！？；\n]{0,4}?"
                      r"(?:发布|发送|转发|发|出现|传播|相信|参与|点击)")


def forbidden(text: str, start: int, end: int, reach: int) -> bool:
    """Whether text[start:end] is what a rule forbids, within ``reach`` characters: right after
    禁止发布, 请勿转发, 谨防…点击, or just before 等广告 (群内禁止发布贷款、促销等广告). Narrower
    than ``framed``: an advertisement's own 切勿追高 does not hide the number after it."""
    near = any(m.end() >= start - reach for m in _FORBIDS.finditer(text, max(0, start - reach - 12), start))
    return near or _AFTER.match(text[end:end + reach]) is not None


_WARNING = re.compile(r"严禁|禁止|请勿|切勿|谨防|警惕|提防")
_LISTED = re.compile(r"等(?:\w{0,4})(?:违法|违规|犯罪|不文明)(?:\w{0,4})(?:行为|活动)")


def warning_spans(text: str) -> list[tuple[int, int]]:
    """The spans of text inside a prohibition or warning: from 严禁, 警惕, 抵制… to the end of its
    clause, and a clause that lists what is banned (…酒驾、毒驾等交通违法行为). A model reading
    the words of a public notice (警惕非法集资、保险欺诈) sees crime words, not an insult."""
    spans = [(m.start(), _clause_end(text, m.end())) for m in _WARNING.finditer(text)]
    for m in _LISTED.finditer(text):
        spans.append((max((c.end() for c in _CLAUSE_END.finditer(text, 0, m.start())), default=0), m.end()))
    return spans


def _clause_end(text: str, pos: int) -> int:
    found = _CLAUSE_END.search(text, pos)
    return found.start() if found else len(text)
