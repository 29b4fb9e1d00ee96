"""Content rules: what a message says. They read the shared per-message work in RuleContext
(normalised text, lexicon hits, links, personal data), computed once for all of them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field

from chataudit.columns import Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text
from chataudit.policy.types import RegexPattern, joined, search_any
from chataudit.records import Kind, Message
from chataudit.rules.base import Rule, RuleOptions
from chataudit.text.batchscan import by_row
from chataudit.text.classifier import MIN_HAN, abuse_model
from chataudit.text.context import UNFRAMED, forbidden, framed, warning_spans
from chataudit.text.normalize import normalize
from chataudit.text.prefilter import Prefilter
from chataudit.text.pii import LABELS as PII_LABELS

CATEGORY = {
    "politics": Text("不良政治倾向", "political"), "religion": Text("宗教", "religious"),
    "porn": Text("色情", "pornographic"), "gambling": Text("赌博", "gambling"), "violence": Text("暴力", "violent"),
    "drugs": Text("毒品", "drug-related"), "advertising": Text("商业广告", "advertising"), "abuse": Text("侮辱谩骂", "abusive"),
    "rumor": Text("未经证实的传言", "unverified rumour"), "confidential": Text("涉密", "confidential"),
    "chain": Text("连锁转发", "chain-letter"), "canvassing": Text("拉票集赞", "canvassing"),
}
FORBIDDEN = {"politics": Severity.ERROR, "religion": Severity.WARNING, "porn": Severity.ERROR,
             "gambling": Severity.ERROR, "violence": Severity.ERROR, "drugs": Severity.ERROR}
NOT_WORDS = frozenset({Kind.IMAGE, Kind.VIDEO, Kind.VOICE, Kind.STICKER, Kind.RED_PACKET})
"""Kinds whose text is a placeholder ([图片]), not something the sender wrote."""
DISCOUNT = (r"(?:全场|全店|全部|店内|商品|图书|男装|女装|低至|最低|限时|特价|一律)[^，。！？!?]{0,6}"
            r"[0-9一二三四五六七八九](?:\.[0-9])?折|[0-9一二三四五六七八九](?:\.[0-9])?折(?:起|优惠|特惠|封顶)")
"""A discount as an advertisement says it (全场8折, 7折起); 砍到八折 in a sales report is not one."""
_LOTTERIES = r"(?:双色球|大乐透|福彩|体彩|3d|排列[三五35]|七星彩|快[3三]|时时彩|六合彩|pk10|北京赛车)"
_TIPS = r"(?:预测|必中|稳中|包中|精准|杀号|胆码|跟单|带单|导师|荐号|计划群|专家推荐|推荐号码|号码推荐|内部消息)"
LOTTERY_TIPS = rf"{_LOTTERIES}[^，。！？!?]{{0,8}}{_TIPS}|{_TIPS}[^，。！？!?]{{0,4}}{_LOTTERIES}"
"""Lottery tips sold as a service (双色球专家推荐, 福彩3D内部精准预测); 大乐透开奖了，又没中 is not one."""
_NUM = "[0-9一二三四五六七八九十百千万两]"
SPAM_CUES = {
    "estate": r"\d+(?:\.\d+)?(?:-\d+)?\s*(?:平米|平方米?|㎡|m²|平(?![台安均时常稳衡面板行方等]))|楼盘|售楼|开盘|加推|认筹|"
              r"样板[间房]|准?现房|期房|商铺|旺铺|铺位|洋房|别墅|叠墅|精装|户型|首付|均价|置业|看房|楼王|学区房|地铁口|"
              r"房源|封顶|交房|豪宅|公寓|产权|投资回报|新房|二手房|限购",
    "loan": r"贷款|放款|借款|资金周转|[无免]抵押|免担保|低息|[年月日]息|下款|网贷|信用贷|急用钱|套现|秒批|提额|贴现|承兑汇票|"
            r"融资|手续简单|打款快|当天到账",
    "invest": r"理财|收益|年化|年率|股票|牛股|涨停|荐股|配资|保本|稳赚|杠杆|买进|建仓|拉升|拉高|追高|带客户|内线|盈利|翻倍|"
              r"买涨|买跌|入金|解套|买入|大涨|必涨|带(?:会员|学员)",
    "study": r"招生|招收|开班|试听|名师|包过|学历|考研|专升本|自考|成人高考|留学|总裁班|研修班|辅导班|培训班|补习|学费|学员|"
             r"早教|少儿|口语|mba|学位|移民|绿卡|冲刺班|考前|押题|取证|拿证|考证|通过率",
    "price": rf"(?:仅|只需|只要|低至|最低|特价|总价|售价|现价|秒杀价|抢购价|优惠价|团购价|惊爆价|会员价|活动价|直降|立减|立省|"
             rf"狂降|仅售|只售)\s*[￥¥]?{_NUM}+|\d+(?:\.\d+)?\s*(?:元|万|块)/?\S{{0,2}}起|{_NUM}(?:\.\d)?折|"
             rf"满\d+\S{{0,2}}[减送]|买\S{{1,3}}送\S{{1,3}}|抵\d+|\d+(?:\.\d+)?(?:元|角)/?(?:条|月|次|克|套)|信息费|包月|"
             rf"\d+(?:\.\d+)?万/?套|每[克斤只]\d+元|存\d+\S{{0,2}}送",
    "offer": r"特价|特惠|钜惠|巨惠|优惠|促销|大促|让利|回馈|酬宾|包邮|赠送|免费送|好礼|大礼|礼品|礼包|[优代现]?[金惠]券|抵用券|"
             r"返现|返利|折扣|打折|减价|特卖|清仓|甩卖|免费(?!下载)|补贴|秒杀|以旧换新|置换",
    "urgency": r"限时|限量|限期|仅限|先到先得|名额有限|售完即止|数量有限|抢购|开抢|火爆|热销|热卖|即日起|活动期间|不容错过|"
               r"倒计时|盛大|隆重|开业|店庆|周年庆|新品(?:上市|到店|首发|发售|加推|特惠)|首发|仅剩|团购|低价|疯狂|震撼|来袭|风暴|狂欢|火热|报名从速|抢票",
    "invite": r"欢迎(?:光临|惠顾|选购|来电|咨询|订购|品尝|抢购|新老|您|广大)|莅临|光临|惠顾|选购|到店|进店|来店|凭短信|"
              r"凭此(?:短信|信息)|[持携]短信|详询|垂询|敬请(?:光临|关注|期待|谅解)|恭候|诚邀|邀您|邀请您",
    "contact": r"(?:电话|热线|专线|手机|tel|致电|拨打|联系|qq|微信|vx|咨询|经理|先生|女士|小姐|老师|顾问|电|询)\s*[:：;；]?\s*"
               r"(?:[\u4e00-\u9fff]{1,3}\s*)?\d[\d\- ]{5,}\d|\b[48]00-?\d{3}-?\d{4}|"
               r"(?<![\d.:/-])\d{7,12}\s*(?:【[^】]{1,16}】|\[[^\]]{1,16}\])?\s*$",
    "action": r"点击|猛戳|戳|点此|下载|回复\s*\S{1,8}?(?:即可|参与|开通|订购|领取|办理|了解)|"
              r"发送\s*\S{1,8}\s*到\s*\d{4,}|"
              r"详情(?:请)?(?:登录|点击|拨打|致电|请电|进入|访问|咨询|关注)|登录\s*(?:www|http|wap)",
    "prize": r"中奖|大奖|抽奖|奖品|幸运|恭喜|兑奖|领奖|彩金|体验金",
    "health": r"无痛人流|人流|妇科|男科|不孕不育|专家门诊|整形|祛斑|包治|根治|疗程|养生会馆|美容院|减肥",
    "invoice": r"税票|真发票|正规发票|票可开|开票|增值税|普票|专票",
    "apology": r"如有打扰|打扰之处|敬请谅解|请谅解",
    "signoff": r"回(?:复)?\s*[@#]?\d?\s*(?:t|td|n|r)\s*(?:退订|退|拒收)|退订请?回(?:复)?\s*(?:t|td|n|r)\b|拒收请?回(?:复)?\s*r\b",
}
"""Families of advertising cues, written from the shapes of Chinese SMS and WeChat spam. One
cue is ordinary talk (优惠政策已经报给客户了, 客户详询请联系我); an advertisement piles up cues
from several families (a price, a call to act, a number to call). A trade's own vocabulary
(real estate, loans, stock tips, schooling) counts twice when two of its words appear."""
CUE_FRAME_REACH = 8
"""How near a rule's 禁止发布… or …等广告 must be to cancel a cue (群内禁止发布贷款、促销等广告)."""
MIN_AD_LENGTH = 8
"""Shorter than this (normalised) and a message holds too few cues to read as an advertisement."""
LONG_AD = 30
"""A message shorter than this needs one point of cues more: an advertisement runs long, a chat
line that happens to hold two cues (客户详询请联系我，优惠政策已报) is short."""
TRADES = frozenset({"estate", "loan", "invest", "study"})
MARKERS = {"signoff": 2}
"""Families that mark a mass SMS rather than sell, with their points. 回T退订 closes verification
codes, bills and newsletters as well as advertisements: alone it is nothing, beside one selling
cue it is enough (年终大促，回T退订)."""
_CUES = re.compile("|".join(f"(?P<{family}>{cue})" for family, cue in SPAM_CUES.items()))
_NOTICE = re.compile(r"验证码|校验码|动态密码|尾号\d|余额|剩余|已出票|订单|确认[:：]|支付成功|成功充值|已领取|您的?账户|扣款|"
                     r"截至\S{0,16}您")
