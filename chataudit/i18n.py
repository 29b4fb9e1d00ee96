"""Bilingual strings. Every human-facing text exists in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **values: object) -> "Text":
        return Text(self.zh.format(**values), self.en.format(**values))


def duration(seconds: float) -> Text:
    """A window as people say it: 30 分钟 / 30 min, 1 小时 / 1 h, 10 秒 / 10 s."""
    seconds = int(seconds)
    for size, zh, en in ((86400, "天", "d"), (3600, "小时", "h"), (60, "分钟", "min")):
        if seconds >= size and seconds % size == 0:
            return Text(f"{seconds // size} {zh}", f"{seconds // size} {en}")
    return Text(f"{seconds} 秒", f"{seconds} s")


SEVERITY = {
    "info": Text("提示", "info"),
    "warning": Text("警告", "warning"),
    "error": Text("严重", "error"),
}

ACTION = {
    "none": Text("无", "none"),
    "remind": Text("提醒", "remind"),
    "warn": Text("警告", "warn"),
    "severe-warning": Text("严重警告", "severe warning"),
    "mute": Text("禁言", "mute"),
    "remove": Text("移出群聊", "remove from group"),
}

LABELS = {
    "time": Text("时间", "Time"),
    "rule": Text("规则", "Rule"),
    "severity": Text("级别", "Severity"),
    "sender": Text("成员", "Member"),
    "finding": Text("问题", "Finding"),
    "excerpt": Text("原文", "Excerpt"),
    "clause": Text("依据", "Clause"),
    "penalty": Text("处理", "Penalty"),
    "where": Text("位置", "Where"),
    "violations": Text("违规", "Violations"),
    "fines": Text("罚款(元)", "Fines (CNY)"),
    "action": Text("建议处理", "Recommended action"),
    "no_violations": Text("未发现违规。", "No violations found."),
    "members": Text("成员汇总", "Per member"),
    "fixes": Text("整改清单", "Fix list"),
    "remove": Text("移出", "Remove"),
    "rename": Text("改名", "Rename"),
    "invite": Text("邀请入群", "Invite"),
    "pending": Text("导出结束时仍在时限内（不计违规）", "Still open when the export ended (not violations)"),
    "exempted": Text("另有 {n} 项已按群规豁免：{by}", "{n} more finding(s) exempted by the policy: {by}"),
    "review": Text("待人工复核（模型判断，不计违规）", "To review: a model's findings (not violations until confirmed)"),
    "summary": Text(
        "{files} 个文件，{messages} 条消息，{events} 条系统消息，{unparsed} 行未能解析；共 {violations} 项违规。",
        "{files} file(s), {messages} messages, {events} system events, {unparsed} unparsed line(s); "
        "{violations} violation(s).",
    ),
    "members_summary": Text("成员名单 {members} 人；共 {violations} 项问题。", "{members} member(s) listed; {violations} problem(s)."),
    "unparsed_hint": Text(
        "有 {n} 行未能解析，详见 `chataudit parse {path}`。",
        "{n} line(s) could not be parsed; see `chataudit parse {path}`.",
    ),
}
