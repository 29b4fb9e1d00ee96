"""Chinese numerals as regulations write them: 三十, 一百, 二十, 两, 十一, 半 (0.5), 1,000, and the
大写 forms fines are written in (伍拾, 壹佰, 贰拾)."""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "貳": 2, "三": 3, "叁": 3, "參": 3,
          "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
          "九": 9, "玖": 9}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000, "萬": 10000}
NUMERAL = rf"(?:\d+(?:\.\d+)?|[{''.join(DIGITS)}{''.join(UNITS)}半]+)"


def to_number(text: str) -> float:
    """'30' → 30, '三十' → 30, '十一' → 11, '一百' → 100, '两' → 2, '半' → 0.5, '伍拾' → 50,
    '一千五' → 1500 (the digit after a unit counts in the unit below it)."""
    text = text.strip().replace(",", "")
    if not text:
        raise ValueError("empty number")
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, current, unit = 0, 0, 1
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit == 10000:
                total = (total + (current or 0)) * unit
            else:
                total += (current or 1) * unit
            current = 0
        elif ch == "半":
            return total + current + 0.5
        else:
            raise ValueError(f"not a number: {text!r}")
    if unit >= 100 and len(text) > 1 and text[-2] in UNITS:  # 一千五 is 1500; 一千零五 is 1005
        current *= unit // 10
    return float(total + current)