"""A notice about the reader's own account or order (余额, 订单, 验证码): its upsell lines are
not enough to call it an advertisement."""
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def spam_cues(text: str) -> dict[str, list[str]]:
    """The advertising cues in a normalised text, by family, leaving out those in a
    prohibition or warning frame (群内禁止发布贷款、促销等广告) and, in a notice about the
    reader's own account, all of them."""
    if _NOTICE.search(text):
        return {}
    found: dict[str, list[str]] = {}
    for m in _CUES.finditer(text):
        words = found.setdefault(m.lastgroup, [])
        if m.group() not in words and not forbidden(text, m.start(), m.end(), CUE_FRAME_REACH):
            words.append(m.group())
    return {family: words for family, words in found.items() if words}


_FAMILIES = tuple(SPAM_CUES)


@cache
def _cue_filter() -> Prefilter:
    return Prefilter(list(SPAM_CUES.values()))


def may_reach(text: str, threshold: int) -> bool:
    """Whether ``cue_score(spam_cues(text))`` may reach ``threshold``, judged from the families
    whose needed literals the text holds (one automaton search, then digit runs only if that
    is not enough to rule it out): most texts are not scanned with the families' alternation."""
    cue_filter = _cue_filter()
    return (_ceiling(cue_filter.candidates(text, measure_digits=False)) >= threshold
            and _ceiling(cue_filter.candidates(text)) >= threshold)


