"""`chataudit policy extract`: draft a policy from a regulation written in Chinese prose.

Deterministic and rule-based: the text is cut into sentences, and each sentence is matched
against patterns for the settings a policy has — response windows (15分钟, 半个小时, 一刻钟,
一个钟头) and fines (100元, 人民币50元, 罚款贰拾元, 扣绩效; in the window's sentence or in a later
one about replying late), quiet hours (22:00至07:30, 晚上十点到次日早上七点, 夜间11点以后至次日早上
7点), length limits (200字内), naming patterns from their examples whatever the separator
(销售部-张三 → {dept}-{name}, 市场部/李娜 → {dept}/{name}, 护理部王芳 → {dept}{name}, 徐汇店-店长-
陈刚 → {store}-{title}-{name}), banned categories, acknowledgement words (请回复“收到”或“已阅”),
invite and leave restrictions, roster-only membership, required roles (各门店店长、副店长必须入群)
and escalation ladders (第一次提醒，第二次警告，第三次移出; 每违规一次警告，累计三次以上踢出).
Every setting says which sentence produced it; sentences that read like rules (严禁, 不得, 必须…)
but map to nothing are listed, so the admin can finish the draft by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import regex

from chataudit.text.numbers import NUMERAL, to_number

SENTENCE_END = regex.compile(r"(?<=[。；;！!？?])|\n+")
RULE_WORDS = regex.compile(r"严禁|禁止|不得|不准|不可|请勿|切忌|必须|务必|应当|须|一律|只加|处罚|警告|罚款|清退")

# response window and its penalty
DURATION = regex.compile(rf"(?P<amount>{NUMERAL})\s*个?\s*(?P<half>半)?\s*(?P<unit>分钟|小时|钟头|刻钟)")
MINUTES_PER = {"分钟": 1, "刻钟": 15, "小时": 60, "钟头": 60}
RESPONSE = regex.compile(r"回复|回应|响应|答复|反馈")
LATE_REPLY = regex.compile(r"超时|逾期|超过时限|未(?:按时|及时)?(?:回复|确认|回应|响应)|不回复")
FINE = regex.compile(rf"({NUMERAL})\s*元")  # 人民币50元, 罚款贰拾元
PERFORMANCE = regex.compile(r"扣(?:除)?(?:当月)?绩效|绩效中扣除")

# quiet hours and length
CLOCK = rf"(?:\d{{1,2}}[:：]\d{{2}}|{NUMERAL}\s*点(?:半|\s*{NUMERAL}\s*分)?)"
QUIET_RANGE = regex.compile(
    rf"(?P<am1>晚上|夜间|夜里|晚间|下午)?\s*(?P<start>{CLOCK})\s*(?:以后|之后|后)?\s*(?:至|到|—|-|－|~|～)\s*(?:次日|第二天)?\s*(?P<am2>早上|早晨|上午|凌晨)?\s*(?P<end>{CLOCK})")
QUIET_AFTER = regex.compile(rf"(?P<am1>晚上|夜间|夜里|晚间)\s*(?P<start>{CLOCK})\s*(?:以后|之后|后)")
QUIET_CONTEXT = regex.compile(r"休息|请勿|不得|禁止|不要|勿扰|不在群")
LENGTH = regex.compile(rf"({NUMERAL})\s*字(?:以内|之内|内|以下)?")

# naming pattern, read from an example: segments split by a separator, or a unit then a name
NAMING_TOPIC = regex.compile(r"昵称|名片|命名|实名|姓名")
EXAMPLE_MARK = regex.compile(r"例如|比如|譬如|如[：:]")
EXAMPLE_CHUNK_END = regex.compile(r"[：:、，,。；;“”\"「」‘’（）()]|等|或")
NAME_SEPARATOR = regex.compile(r"([-－—–/／·•+＋ ])")
UNIT_SUFFIX = r"(?:事业部|办公室|车间|公司|中心|部|处|科|室|组|办|队|站|所|院|局|店)"
UNIT_AND_NAME = regex.compile(rf"(?P<unit>\p{{Han}}{{1,10}}?{UNIT_SUFFIX})(?P<name>\p{{Han}}{{2,3}})")
PERSON_NAME = regex.compile(r"\p{Han}{2,3}|\p{Han}某{1,2}")
DESCRIPTION = regex.compile(r"(?:部门|科室|中心|门店|职务|职位|岗位|学科组|单位|姓名|名字|名称|员工)+")  # 部门/姓名: no example
REAL_NAME = regex.compile(r"(?:以|用)(?:本人)?(?:真实)?姓名(?:作为|为)|昵称必须为真实姓名|使用真实姓名|一律实名")

# acknowledgement words and who must join
ACK_LIST = regex.compile(r"(?:比如|例如|如)[“\"]?(?P<words>[\u4e00-\u9fa5、，,“”\"]+?)[”\"]?之类")
QUOTED = r"[“\"「][^”\"」]{1,6}[”\"」]"
ACK_QUOTED = regex.compile(rf"回复\s*(?P<words>{QUOTED}(?:\s*(?:或者|或|、|，|,|和|及|/)\s*{QUOTED})*)")
ROLES_LIST = regex.compile(r"[（(](?P<roles>[\u4e00-\u9fa5、，,]+)[)）]\s*必须加入")
MUST_JOIN = regex.compile(r"(?P<who>[^，,。；;：:]+)必须(?:加入|入群|进群)")

# a required role is a title (…长, …主任, …负责人) without the 各/unit before it
ROLE_SEPARATORS = regex.compile(r"[、，,和及与]")
ROLE_TITLE = regex.compile(r"(?:长|主任|负责人|书记|员|主管|经理|总监|秘书|老师|教师|领导|干部|委员)$")
WHOLE_STAFF = regex.compile(r"全体|所有|全部")
ROLE_UNIT = regex.compile(r"门店|站点|科室|部门|车间|班组")

# content bans and allowances
CATEGORIES = {"politics": r"政治|反党|反政府|反动", "religion": r"宗教", "porn": r"色情|黄色|涉黄|黄赌毒",
              "gambling": r"赌博|涉赌|黄赌毒", "violence": r"暴力", "drugs": r"毒品|吸毒|涉毒|黄赌毒"}
ADS_ALLOWED = regex.compile(r"可以(?:在群[内里])?发(?:布|送)?\p{Han}{0,10}?(?:广告|优惠|促销|推广)")
REPEATS_GROUP_WIDE = regex.compile(
    r"(?:同[一样]|相同)(?:内容|信息|消息)\p{Han}{0,4}?(?:只|仅)\p{Han}{0,2}?发\p{Han}?一次|已有人发过")

# escalation ladders: 第一次…第二次…, 每违规一次…累计三次…, 依次给予…、…
ORDINAL_STEP = regex.compile(rf"第(?P<n>{NUMERAL})次|首次")
EACH_TIME = regex.compile(r"每\p{Han}{0,4}?一次(?P<then>[^，,；;]*)")
IN_TURN = regex.compile(r"(?:依次|逐级|逐步)(?P<steps>[^，,；;。]+)")
CUMULATIVE = regex.compile(rf"累计(?P<beyond>超过)?\s*(?P<n>{NUMERAL})\s*次(?:以上|及以上)?(?P<then>[^，,；;]*)")
ACTIONS = {  # strongest first: a step that says 严重警告并劝退 removes
    "remove": r"清退|劝退|移出|踢出|请出|清出|逐出|强制退群", "mute": r"禁言", "severe-warning": r"严重警告",
    "warn": r"警告", "remind": r"提醒"}
RULE_TOPICS = {  # rule → words that show the regulation forbids it
    "C402": r"广告", "C403": r"侮辱|谩骂|漫骂|辱骂|人身攻击|诋毁|粗言", "C404": r"病毒链接|病毒",
    "C405": r"机密|涉密|秘密|红头文件|保密", "C406": r"隐私", "C407": r"小道消息|谣言|未经证实|未经过证实|来源不明",
    "S301": r"刷屏", "S303": r"过度.{0,4}发图片|过度.{0,4}图片", "S305": r"大篇幅的转发|转发信息",
    "S306": r"拉票|点赞|砍价|投票|外卖链接|打车", "S307": r"一分钱红包",
}
SEPARATOR_AS_WRITTEN = {"－": "-", "—": "-", "–": "-", "／": "/", "＋": "+", "•": "·"}  # written as the rule's pattern


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
        _repeat_scope(sentence, found)
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
    minutes = (to_number(m["amount"]) + (0.5 if m["half"] else 0)) * MINUTES_PER[m["unit"]]
    return f"{int(minutes // 60)}h" if minutes >= 60 and minutes % 60 == 0 else f"{int(minutes)}m"


def _response(sentence: str, found: Extraction) -> None:
    """The window (须在半个小时内回复), and its penalty from the same sentence (否则罚款人民币50元) or,
    once a window is known, from a later one about replying late (超时未回复的，每次罚款壹佰元)."""
    window = _duration(sentence) if RESPONSE.search(sentence) else None
    if window:
        found.put("rules.R201.window", window, sentence)
    if window or found.get("rules.R201.window") and LATE_REPLY.search(sentence):
        _response_penalty(sentence, found)


def _response_penalty(sentence: str, found: Extraction) -> None:
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
    """An example (销售部-张三, 市场部/李娜, 护理部王芳) decides; a description (部门+姓名) or 实名 only
    until one comes, even in the next sentence (命名规则：部门+姓名；例如：“销售部-张三”)."""
    about_names = NAMING_TOPIC.search(sentence)
    pattern = _pattern_from_examples(sentence) if about_names or EXAMPLE_MARK.search(sentence) else None
    if pattern:
        found.put("rules.M101.pattern", pattern, sentence, over=("{name}", "{dept}+{name}"))
    elif not about_names:
        return
    elif regex.search(r"部门\s*[+＋]\s*(?:员工)?姓名", sentence):
        found.put("rules.M101.pattern", "{dept}+{name}", sentence, over="{name}")
    elif REAL_NAME.search(sentence) and found.get("rules.M101.pattern") is None:
        found.put("rules.M101.pattern", "{name}", sentence)


def _pattern_from_examples(sentence: str) -> str | None:
    """The pattern of the first example name, read after 例如/如： when the sentence has one."""
    mark = EXAMPLE_MARK.search(sentence)
    examples = sentence[mark.end():] if mark else sentence
    for chunk in EXAMPLE_CHUNK_END.split(examples):
        pattern = _pattern_of(chunk.strip())
        if pattern:
            return pattern
    return None


def _pattern_of(example: str) -> str | None:
    """徐汇店-店长-陈刚 → {store}-{title}-{name}; 数学组 刘洋 → {dept} {name}; 护理部王芳 → {dept}{name}."""
    pieces = NAME_SEPARATOR.split(example)  # segment, separator, segment, …, name
    if len(pieces) == 1:
        unit_and_name = UNIT_AND_NAME.fullmatch(example)
        if unit_and_name is None:
            return None
        pieces = [unit_and_name["unit"], "", unit_and_name["name"]]
    *parts, name = pieces
    segments = parts[::2]
    if not PERSON_NAME.fullmatch(name) or any(DESCRIPTION.fullmatch(p) for p in [name, *segments]) \
            or _part_of(segments[0]) == "title":  # a name starts with where one works: 操作 方法 is no example
        return None
    written = ["{" + _part_of(part) + "}" if i % 2 == 0 else SEPARATOR_AS_WRITTEN.get(part, part)
               for i, part in enumerate(parts)]
    return "".join(written) + "{name}"


def _part_of(segment: str) -> str:
    """Which named part of a naming pattern an example's segment is (chataudit/rules/naming.py)."""
    if segment.endswith("中心"):
        return "center"
    if segment.endswith("店"):
        return "store"
    return "dept" if regex.search(f"{UNIT_SUFFIX}$", segment) else "title"


