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
_AFTER = re.compile(r"^[^，。！？；,.!?;\n]*?(?:等(?:内容|行为|活动|信息|违法|违规)|违法|犯罪|是谣言|为谣言|系谣言|一样|似的|被抓|被查)")


def framed(text: str, start: int, end: int) -> bool:
    """Whether the hit text[start:end] sits in a prohibition, negation, warning, report or
    comparison within its own clause."""
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    return _BEFORE.search(text, clause_start, start) is not None or _AFTER.match(text[end:]) is not None