@cache
def _ceiling(families: frozenset[int]) -> int:
    return cue_score({_FAMILIES[i]: ["", ""] for i in families})


def _written(batch: Batch) -> np.ndarray:
    """A mask of the messages with a text their sender wrote (not [图片] and the like)."""
    return batch.is_message & (batch.length > 0) & ~batch.of_kinds(list(NOT_WORDS))


def cue_score(cues: dict[str, list[str]]) -> int:
    """One point a family, a trade's family two when two of its words appear; nothing without
    a family that sells (a price, an offer, a call to act, a number to call): a trade's words
    alone are that trade's own work talk (户型、首付 in an estate agency's group). A marker
    (MARKERS) adds its points only beside a family that sells."""
    if cues.keys() <= TRADES | MARKERS.keys():
        return 0
    return sum(MARKERS.get(family) or (min(len(words), 2) if family in TRADES else 1) for family, words in cues.items())


class LexiconRule(Rule):
    """Flags a message whose normalised text matches the rule's lexicon categories, or one
    of its patterns; one finding per message, at the most severe category found. A message
    containing one of ``allow`` (sanctioned phrases) is not checked by this rule."""

    default_categories: ClassVar[dict[str, Severity]]

    class Options(RuleOptions):
        allow: list[str] = []
        patterns: list[RegexPattern] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = getattr(self.options, "categories", None) or self.default_categories
        patterns = self.options.patterns
        self.patterns = joined(patterns)
        self.ctx.content_patterns.extend(patterns)
        self.allow = [normalize(a).text for a in self.options.allow]  # compared with the normalised message
        self.frames_patterns = not set(self.categories) <= UNFRAMED  # 严禁代开发票 quotes the rules, as lexicon hits do

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if not msg.text or msg.kind in NOT_WORDS:
            return ()
        content = self.ctx.content(msg)
        if content.quiet or self.allowed(content.norm.text):
            return ()
        hits = [h for h in content.hits if h.category in self.categories]
        if hits:
            worst = max(hits, key=lambda h: _SEVERITY_RANK[Severity(self.categories[h.category])])
            said = content.norm.excerpt(worst.start, worst.end)
            label = CATEGORY.get(worst.category, Text(worst.category, worst.category))
            how = {"pinyin": Text("（拼音）", " (pinyin)"), "homophone": Text("（谐音）", " (homophone)")}.get(worst.how, Text("", ""))
            return (self.finding(msg, Text(f"含{label.zh}内容：“{said}”{how.zh}", f"Contains {label.en} content: \"{said}\"{how.en}"),
                                 severity=Severity(self.categories[worst.category]), category=worst.category,
                                 term=worst.phrase, matched=said),)
        m = search_any(self.patterns, content.norm.text)
        if m and not (self.frames_patterns and framed(content.norm.text, m.start(), m.end())):
            # on the normalised text: 號 and zero-width characters hide nothing
            said = content.norm.excerpt(m.start(), m.end())
            return (self.finding(msg, self.pattern_message(said), matched=said),)
        return ()

    def select(self, batch: Batch) -> np.ndarray:
        """Texts written by someone (not placeholders) that are not quiet."""
        return np.flatnonzero(self.candidates(batch))

    def candidates(self, batch: Batch) -> np.ndarray:
        return _written(batch) & self.ctx.quiet_rows(batch)

    def allowed(self, text: str) -> bool:
        """Whether a normalised text names one of the rule's sanctioned phrases."""
        return bool(self.allow) and any(a in text for a in self.allow)

    def pattern_message(self, said: str) -> Text:
        return Text(f"含“{said}”", f"Contains \"{said}\"")