def _banned(sentence: str, found: Extraction, categories: dict[str, str]) -> None:
    if not regex.search(r"禁止|严禁|不得|不准|请勿|不发|不提倡|不允许|不传播|不制造", sentence):
        if ADS_ALLOWED.search(sentence):
            found.put("rules.C402.enabled", False, sentence)
        return
    for category, words in CATEGORIES.items():
        if regex.search(words, sentence):
            categories.setdefault(category, sentence)
    for rule, words in RULE_TOPICS.items():
        if regex.search(words, sentence) and not (rule == "C402" and ADS_ALLOWED.search(sentence)):
            found.put(f"rules.{rule}.enabled", True, sentence)
    if regex.search(r"严重警告", sentence) and regex.search(r"色情|赌博|病毒", sentence):
        found.put("penalties.C401.action", "severe-warning", sentence)
        found.put("penalties.C404.action", "severe-warning", sentence)


def _repeat_scope(sentence: str, found: Extraction) -> None:
    """同一内容全群只发一次, 已有人发过的不再转发: a repeat counts whoever posted it first."""
    if REPEATS_GROUP_WIDE.search(sentence):
        found.put("rules.S302.scope", "group", sentence)


def _ack(sentence: str, found: Extraction) -> None:
    """比如收到、好的、明白之类的回复, or 通知请回复“收到”或“已阅”."""
    listed = ACK_LIST.search(sentence)
    quoted = ACK_QUOTED.search(sentence) if "通知" in sentence else None
    if listed and regex.search(r"回复|通知", sentence):
        words = regex.split(r"[、，,]", listed["words"])
    elif quoted:
        words = regex.findall(r"[“\"「]([^”\"」]+)[”\"」]", quoted["words"])
    else:
        return
    found.put("rules.R202.ack_words", [w.strip("“”\" ") for w in words if w.strip("“”\" ")], sentence)


