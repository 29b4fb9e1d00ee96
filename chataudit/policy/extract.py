"""`chataudit policy extract`: draft a policy from a regulation written in Chinese prose.

Deterministic and rule-based: the text is cut into sentences, and each sentence is matched
against patterns for the settings a policy has — response windows (15分钟, 半小时, 一小时) and
fines (100元, 二十元, 扣绩效), quiet hours (22:00至07:30, 晚上十点至早上七点半, 夜间十一点后),
length limits (200字内), naming patterns from their examples (销售部-张三 → {dept}-{name},
人资中心张静 → {center}{name}), banned categories, acknowledgement words, invite and leave
restrictions, roster-only membership, required roles and escalation ladders (警告一次，第二次
清退). Every setting says which sentence produced it; sentences that read like rules (严禁,
不得, 必须…) but map to nothing are listed, so the admin can finish the draft by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import regex

from chataudit.text.numbers import NUMERAL, to_number

SENTENCE_END = regex.compile(r"(?<=[。；;！!？?])|\n+")
RULE_WORDS = regex.compile(r"严禁|禁止|不得|不准|不可|请勿|切忌|必须|务必|应当|须|一律|只加|处罚|警告|罚款|清退")
DURATION = regex.compile(rf"(?:超过|在|于)?\s*({NUMERAL})\s*(?:个)?\s*(分钟|小时|钟头)|(半)\s*(?:个)?\s*(小时)")
FINE = regex.compile(rf"({NUMERAL})\s*元")
PERFORMANCE = regex.compile(r"扣(?:除)?(?:当月)?绩效")
CLOCK = rf"(?:\d{{1,2}}[:：]\d{{2}}|{NUMERAL}\s*点(?:半|\s*{NUMERAL}\s*分)?)"
QUIET_RANGE = regex.compile(
    rf"(?P<am1>晚上|夜间|夜里|晚间|下午)?\s*(?P<start>{CLOCK})\s*(?:至|到|—|-|－|~|～)\s*(?:次日|第二天)?\s*(?P<am2>早上|早晨|上午|凌晨)?\s*(?P<end>{CLOCK})")
QUIET_AFTER = regex.compile(rf"(?P<am1>晚上|夜间|夜里|晚间)\s*(?P<start>{CLOCK})\s*(?:以后|之后|后)")
QUIET_CONTEXT = regex.compile(r"休息|请勿|不得|禁止|不要|勿扰")
LENGTH = regex.compile(rf"({NUMERAL})\s*字(?:以内|之内|内|以下)?")
EXAMPLE_NAME = regex.compile(r"[“\"「]?(?P<left>[\u4e00-\u9fa5A-Za-z]{1,10}?)(?P<sep>[-－—+＋·•])(?P<name>[\u4e00-\u9fa5]{1,3}(?:某某|某)?)[”\"」]?")
CENTER_NAME = regex.compile(r"(?P<center>[\u4e00-\u9fa5]{1,8}中心)(?P<name>[\u4e00-\u9fa5]{2,3})[)）”\"」，,]")
ACK_LIST = regex.compile(r"(?:比如|例如|如)[“\"]?(?P<words>[\u4e00-\u9fa5、，,“”\"]+?)[”\"]?之类")
ROLES_LIST = regex.compile(r"[（(](?P<roles>[\u4e00-\u9fa5、，,]+)[)）]\s*必须加入")
CATEGORIES = {"politics": r"政治|反党|反政府|反动", "religion": r"宗教", "porn": r"色情|黄色", "gambling": r"赌博",
              "violence": r"暴力", "drugs": r"毒品|吸毒"}
RULE_TOPICS = {  # rule → words that show the regulation forbids it
    "C402": r"广告", "C403": r"侮辱|谩骂|漫骂|辱骂|人身攻击|诋毁|粗言", "C404": r"病毒链接|病毒",
    "C405": r"机密|涉密|秘密|红头文件|保密", "C406": r"隐私", "C407": r"小道消息|谣言|未经证实|未经过证实|来源不明",
    "S301": r"刷屏", "S303": r"过度.{0,4}发图片|过度.{0,4}图片", "S305": r"大篇幅的转发|转发信息",
    "S306": r"拉票|点赞|砍价|投票|外卖链接|打车", "S307": r"一分钱红包",
}
SEPARATORS = {"-": "-", "－": "-", "—": "-", "+": "+", "＋": "+", "·": "·", "•": "·"}


@dataclass
class Setting:
    key: str  # dotted: rules.R201.window, penalties.R201.fine, escalation.ladder …
    value: object
    sentence: str


@dataclass
class Extraction:
    settings: list[Setting] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def get(self, key: str, default: object = None) -> object:
        return next((s.value for s in self.settings if s.key == key), default)

    def put(self, key: str, value: object, sentence: str, *, over: object = None) -> bool:
        """The first sentence that sets a key wins (regulations state the rule before the aside),
        except that a setting may replace the weaker value ``over`` (an example beats 实名)."""
        for i, s in enumerate(self.settings):
            if s.key == key:
                if over is not None and s.value in (over if isinstance(over, tuple) else (over,)):
                    self.settings[i] = Setting(key, value, sentence)
                    return True
                return False
        self.settings.append(Setting(key, value, sentence))
        return True


def sentences(text: str) -> list[str]:
    return [s.strip(" \t　-•·") for s in SENTENCE_END.split(text) if s and s.strip(" \t　-•·")]


def extract(text: str) -> Extraction:
    found = Extraction()
    categories: dict[str, str] = {}
    for sentence in sentences(text):
        before = (len(found.settings), len(categories))
        _response(sentence, found)
        _quiet(sentence, found)
        _length(sentence, found)
        _naming(sentence, found)
        _banned(sentence, found, categories)
        _ack(sentence, found)
        _membership(sentence, found)
        _escalation(sentence, found)
        if (len(found.settings), len(categories)) == before and RULE_WORDS.search(sentence) and len(sentence) > 6:
            found.unmapped.append(sentence)
    if categories:
        found.put("rules.C401.categories", {c: "error" for c in sorted(categories)}, "；".join(dict.fromkeys(categories.values())))
    return found


def _duration(sentence: str) -> str | None:
    m = DURATION.search(sentence)
    if m is None:
        return None
    amount = 0.5 if m[3] else to_number(m[1])
    unit = m[4] or m[2]
    minutes = amount * (60 if unit in ("小时", "钟头") else 1)
    return f"{int(minutes // 60)}h" if minutes >= 60 and minutes % 60 == 0 else f"{int(minutes)}m"


def _response(sentence: str, found: Extraction) -> None:
    if not regex.search(r"回复|回应|响应|答复|反馈", sentence):
        return
    window = _duration(sentence)
    if window:
        found.put("rules.R201.window", window, sentence)
        fine = FINE.search(sentence)
        if fine and regex.search(r"罚款|承担|罚|扣", sentence):
            found.put("penalties.R201.fine", to_number(fine[1]), sentence)
        elif PERFORMANCE.search(sentence):
            found.put("penalties.R201.action", "severe-warning", sentence + "（扣绩效：请在制度外执行）")


def _clock(text: str, afternoon: bool) -> str:
    text = text.replace("：", ":").replace(" ", "")
    if ":" in text:
        hour, minute = (int(x) for x in text.split(":"))
    else:
        hour_text, _, rest = text.partition("点")
        hour = int(to_number(hour_text))
        minute = 30 if rest == "半" else int(to_number(rest.rstrip("分"))) if rest else 0
    if afternoon and hour < 12:
        hour += 12
    return f"{hour % 24:02d}:{minute:02d}"


def _quiet(sentence: str, found: Extraction) -> None:
    if not QUIET_CONTEXT.search(sentence) or not regex.search(r"聊|发言|发消息|群", sentence):
        return
    m = QUIET_RANGE.search(sentence)
    if m:
        start = _clock(m["start"], bool(m["am1"]) or _hour(m["start"]) < 12 and not m["am1"] and _hour(m["start"]) >= 9)
        end = _clock(m["end"], False)
        found.put("rules.T501.quiet", [[start, end]], sentence)
        return
    m = QUIET_AFTER.search(sentence)
    if m:
        found.put("rules.T501.quiet", [[_clock(m["start"], True), "07:30"]], sentence + "（结束时间未写明，默认 07:30）")


def _hour(text: str) -> int:
    text = text.replace("：", ":")
    return int(text.split(":")[0]) if ":" in text else int(to_number(text.partition("点")[0]))


def _length(sentence: str, found: Extraction) -> None:
    m = LENGTH.search(sentence)
    if m and regex.search(r"内|以内|之内|以下|超过|不超过|链接", sentence):
        found.put("rules.S304.max_chars", int(to_number(m[1])), sentence)


def _naming(sentence: str, found: Extraction) -> None:
    """An example (销售部-张三) decides; a description (部门+姓名) or 实名 only until one comes,
    even in the next sentence (命名规则：部门+姓名；例如：“销售部-张三”)."""
    if not regex.search(r"昵称|名片|命名|实名|姓名|例如|如[：:]", sentence):
        return
    center = CENTER_NAME.search(sentence)
    if center:
        found.put("rules.M101.pattern", "{center}{name}", sentence, over="{name}")
        return
    for m in EXAMPLE_NAME.finditer(sentence):
        left = m["left"]
        if regex.search(r"(?:部|中心|办|室|科|处|组|店|公司)$", left) and left not in ("部门", "中心"):
            part = "{center}" if left.endswith("中心") else "{dept}"
            found.put("rules.M101.pattern", f"{part}{SEPARATORS[m['sep']]}{{name}}", sentence,
                      over=("{name}", "{dept}+{name}"))
            return
    if not regex.search(r"昵称|名片|命名|实名|姓名", sentence):
        return
    if regex.search(r"部门\s*[+＋]\s*(?:员工)?姓名", sentence):
        found.put("rules.M101.pattern", "{dept}+{name}", sentence, over="{name}")
    elif regex.search(r"以姓名为群昵称|昵称必须为真实姓名|使用真实姓名|一律实名|一律以姓名", sentence) \
            and found.get("rules.M101.pattern") is None:
        found.put("rules.M101.pattern", "{name}", sentence)


def _banned(sentence: str, found: Extraction, categories: dict[str, str]) -> None:
    if not regex.search(r"禁止|严禁|不得|不准|请勿|不发|不提倡|不允许|不传播|不制造", sentence):
        if regex.search(r"可以发广告", sentence):
            found.put("rules.C402.enabled", False, sentence)
            if regex.search(r"仅限发布一次|只能发布一次", sentence):
                found.put("rules.S302.scope", "group", sentence)
        return
    for category, words in CATEGORIES.items():
        if regex.search(words, sentence):
            categories.setdefault(category, sentence)
    for rule, words in RULE_TOPICS.items():
        if regex.search(words, sentence) and not (rule == "C402" and "可以发广告" in sentence):
            found.put(f"rules.{rule}.enabled", True, sentence)
    if regex.search(r"严重警告", sentence) and regex.search(r"色情|赌博|病毒", sentence):
        found.put("penalties.C401.action", "severe-warning", sentence)
        found.put("penalties.C404.action", "severe-warning", sentence)


def _ack(sentence: str, found: Extraction) -> None:
    m = ACK_LIST.search(sentence)
    if m and regex.search(r"回复|通知", sentence):
        words = [w.strip("“”\" ") for w in regex.split(r"[、，,]", m["words"]) if w.strip("“”\" ")]
        found.put("rules.R202.ack_words", words, sentence)


def _membership(sentence: str, found: Extraction) -> None:
    if regex.search(r"(?:拉人|邀请|拉.{0,4}进群)", sentence) and regex.search(r"不得|未经|严禁|请勿|禁止|不随意", sentence):
        found.put("rules.M106.enabled", True, sentence)
    if regex.search(r"退群", sentence) and regex.search(r"严禁|擅自|执意|警告", sentence):
        found.put("rules.M107.enabled", True, sentence)
        if "警告" in sentence:
            found.put("penalties.M107.action", "warn", sentence)
    if regex.search(r"只加(?:公司)?在职员工|非公司在职员工|不在我单位工作的人员|无关人员", sentence):
        found.put("membership.roster", "花名册.csv", sentence + "（请换成实际的花名册文件）")
    m = ROLES_LIST.search(sentence)
    if m:
        found.put("membership.required_roles", [r for r in regex.split(r"[、，,]", m["roles"]) if r], sentence)


def _escalation(sentence: str, found: Extraction) -> None:
    first = regex.search(r"(?:第一次|首次|警告一次)", sentence)
    second = regex.search(r"第二次[^。；]*?(严重警告|清退|劝退|移出|踢出|强制退群|禁言)", sentence)
    if not (first and second):
        return
    ladder = ["warn"]
    if "严重警告" in sentence[second.start():] and not regex.search(r"清退|劝退|移出|踢出|强制退群", sentence[second.start():]):
        ladder.append("severe-warning")
    elif second[1] == "禁言":
        ladder.append("mute")
    else:
        ladder.append("remove")
    found.put("escalation.ladder", ladder, sentence)


def to_toml(found: Extraction, name: str) -> str:
    """The draft as TOML, each setting with the sentence it came from."""
    tables: dict[str, list[Setting]] = {}
    for setting in found.settings:
        table, _, key = setting.key.rpartition(".")
        tables.setdefault(table, []).append(Setting(key, setting.value, setting.sentence))
    lines = [f"# 由 `chataudit policy extract` 根据《{name}》生成的草稿：请逐条核对后使用。", "",
             "[policy]", f"name = {json.dumps(name, ensure_ascii=False)}", 'timezone = "Asia/Shanghai"', 'lang = "zh"', ""]
    for table in sorted(tables, key=lambda t: (t != "membership", t)):
        lines.append(f"[{table}]")
        for s in tables[table]:
            lines.append(f"# 来自：{s.sentence[:120]}")
            todo = "# " if (table, s.key) == ("membership", "roster") else ""  # a file only the admin can name
            lines.append(f"{todo}{s.key} = {_toml_value(s.value)}")
        lines.append("")
    if found.unmapped:
        lines.append("# 以下条文未能自动转换，请人工补充：")
        lines += [f"#   - {s[:120]}" for s in found.unmapped]
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)