class ForbiddenTopic(LexiconRule):
    """Politics, religion, pornography, gambling, violence or drugs (禁止出现不良政治倾向、宗教、色情、暴力、赌博等内容).

    Each category has its own severity (``categories = {gambling = "error", religion = "warning"}``
    chooses and grades them). Matching sees through separators, full-width letters, traditional
    characters, zero-width characters and repeats (赌.博, 賭博, ｄｕｂｏ), and, for the categories
    in ``[lexicons] homophones``, through words that sound the same; allow-listed phrases (严禁赌博,
    禁止黄赌毒, 三黄片) win over the entries inside them.

    Violates:
        2023-10-11 16:00:00 销售部-刘洋 / 威尼斯人线上娱乐，注册就送888
        2023-10-11 16:00:00 销售部-刘洋 / 晚上一起賭.博吗
        2023-10-11 16:00:00 销售部-刘洋 / 网络堵博稳赚
    Clean:
        2023-10-11 16:00:00 行政人事部-孙丽 / 重申：群内严禁赌博，禁止黄赌毒
        2023-10-11 16:00:00 财务部-陈静 / 上火了吃点三黄片
    """

    id = "C401"
    name = "forbidden-topic"
    severity = Severity.ERROR
    title = Text("违禁话题", "Forbidden topic")
    explanation = Text("本群交流必须遵守国家法律法规，禁止出现不良政治倾向、宗教、色情、暴力、赌博、毒品等内容。",
                       "No politics, religion, pornography, violence, gambling or drugs in the work group.")
    clause = Text("禁止出现不良政治倾向、宗教、色情、暴力等内容；严禁在群内发布色情、赌博、病毒链接，一经发现给予严重警告。",
                  "No political, religious, pornographic, violent or gambling content; a severe warning when found.")
    default_categories = FORBIDDEN

    class Options(LexiconRule.Options):
        categories: dict[str, Severity] = dict(FORBIDDEN)


