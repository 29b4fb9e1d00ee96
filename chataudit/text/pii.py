"""Personal data in messages: mainland mobile numbers, resident ID numbers (GB 11643: region,
a real birth date, the check character), bank card numbers (a card prefix and the Luhn check)
and e-mail addresses. Numbers that fail the checks, or that a label names as something else
(订单号, 运单号, 保单号, 客服热线), are not personal data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import regex
from stdnum.cn import ric

from chataudit.text.normalize import _table

MOBILE = regex.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d])")
RESIDENT_ID = regex.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
CARD = regex.compile(r"(?<![\d])((?:\d[ -]?){15,18}\d)(?![\d])")
EMAIL = regex.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}")
_REGIONS = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split())
_NOT_A_PERSON = regex.compile(r"(?:订单|单号|运单|快递|物流|保单|流水|合同|工单|编号|发票|票号|批次|型号|热线|客服|服务电话)"
                              r"[号码编]?\s*(?:号|码)?\s*[:：是为]?\s*$")
"""A label right before a number that makes it an order, waybill, policy or hotline number."""
_CARD_PREFIXES = ("62", "4", "51", "52", "53", "54", "55", "2", "34", "37", "35", "60", "65", "30", "36", "38")

LABELS = {"mobile": ("手机号", "mobile number"), "id": ("身份证号", "ID number"),
          "card": ("银行卡号", "bank card number"), "email": ("邮箱", "e-mail address")}


@dataclass(frozen=True, slots=True)
class PersonalData:
    kind: str  # mobile, id, card, email
    value: str  # as written
    start: int
    end: int

    @property
    def masked(self) -> str:
        return mask(self.value, self.kind)


def mask(value: str, kind: str) -> str:
    if kind == "email":
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = [c for c in value if c.isalnum()]
    if kind == "mobile":
        digits = digits[-11:]  # without the +86
    keep_head, keep_tail = {"mobile": (3, 4), "id": (6, 4), "card": (4, 4)}[kind]
    return "".join(digits[:keep_head]) + "*" * (len(digits) - keep_head - keep_tail) + "".join(digits[-keep_tail:])


def valid_resident_id(number: str) -> bool:
    """The province, a birth date from 1900 to today and the check character (python-stdnum's). Not
    stdnum's full ``ric.is_valid``: it rejects a real ID whose county code is younger than its
    holder (440305197003071237, born 1970 in a district named in 1990) and raises KeyError on a
    province code with no county (110199199001011232)."""
    if len(number) != 18 or number[:2] not in _REGIONS or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    return ric.calc_check_digit(number) == number[17].upper()


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def find_personal_data(text: str) -> Iterator[PersonalData]:
    folded = text.translate(_table())  # full-width digits count too; same length as the original
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in taken) and not _NOT_A_PERSON.search(folded, max(0, start - 8), start)

    for m in RESIDENT_ID.finditer(folded):
        if valid_resident_id(m[1]) and free(*m.span()):
            taken.append(m.span())
            yield PersonalData("id", text[m.start():m.end()], *m.span())
    for m in CARD.finditer(folded):
        digits = m[1].replace(" ", "").replace("-", "")
        if 16 <= len(digits) <= 19 and digits.startswith(_CARD_PREFIXES) and luhn(digits) and free(*m.span()):
            taken.append(m.span())
            yield PersonalData("card", text[m.start():m.end()], *m.span())
    for m in MOBILE.finditer(folded):
        if free(*m.span()):
            taken.append(m.span())
            yield PersonalData("mobile", text[m.start():m.end()], *m.span())
    for m in EMAIL.finditer(folded):
        if free(*m.span()):
            yield PersonalData("email", text[m.start():m.end()], *m.span())
