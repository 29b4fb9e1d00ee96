"""Chinese numerals as regulations write them: 三十, 一百, 二十, 两, 十一, 半 (0.5), 1,000."""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万半]+)"


def to_number(text: str) -> float:
    """'30' → 30, '三十' → 30, '十一' → 11, '一百' → 100, '两' → 2, '半' → 0.5."""
    text = text.strip().replace(",", "")
    if not text:
        raise ValueError("empty number")
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, current = 0, 0
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
    return float(total + current)