class Advertising(LexiconRule):
    """Commercial advertising (严禁发布任何商业广告), including contact bait: 加微信, vx, 私聊我, 扫码进群.

    Two signals: the advertising lexicon and patterns (each enough alone: 代开发票, 全场8折, 加V),
    and cues from the families in SPAM_CUES (a price, a call to act, a number to call, a trade's
    words); ``min_cues`` (default 2, 0 turns it off) is how many points of cues make an
    advertisement, so one cue in ordinary talk (客户详询请联系我) is not one.

    ``allow`` lists sanctioned promotion: a marketing group may allow its own project (本群不允许
    发送与夸克链信无关的广告 → ``allow = ["夸克链信"]``), and a message naming it is not flagged.

    Violates:
        2023-10-11 16:30:00 市场部-周杰 / 新店开业，全场五折，欢迎来捧场！
        2023-10-11 16:31:00 赵小明 / 需要保险的私聊我，加微信 vx12345
        2023-10-11 16:32:00 赵小明 / 地铁口精装公寓，首付5万起，看房热线 0571-88886666
    Clean:
        2023-10-11 16:30:00 市场部-周杰 / 下周客户沙龙的物料今天到了
        2023-10-11 16:30:00 财务部-陈静 / 代理商管理办法已更新
        2023-10-11 16:30:00 市场部-周杰 / 优惠政策已经报给客户了，客户详询请联系我
    """

    id = "C402"
    name = "advertising"
    severity = Severity.WARNING
    title = Text("商业广告", "Advertising")
    explanation = Text("严禁在群内发布商业广告及其他有害信息；发布广告者警告一次，第二次再发直接清退出群。",
                       "No commercial advertising; first a warning, then removal.")
    clause = Text("严禁发布任何商业广告；发布负面广告信息者警告一次，第二次再发直接清退出群。",
                  "No commercial advertising: first offence a warning, second removal.")
    default_categories = {"advertising": Severity.WARNING}

    class Options(LexiconRule.Options):
        patterns: list[RegexPattern] = [
            r"(?:加|\+|➕|添加)\s*(?:我\s*)?(?:微信|vx|v信|威信|薇信?|wx|v|薇)\s*[:：]?\s*[a-z0-9_-]{5,}",
            r"私聊我|私信我|加我微信|加我好友|(?:加|➕)\s*(?:v|薇|威)(?:信|芯)?(?:详聊|了解|咨询)",
            r"扫码(?:进群|加我|领取|关注)|\[二维码\]",
            r"(?:详询|垂询|(?:咨询|订购|预订|订房|订餐|售楼|看房|招生|报名|招商)热线)\s*[:：]?\s*\d[\d\- ]{6,}\d",
            DISCOUNT,
            r"满\d+(?:元)?减\d+|低至\d|(?<![\d.])\d+元起(?!床|飞)|(?:首付|均价)\d",
            r"(?:代开?|出售|提供)(?:各类|各种|正规|增值税)?(?:发票|[发髪]票)|开(?:各类|各种|正规)(?:发票|[发髪]票)|"
            r"(?:税票|发票)\S{0,2}可开|进项\S{0,4}抵扣",
            LOTTERY_TIPS,
        ]
        min_cues: Annotated[int, Field(ge=0)] = 2

    def candidates(self, batch: Batch) -> np.ndarray:
        """Also the texts whose spam cues may reach the threshold (``may_reach``, asked only of
        texts long enough to be an ad with a string some cue needs)."""
        found = super().candidates(batch)
        if not self.options.min_cues:
            return found
        scan = self.ctx.scan(batch)
        long_enough = _written(batch) & (scan.norm_length >= MIN_AD_LENGTH) & ~found & ~scan.unsafe
        pairs = scan.may_match(_cue_filter())
        if pairs is None:
            return found | long_enough
        cued = scan.unsafe & _written(batch)
        for row, families in by_row(pairs):
            if long_enough[row]:
                text = scan.pieces[row]
                cued[row] = _ceiling(frozenset(families)) >= self.options.min_cues + (len(text) < LONG_AD) \
                    and not self.allowed(text)
        return found | cued

    def on_message(self, msg: Message) -> Iterable[Finding]:
        found = super().on_message(msg)
        if found or not self.options.min_cues or not msg.text or msg.kind in NOT_WORDS:
            return found
        text = self.ctx.content(msg).norm.text
        if len(text) < MIN_AD_LENGTH or self.allowed(text):
            return ()
        threshold = self.options.min_cues + (len(text) < LONG_AD)
        if not may_reach(text, threshold):
            return ()
        cues = spam_cues(text)
        if cue_score(cues) < threshold:
            return ()
        shown = "、".join(word for words in cues.values() for word in words)
        return (self.finding(msg, Text(f"疑似广告（{shown}）", f"Looks like an advertisement ({shown})"),
                             cues=cues),)


