"""The policy file's shape (SPEC §7). Rule-specific options are validated by each rule's own
Options model when the rules are built (see rules/registry.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from typing_extensions import TypedDict

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


MAX_FINE = 1_000_000_000  # per offence; sums over millions of findings stay exact and finite


class Penalty(Strict):
    action: Action | None = None  # None: follow the severity (info→remind, warning→warn, error→severe-warning)
    fine: float = Field(default=0, ge=0, le=MAX_FINE, allow_inf_nan=False)


_TOML_TYPES = {dict: "a table", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
               float: "a number"}


def _expect(kind: type, words: str, choices: tuple = ()) -> BeforeValidator:
    """A one-line message naming what was found (the value if a string, else its TOML type)."""
    def check(value: object) -> object:
        if not isinstance(value, kind) or (choices and value not in choices):
            found = repr(value[:40]) if isinstance(value, str) else _TOML_TYPES.get(type(value), type(value).__name__)
            raise ValueError(f"expected {words}, got {found}")
        return value
    return BeforeValidator(check)


class RuleSettings(TypedDict, total=False):
    """One rule's table under [rules]: the keys every rule has are checked here (so that
    ``severity = ["error"]`` is an error at rules.C401.severity); the rule's own options are
    checked by its Options model when the rules are built (rules/registry.py)."""

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    enabled: Annotated[bool, _expect(bool, "true or false")]
    severity: Annotated[str, _expect(str, "info, warning or error", tuple(Severity))]
    clause: Annotated[str, _expect(str, "a string")]


class Escalation(Strict):
    ladder: list[Action] = []
    min_severity: Severity = Severity.WARNING  # what counts as an offence on the ladder


class Policy(Strict):
    policy: PolicyMeta = PolicyMeta()
    roles: Roles = Roles()
    membership: Membership = Membership()
    input: InputSettings = InputSettings()
    lexicons: LexiconSettings = LexiconSettings()
    rules: dict[str, RuleSettings] = {}
    penalties: dict[str, Penalty] = {}
    escalation: Escalation = Escalation()
    custom: list[CustomRuleSpec] = []  # the admin's own rules ([[custom]])
    exempt: list[Exemption] = []  # accepted findings, each with a reason, an owner and an end date ([[exempt]])

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.policy.timezone)