def _membership(sentence: str, found: Extraction) -> None:
    if regex.search(r"(?:拉人|邀请|拉.{0,4}进群)", sentence) and regex.search(r"不得|未经|严禁|请勿|禁止|不随意", sentence):
        found.put("rules.M106.enabled", True, sentence)
    if regex.search(r"退群", sentence) and regex.search(r"严禁|擅自|执意|警告", sentence):
        found.put("rules.M107.enabled", True, sentence)
        if "警告" in sentence:
            found.put("penalties.M107.action", "warn", sentence)
    if regex.search(r"只加(?:公司)?在职员工|非公司在职员工|不在我单位工作的人员|无关人员", sentence):
        found.put("membership.roster", "花名册.csv", sentence + "（请换成实际的花名册文件）")
    listed = ROLES_LIST.search(sentence)
    if listed:
        found.put("membership.required_roles", [r for r in regex.split(r"[、，,]", listed["roles"]) if r], sentence)
    must_join = MUST_JOIN.search(sentence)
    roles = _roles(must_join["who"]) if must_join else []
    if roles:
        found.put("membership.required_roles", roles, sentence)


def _roles(who: str) -> list[str]:
    """各临床、医技科室科主任、护士长及各职能科室负责人 → 科主任, 护士长, 职能科室负责人: the titles
    named, without 公司各/各 before them or the unit a title repeats (各门店店长 → 店长); 全体… names
    everyone, not a role."""
    if WHOLE_STAFF.search(who):
        return []
    roles = [_without_unit(item.rpartition("各")[2].strip()) for item in ROLE_SEPARATORS.split(who)]
    return [role for role in roles if ROLE_TITLE.search(role)]