class Abuse(LexiconRule):
    """Insults, profanity, personal attacks, or disparaging the company (严禁恶意侮辱、诋毁他人、人身攻击).

    Two signals: the abuse lexicon, and a classifier trained on COLD (attacks on a region, a
    gender or a race with no swear word: ``X地人都是…``). A finding from the classifier alone
    carries its ``score`` and the ``ngrams`` that drove it; ``model_threshold`` sets how sure
    it must be, and ``model_findings = "review"`` (the default) reports such findings as to
    review (``review = true`` in the finding's data) rather than as violations
    (``"violation"``). ``model = false`` turns the classifier off.

    Violates:
        2023-10-11 10:00:00 销售部-刘洋 / 你是不是脑残啊
        2023-10-11 10:00:00 销售部-刘洋 / 什么垃圾公司
    Clean:
        2023-10-11 10:00:00 技术部-赵磊 / 操作手册已更新，系统很可靠
        2023-10-11 10:00:00 行政人事部-孙丽 / 请做好垃圾分类
    """

    id = "C403"
    name = "abuse"
    severity = Severity.ERROR
    title = Text("辱骂攻击", "Abuse")
    explanation = Text("尊重他人，不得污辱、谩骂及人身攻击，不得诋毁公司及其各部门和员工形象。",
                       "Respect others: no insults, profanity or personal attacks, no disparaging the company.")
    clause = Text("严禁使用恶意侮辱、诋毁他人字眼；禁止诋毁公司及其各部门和员工形象。",
                  "No insults, slander or personal attacks; no disparaging the company or colleagues.")
    default_categories = {"abuse": Severity.ERROR}

    class Options(LexiconRule.Options):
        model: bool = True
        model_threshold: Annotated[float, Field(ge=0.5, le=1.0)] = 0.7
        model_findings: Literal["review", "violation"] = "review"

    def candidates(self, batch: Batch) -> np.ndarray:
        """Also the texts long enough for the model with one of its gate's n-grams. (The model
        reads the text with allow-list phrases blanked, which may make a gate n-gram such as
        "。 " appear; such texts hold an allow phrase, so the lexicon's rows have them already.)"""
        found = super().candidates(batch)
        if not self.options.model:
            return found
        scan = self.ctx.scan(batch)
        return found | (_written(batch) & (scan.norm_length >= MIN_HAN) & scan.rows(abuse_model().gate_hits(scan.norm)))

    def on_message(self, msg: Message) -> Iterable[Finding]:
        found = super().on_message(msg)
        if found or not self.options.model or not msg.text or msg.kind in NOT_WORDS:
            return found
        content = self.ctx.content(msg)
        if len(content.norm.text) < MIN_HAN or self.allowed(content.norm.text):  # too short for the model
            return ()
        verdict = content.abuse
        if verdict is None or verdict.score < self.options.model_threshold or self._warned_against(content):
            return ()
        shown = "、".join(verdict.ngrams)
        return (self.finding(msg, Text(f"疑似侮辱攻击（模型评分 {verdict.score:.2f}：{shown}）",
                                       f"Possibly abusive (model score {verdict.score:.2f}: {', '.join(verdict.ngrams)})"),
                             score=round(verdict.score, 3), ngrams=list(verdict.ngrams),
                             review=self.options.model_findings == "review"),)

    def _warned_against(self, content) -> bool:
        """Whether the model's score falls below the threshold once the text inside warnings
        and prohibitions is left out (警惕非法集资、保险欺诈等违法行为 is a public notice, not abuse).
        Run only for a message the model flagged, so the extra scoring is rare."""
        text = content.norm.text
        spans = warning_spans(text)
        if not spans:
            return False
        if self.ctx.matcher is not None:
            spans += self.ctx.matcher.scan(content.norm)[1]  # allow-list phrases, blanked as for the first score
        for start, end in spans:
            text = text[:start] + " " * (end - start) + text[end:]
        return abuse_model().score(text).score < self.options.model_threshold


class Confidential(LexiconRule):
    """Confidential material (上网不涉密、涉密不上网): 机密/内部资料/请勿外传 markers, red-header
    official documents (红头文件, 〔2023〕12号 numbers) and sensitive directives (舆情应对, 调度管控).

    Violates:
        2023-10-12 15:00:00 销售部-张伟 / 内部资料，请勿外传：Q4价格政策调整方案见附件
        2023-10-12 15:00:00 行政人事部-孙丽 / 集团发〔2023〕15号文件已下发，大家学习
    Clean:
        2023-10-12 15:00:00 行政人事部-孙丽 / 下周三下午保密培训，请准时参加
    """

    id = "C405"
    name = "confidential"
    severity = Severity.ERROR
    title = Text("涉密信息", "Confidential material")
    explanation = Text("严禁泄露国家秘密和工作秘密；不得以微信群转发代替公文流转，不得将红头文件在群内发布。",
                       "Never share secrets, internal documents or official red-header documents in the group.")
    clause = Text("坚持“上网不涉密、涉密不上网”原则；未经批准不得以微信工作群转发代替公文流转，将红头文件在群内发布。",
                  "Nothing confidential online; no official documents circulated through the group.")
    default_categories = {"confidential": Severity.ERROR}

    class Options(LexiconRule.Options):
        patterns: list[RegexPattern] = [r"\p{Han}{1,12}[〔［\[(（]\d{4}[〕］\])）]\d{1,4}号"]

    def pattern_message(self, said: str) -> Text:
        return Text(f"含公文编号“{said}”（红头文件）", f"Contains an official document number \"{said}\"")


