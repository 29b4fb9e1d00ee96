"""The policy file's shape (SPEC §7). Rule-specific options are validated by each rule's own
Options model when the rules are built (see rules/registry.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chataudit.findings import Severity
from chataudit.policy.custom import CustomRuleSpec, Exemption


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Action(StrEnum):
    NONE = "none"
    REMIND = "remind"
    WARN = "warn"
    SEVERE_WARNING = "severe-warning"
    MUTE = "mute"
    REMOVE = "remove"

    @property
    def rank(self) -> int:
        return list(Action).index(self)


class PolicyMeta(Strict):
    name: str = "工作群通用群规"
    timezone: str = "Asia/Shanghai"
    lang: Literal["zh", "en"] = "zh"
    description: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as \"Asia/Shanghai\"") from None
        return value


class Roles(Strict):
    exporter: str | None = None  # the account that exported the chat: "你" in system lines
    owner: str | None = None
    admins: list[str] = []
    leaders: list[str] = []
    leader_titles: list[str] = []  # roster titles whose holders lead too (总经理, 总监): needs [membership] roster
    executives: list[str] = []


class Membership(Strict):
    roster: str | None = None
    required_roles: list[str] = []


class InputSettings(Strict):
    """How exports are read: column mapping for generic CSV/JSONL, account id → name, date order."""

    mapping: dict[str, str] = {}
    names: dict[str, str] = {}
    date_order: Literal["dmy", "mdy", "ymd"] | None = None


class LexiconSettings(Strict):
    """Where the content rules' word lists come from, and how far matching reaches."""

    dir: str | None = None  # a folder of <category>.txt files; default: the bundled policies/lexicons
    files: dict[str, str] = {}  # category → one more file (relative to the policy)
    extra: dict[str, list[str]] = {}  # category → more phrases ("!phrase" allows)
    pinyin: bool = True  # 赌博 also matches "dubo"
    homophones: list[str] = ["politics", "porn", "gambling", "drugs"]  # 网络堵博 for 网络赌博 (3+ characters)


class Penalty(Strict):
    action: Action | None = None  # None: follow the severity (info→remind, warning→warn, error→severe-warning)
    fine: float = Field(default=0, ge=0)


class Escalation(Strict):
    ladder: list[Action] = []
    min_severity: Severity = Severity.WARNING  # what counts as an offence on the ladder


class Policy(Strict):
    policy: PolicyMeta = PolicyMeta()
    roles: Roles = Roles()
    membership: Membership = Membership()
    input: InputSettings = InputSettings()
    lexicons: LexiconSettings = LexiconSettings()
    rules: dict[str, dict[str, Any]] = {}
    penalties: dict[str, Penalty] = {}
    escalation: Escalation = Escalation()
    custom: list[CustomRuleSpec] = []  # the admin's own rules ([[custom]])
    exempt: list[Exemption] = []  # accepted findings, each with a reason, an owner and an end date ([[exempt]])

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.policy.timezone)