def _without_unit(role: str) -> str:
    """门店店长 → 店长, 站点站长 → 站长, 医技科室科主任 → 科主任; 科室负责人 stays."""
    for unit in ROLE_UNIT.finditer(role):
        title = role[unit.end():]
        if title and title[0] in unit[0]:
            return title
    return role


def _escalation(sentence: str, found: Extraction) -> None:
    """The first reading that finds two or more steps, each with an action, is the ladder."""
    for read in (_ordinal_ladder, _cumulative_ladder, _ladder_in_turn):
        ladder = read(sentence)
        if len(ladder) >= 2 and None not in ladder:
            found.put("escalation.ladder", ladder, sentence)
            return


def _ordinal_ladder(sentence: str) -> list[str | None]:
    """第一次提醒，第二次警告，第三次移出 → remind, warn, remove; 警告一次，第二次清退 → warn, remove.
    Each step is read up to the end of its clause."""
    marks = list(ORDINAL_STEP.finditer(sentence))
    if not marks:
        return []
    clauses = [regex.split(r"[，,；;]", sentence[m.end():end])[0]
               for m, end in zip(marks, [m.start() for m in marks[1:]] + [len(sentence)], strict=True)]
    if marks[0]["n"] and to_number(marks[0]["n"]) == 2:
        clauses.insert(0, sentence[:marks[0].start()])
    return [_action(clause) for clause in clauses]


def _cumulative_ladder(sentence: str) -> list[str | None]:
    """每违规一次警告，累计三次以上踢出 → warn, warn, remove; 累计超过两次 is the third."""
    each, last = EACH_TIME.search(sentence), CUMULATIVE.search(sentence)
    if not (each and last):
        return []
    count = int(to_number(last["n"])) + (1 if last["beyond"] else 0)
    return [_action(each["then"])] * (count - 1) + [_action(last["then"])] if count <= 10 else []


def _ladder_in_turn(sentence: str) -> list[str | None]:
    """依次给予提醒、警告、禁言处理 → remind, warn, mute."""
    listed = IN_TURN.search(sentence)
    return [_action(item) for item in regex.split(r"[、→]", listed["steps"])] if listed else []


def _action(clause: str) -> str | None:
    return next((action for action, words in ACTIONS.items() if regex.search(words, clause)), None)


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