class Rumor(LexiconRule):
    """Unverified gossip and appeals (不制造、不传播各类小道消息；严禁发布未经过证实的求助、慈善等活动信息).

    Violates:
        2023-10-12 10:00:00 销售部-刘洋 / 据说公司马上要裁员了
        2023-10-12 10:00:00 销售部-刘洋 / 紧急求助！水滴筹救救孩子
    Clean:
        2023-10-12 10:00:00 技术部-赵磊 / 据说明书第三页的步骤操作即可
    """

    id = "C407"
    name = "rumor"
    severity = Severity.WARNING
    title = Text("小道消息", "Rumour or unverified appeal")
    explanation = Text("不传播小道消息；未经证实的求助、慈善信息请先报群管理员核实。",
                       "No gossip; unverified appeals for help or charity go to the admin first.")
    clause = Text("不制造、不传播各类小道消息；严禁发布未经过证实的求助、慈善等活动信息。",
                  "No rumours; no unverified appeals for help or charity.")
    default_categories = {"rumor": Severity.WARNING}

    class Options(LexiconRule.Options):
        patterns: list[RegexPattern] = [
            r"(?:据说|听说|网传|据传|传言)[^，。！？!?]{0,12}(?:公司|领导|老板|总监|经理|[张王李赵刘陈杨黄周吴]总|裁员|"
            r"倒闭|降薪|减薪|工资|奖金|年终奖|辞职|离职|开除|处分|停产|破产|合并|调岗|被抓|出事|封城|停发|取消)",
        ]


class ChainForward(LexiconRule):
    """Chain letters and forwarded mass posts (严禁发大篇幅的转发信息): 紧急扩散, 转发到…群, 不转不是….

    Violates:
        2023-10-10 14:20:00 销售部-刘洋 / 【紧急扩散】转发到10个群，好运连连
    Clean:
        2023-10-10 14:20:00 财务部-陈静 / 报销单我已转发到你的工作邮箱
    """

    id = "S305"
    name = "chain-forward"
    severity = Severity.WARNING
    title = Text("连锁转发", "Chain forward")
    explanation = Text("不要在工作群转发“紧急扩散”类消息和大篇幅转发信息。", "No chain letters or mass forwards in the work group.")
    clause = Text("严禁发任何性质的非法商业广告和大篇幅的转发信息。", "No advertising and no long forwarded posts.")
    default_categories = {"chain": Severity.WARNING}

    class Options(LexiconRule.Options):
        patterns: list[RegexPattern] = [r"(?:转发|转)(?:到|给)\s*\d{1,3}\s*个?(?:群|好友|人)", r"转发到[^，。,]{0,8}(?:群|朋友圈)"]


class Canvassing(LexiconRule):
    """Vote, like, bargain and 助力 requests, taxi and food-delivery coupon links (不拉票、不发打车外卖链接).

    Violates:
        2023-10-10 15:02:00 销售部-刘洋 / 帮我砍一刀 https://pdd.example.cn/bargain?id=8812
        2023-10-10 15:02:00 销售部-刘洋 / 孩子比赛，麻烦大家帮我投票
    Clean:
        2023-10-10 15:02:00 王建国 / 这个月大家辛苦了，给大家点赞
    """

    id = "S306"
    name = "canvassing"
    severity = Severity.WARNING
    title = Text("拉票集赞", "Canvassing")
    explanation = Text("严禁在群里发布为单位、企业、个人利益投票、拉票、集点赞、砍价等活动信息。",
                       "No vote, like, bargain or coupon requests in the work group.")
    clause = Text("严禁在群里发布为单位、企业、个人利益投、拉票、集点赞、砍价等活动信息；不发打车外卖链接。",
                  "No vote, like or bargain requests; no taxi or food-delivery links.")
    default_categories = {"canvassing": Severity.WARNING}

    class Options(LexiconRule.Options):
        patterns: list[RegexPattern] = [r"https?://\S*(?:bargain|kanjia|toupiao|vote|zhuli|assist|hongbao)\S*"]


class MaliciousLink(Rule):
    """Virus, phishing or download links (严禁在群内发布病毒链接): deny-listed domains, raw-IP hosts,
    link shorteners and executable or app downloads (.apk, .exe…). ``allow_domains`` lists the
    company's own domains, which are never flagged. Links are found with or without a scheme.

    Violates:
        2023-10-12 14:00:00 技术部-赵磊 / 新版客户端 http://45.76.12.9/client.apk 先装测试版
        2023-10-12 14:00:00 销售部-刘洋 / 领红包 t.cn/A6xYz9
    Clean:
        2023-10-12 14:00:00 人资中心-李敏 / 考勤通知见 https://mp.weixin.qq.com/s/AbCdEf123
    """

    id = "C404"
    name = "malicious-link"
    severity = Severity.ERROR
    title = Text("可疑链接", "Malicious or suspicious link")
    explanation = Text("不要在群里发可疑链接和安装包；软件请从公司正式渠道下载。",
                       "No suspicious links or installers; get software from the company's official channel.")
    clause = Text("严禁在群内发布色情、赌博、病毒链接，一经发现给予严重警告。", "No virus links; a severe warning when found.")

    class Options(RuleOptions):
        deny_domains: list[str] = []
        allow_domains: list[str] = []
        shorteners: list[str] = ["t.cn", "dwz.cn", "url.cn", "suo.im", "bit.ly", "tinyurl.com", "goo.gl", "is.gd",
                                 "ow.ly", "w.url.cn", "sina.lt", "985.so", "u.nu", "mrw.so", "rb.gy", "cutt.ly"]
        executables: list[str] = [".apk", ".exe", ".bat", ".cmd", ".scr", ".msi", ".vbs", ".jar", ".ipa", ".ps1", ".dll"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deny = frozenset(d.lower() for d in self.options.deny_domains) | self.ctx.bad_domains
        self.allow = frozenset(d.lower() for d in self.options.allow_domains)
        self.shorteners = frozenset(s.lower() for s in self.options.shorteners)

    def on_message(self, msg: Message) -> Iterable[Finding]:
        for link in self.ctx.content(msg).links:
            if link.on(self.allow):
                continue
            why = self._why(link)
            if why is not None:
                return (self.finding(msg, Text(f"{why.zh}：{link.url}", f"{why.en}: {link.url}"), url=link.url),)
        return ()

    def select(self, batch: Batch) -> np.ndarray:
        """Messages with a dot in their text, or a URL of their own."""
        return np.flatnonzero(batch.is_message & self.ctx.scan(batch).links(batch))

    def _why(self, link) -> Text | None:
        if link.on(self.deny):
            return Text("黑名单域名链接", "Deny-listed domain")
        if link.raw_ip:
            return Text("IP 地址直链", "Link to a raw IP address")
        if link.path.lower().split("?")[0].endswith(tuple(self.options.executables)):
            return Text("安装包/可执行文件下载链接", "Executable or app download")
        if link.on(self.shorteners):
            return Text("短链接（无法确认去向）", "Link shortener (destination unknown)")
        return None


class PersonalDataRule(Rule):
    """Personal data in a message (涉及他人隐私的问题不得在群里发布): mainland mobile numbers,
    resident ID numbers (valid region, birth date and check character), bank card numbers
    (card prefix and Luhn) and e-mail addresses. The finding shows them masked.

    Violates:
        2023-10-12 11:00:00 财务部-陈静 / 客户张先生 13812345678，身份证 11010519491231002X
        2023-10-12 11:00:00 财务部-陈静 / 打款到 6222 0202 0011 2233 446
    Clean:
        2023-10-12 11:00:00 客服部-黄婷 / 订单号 110105194912310021 已发货
        2023-10-12 11:00:00 采购部-吴刚 / 快递单号 75312345678901 明天到
    """

    id = "C406"
    name = "personal-data"
    severity = Severity.WARNING
    title = Text("个人隐私信息", "Personal data")
    explanation = Text("涉及他人隐私的信息（手机号、身份证号、银行卡号等）不得在群里发布。",
                       "Do not post other people's phone numbers, ID numbers or bank cards in the group.")
    clause = Text("对来源不明、内容不准确、涉及到公司及他人隐私的问题不得在群里发布及擅自转发。",
                  "Nothing that touches others' privacy is posted or forwarded in the group.")

    class Options(RuleOptions):
        kinds: list[str] = ["mobile", "id", "card", "email"]

    def on_message(self, msg: Message) -> Iterable[Finding]:
        found = [p for p in self.ctx.content(msg).personal if p.kind in self.options.kinds]
        if not found:
            return ()
        zh = "、".join(f"{PII_LABELS[p.kind][0]} {p.masked}" for p in found)
        en = ", ".join(f"{PII_LABELS[p.kind][1]} {p.masked}" for p in found)
        return (self.finding(msg, Text(f"含个人隐私信息：{zh}", f"Contains personal data: {en}"),
                             kinds=sorted({p.kind for p in found})),)

    def select(self, batch: Batch) -> np.ndarray:
        """Messages with "@" or a digit."""
        return np.flatnonzero(batch.is_message & self.ctx.scan(batch).personal())
