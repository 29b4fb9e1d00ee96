"""Rules about how much people post: flooding, repeats, media floods, long messages, red packets."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Annotated, Literal

import numpy as np
import regex
from pydantic import AfterValidator, Field

from chataudit.columns import KIND_CODE, Batch
from chataudit.findings import Finding, Severity
from chataudit.i18n import Text, duration
from chataudit.policy.types import Duration
from chataudit.records import ALL_MEMBERS, Kind, Message
from chataudit.rules.base import Rule, RuleOptions
from chataudit.text.normalize import count_zi, letters_only

EMOJI_ONLY = regex.compile(r"^[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]*\p{Extended_Pictographic}[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]*$")
"""A text of emoji alone (👍👍, 🙏🏻): sent like a sticker."""


def _may_be_emoji(text: str) -> bool:
    """Whether a text can be emoji alone, judged from its first character: most texts cannot."""
    first = text.lstrip()[:1]
    return first >= "\xa9" and not "\u3400" <= first <= "\u9fff"


def _check_thresholds(value: list[tuple[int, timedelta]]) -> list[tuple[int, timedelta]]:
    if not value:
        raise ValueError("give at least one [count, window] pair, e.g. [5, \"10s\"]")
    for count, window in value:
        if count < 2 or window <= timedelta(0):
            raise ValueError("each threshold needs a count of at least 2 and a positive window")
    return value


Thresholds = Annotated[list[tuple[int, Duration]], AfterValidator(_check_thresholds)]


class BurstCounter:
    """Per key (a sender), how many events fall in the window ending now, for several
    windows at once. A burst is reported once: the key stays "in a burst" until every
    threshold is clear again.

    Memory stays small whatever the number of keys: each keeps at most the largest
    threshold's count of epoch seconds, and a key whose last event is older than the longest
    window (behind the latest event seen) is dropped, since no later event can count it. A
    million one-message senders would otherwise hold a million queues."""

    def __init__(self, thresholds: list[tuple[int, timedelta]]):
        self.thresholds = [(count, window.total_seconds()) for count, window in thresholds]
        self.windows = thresholds
        self.keep = max(count for count, _ in thresholds)
        self.longest = max(window for _, window in self.thresholds)
        self.times: dict[tuple, list[float]] = {}
        self.in_burst: set[tuple] = set()
        self.latest = float("-inf")
        self.sweep_at = 1024  # keys; doubles with what survives a sweep

    def add(self, key: tuple, ts: datetime) -> tuple[int, timedelta] | None:
        """Record one event; the (count, window) that a new burst just crossed, or None."""
        now = ts.timestamp()
        self.latest = max(self.latest, now)
        times = self.times.get(key)
        if times is None:
            if len(self.times) >= self.sweep_at:
                self._sweep()
            times = self.times[key] = []
        times.append(now)
        if len(times) > self.keep:
            del times[0]
        crossed = None
        for (count, window), (_, span) in zip(self.thresholds, self.windows):
            inside = len(times) - bisect_right(times, now - window)  # events inside (ts - window, ts]
            if inside >= count:
                crossed = (inside, span)
                break
        if crossed is None:
            self.in_burst.discard(key)
            return None
        if key in self.in_burst:
            return None
        self.in_burst.add(key)
        return crossed

    def add_all(self, keys: np.ndarray, names: list[tuple], times: np.ndarray) -> dict[int, tuple[int, timedelta]] | None:
        """``add`` for many events at once, in order: ``keys[i]`` (an integer standing for
        ``names[keys[i]]``) at epoch second ``times[i]``. Returns {i: what ``add`` would have
        returned} for the events that start a burst, and leaves the counter as ``add`` would.
        None, with nothing changed, when some key's times go backwards: ``add`` then, one by one.

        Each event's count in a window is its position among its key's events (this batch's,
        after the ones the counter kept) minus the position of the first inside the window, both
        found with one sorted search; a burst starts where a key's events cross a threshold
        after one that did not."""
        if not len(keys):
            return {}
        keep = self.keep
        present = np.unique(keys)
        kept = [(code, self.times.get(names[code], ())) for code in present.tolist()]
        old_keys = np.fromiter((code for code, times in kept for _ in times), dtype=np.int64)
        old_times = np.fromiter((t for _, times in kept for t in times), dtype=np.float64)
        all_keys = np.concatenate([old_keys, keys])
        order = np.argsort(all_keys, kind="stable")  # by key; within a key, kept times first, then in order
        key, at = all_keys[order], np.concatenate([old_times, times])[order]
        same = np.concatenate([[False], key[1:] == key[:-1]])  # the previous event has the same key
        if np.any(same[1:] & (at[1:] < at[:-1])):
            return None
        stamps = np.unique(at)
        span = len(stamps) + 1
        ranked = np.cumsum(~same) * span  # each key's block of the sorted order
        place = ranked + np.searchsorted(stamps, at)
        position = np.arange(len(at))
        crossed = np.zeros(len(at), dtype=bool)
        count = np.zeros(len(at), dtype=np.int64)
        window_of = np.full(len(at), -1)
        for index, (need, window) in enumerate(self.thresholds):
            first = np.searchsorted(place, ranked + np.searchsorted(stamps, at - window, side="right"))
            inside = np.minimum(position - first + 1, keep)
            new = (inside >= need) & ~crossed
            count[new], window_of[new] = inside[new], index
            crossed |= new
        is_ours = order >= len(old_keys)  # the kept times' own counts are not known, only whether the last was in a burst
        in_burst = np.isin(key, [code for code in present.tolist() if names[code] in self.in_burst])
        was = np.where(np.concatenate([[False], is_ours[:-1]]) & same, np.concatenate([[False], crossed[:-1]]), in_burst)
        ours = np.flatnonzero(is_ours)
        starts = ours[crossed[ours] & ~was[ours]]
        found = {int(order[i]) - len(old_keys): (int(count[i]), self.windows[window_of[i]][1]) for i in starts.tolist()}
        self._keep_last(key, at, crossed, names)
        return found

    def _keep_last(self, key: np.ndarray, at: np.ndarray, crossed: np.ndarray, names: list[tuple]) -> None:
        """What ``add`` keeps after the events sorted by key: each key's last ``keep`` times,
        and whether its last event is in a burst."""
        ends = np.flatnonzero(np.concatenate([key[1:] != key[:-1], [True]])) + 1
        begin = 0
        for end in ends.tolist():
            name = names[int(key[end - 1])]
            if name not in self.times and len(self.times) >= self.sweep_at:
                self._sweep()
            self.times[name] = at[max(begin, end - self.keep):end].tolist()
            if crossed[end - 1]:
                self.in_burst.add(name)
            else:
                self.in_burst.discard(name)
            begin = end
        self.latest = max(self.latest, float(at.max()))

    def _sweep(self) -> None:
        horizon = self.latest - self.longest
        stale = [key for key, times in self.times.items() if times[-1] <= horizon]
        for key in stale:
            del self.times[key]
            self.in_burst.discard(key)
        self.sweep_at = max(1024, 2 * len(self.times))


class BurstRule(Rule):
    """Too many messages of some kind from one sender in a window; ``unit`` names what is counted."""

    unit: Text

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter = BurstCounter(self.options.thresholds)
        self._bursts: dict[int, tuple[int, timedelta]] | None = None  # row → burst, from the last select

    def counts(self, msg: Message) -> bool:
        return msg.sender not in getattr(self.options, "exempt", ())

    def on_message(self, msg: Message) -> Iterable[Finding]:
        burst = self.burst(msg) if self.counts(msg) else None
        return () if burst is None else (burst,)

    def select(self, batch: Batch) -> np.ndarray:
        """The messages that start a burst, found over the whole batch (``BurstCounter.add_all``);
        every counted message when some sender's times go backwards."""
        rows = np.flatnonzero(self.counted(batch))
        members, keys = np.unique(batch.member[rows], return_inverse=True)
        names = [batch.member_name(member) for member in members.tolist()]
        found = self.counter.add_all(keys.reshape(-1), names, batch.ts[rows])
        if found is None:
            self._bursts = None
            return rows
        self._bursts = {int(rows[i]): crossed for i, crossed in found.items()}
        return np.array(sorted(self._bursts), dtype=np.int64)

    def confirm(self, msg: Message, row: int) -> Iterable[Finding]:
        if self._bursts is None:
            return self.on_message(msg)
        return (self.burst_finding(msg, self._bursts[row]),)

    def counted(self, batch: Batch) -> np.ndarray:
        """``counts`` as a mask over the batch."""
        exempt = set(getattr(self.options, "exempt", ()))
        return batch.is_message & ~batch.senders_where(exempt.__contains__) if exempt else batch.is_message

    def burst(self, msg: Message) -> Finding | None:
        crossed = self.counter.add((msg.group, msg.sender), msg.ts)
        return None if crossed is None else self.burst_finding(msg, crossed)

    def burst_finding(self, msg: Message, crossed: tuple[int, timedelta]) -> Finding:
        count, window = crossed
        span = duration(window.total_seconds())
        return self.finding(msg, Text(f"{span.zh}内连续发送 {count} {self.unit.zh}",
                                      f"{count} {self.unit.en} within {span.en}"), count=count)


class Flood(BurstRule):
    """Too many messages from one sender in a short window (严禁刷屏).

    Thresholds are [count, window] pairs and all apply at once (default: 5 messages within
    10 seconds, or 10 within 60 seconds); a window is half-open, so 5 messages spread over
    exactly 10 seconds are not a flood. One burst is reported once, at the message that
    crossed the threshold.

    Violates:
        2023-10-09 11:11:00 客服部-黄婷 / 在吗
        + 2023-10-09 11:11:02 客服部-黄婷 / 在吗在吗
        + 2023-10-09 11:11:04 客服部-黄婷 / 急！
        + 2023-10-09 11:11:06 客服部-黄婷 / 客户在前台
        + 2023-10-09 11:11:08 客服部-黄婷 / 谁能下来一下
    Clean:
        2023-10-09 11:11:00 客服部-黄婷 / 在吗
        + 2023-10-09 11:11:02 客服部-黄婷 / 在吗在吗
        + 2023-10-09 11:11:04 客服部-黄婷 / 急！
        + 2023-10-09 11:11:06 客服部-黄婷 / 客户在前台
        + 2023-10-09 11:11:10 客服部-黄婷 / 谁能下来一下
    """

    id = "S301"
    name = "flood"
    severity = Severity.WARNING
    title = Text("刷屏", "Flooding the group")
    explanation = Text("短时间内连续发送大量消息会淹没他人的发言，请合并成一条消息。",
                       "Many messages in a few seconds drown out everyone else; put them in one message.")
    clause = Text("严禁刷屏影响他人交流。", "No flooding the group (刷屏).")

    unit = Text("条消息（刷屏）", "messages (flooding)")

    class Options(RuleOptions):
        thresholds: Thresholds = [(5, timedelta(seconds=10)), (10, timedelta(seconds=60))]
        exempt: list[str] = []


class MediaFlood(BurstRule):
    """Too many images, videos or stickers from one sender in a window (严禁过度在群里发图片；可以把好的图片分享到朋友圈或者把链接发到群里).

    Default: 5 within 1 minute. ``kinds`` chooses what counts (image, video, sticker…);
    with ``emoji_only`` (default) a text made of emoji alone (👍👍👍) counts as a sticker.

    Violates:
        2023-10-11 13:30:00 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:04 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:08 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:12 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:16 采购部-吴刚 / [视频]
    Clean:
        2023-10-11 13:30:00 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:04 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:08 采购部-吴刚 / [图片]
        + 2023-10-11 13:30:12 采购部-吴刚 / [图片]
        + 2023-10-11 13:31:00 采购部-吴刚 / [图片]
    """

    id = "S303"
    name = "media-flood"
    severity = Severity.WARNING
    title = Text("过度发图", "Too many images or videos")
    explanation = Text("请不要在群里连续发大量图片或视频，可以分享到朋友圈或发链接。",
                       "Do not post many pictures or videos in a row; share an album or a link instead.")
    clause = Text("严禁过度在群里发图片，可以把好的图(照)片分享到朋友圈或者是把链接发到群里面。",
                  "No excessive pictures in the group; share them as a link instead.")

    unit = Text("张图片/视频/表情", "images/videos/stickers")

    class Options(RuleOptions):
        thresholds: Thresholds = [(5, timedelta(minutes=1))]
        kinds: list[Kind] = [Kind.IMAGE, Kind.VIDEO, Kind.STICKER]
        emoji_only: bool = True
        exempt: list[str] = []

    def counts(self, msg: Message) -> bool:
        media = msg.kind in self.options.kinds or (
            self.options.emoji_only and Kind.STICKER in self.options.kinds and msg.kind == Kind.TEXT
            and EMOJI_ONLY.match(msg.text) is not None)
        return media and super().counts(msg)

    def counted(self, batch: Batch) -> np.ndarray:
        media = batch.of_kinds(self.options.kinds)
        if self.options.emoji_only and Kind.STICKER in self.options.kinds:
            texts = np.flatnonzero(batch.of_kinds([Kind.TEXT]))
            media[texts] = [_may_be_emoji(batch.texts[row]) and EMOJI_ONLY.match(batch.texts[row]) is not None
                            for row in texts.tolist()]
        return media & super().counted(batch)


class MentionSpam(Rule):
    """Too many people @-mentioned in one message, or @所有人 by someone who may not (不得随意@所有人).

    A message that mentions more than ``max_mentions`` different members is mention spam. An
    @所有人 / @all is for the owner, the admins and the leaders (and ``exempt``); it is checked
    only when the policy names at least one of them, since otherwise nobody is known to be
    allowed.

    Violates:
        2023-10-10 10:00:00 市场部-周杰 / @销售部-张伟 @销售部-王磊 @财务部-陈静 @技术部-刘洋 @客服部-黄婷 @行政人事部-孙丽 新店开业，都来捧场
        2023-10-10 10:00:00 市场部-周杰 / @所有人 新店开业，都来捧场
    Clean:
        2023-10-10 10:00:00 市场部-周杰 / @销售部-张伟 @销售部-王磊 下午的会改到三点
        2023-10-10 10:00:00 王建国 / @所有人 下午三点开会
    """

    id = "S308"
    name = "mention-spam"
    severity = Severity.WARNING
    title = Text("滥用@提醒", "Mention spam")
    explanation = Text("一次@很多人或随意@所有人会打扰全体成员；@所有人只由群主、管理员和领导使用。",
                       "Mentioning many people, or @all, disturbs everyone; @all is for the owner, admins and leaders.")
    clause = Text("不得随意@所有人或一次@多人。", "Do not @all or mention many people at once without need.")

    class Options(RuleOptions):
        max_mentions: int = Field(5, ge=1)
        exempt: list[str] = []

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if not msg.mentions or msg.sender in self.options.exempt:
            return ()
        people = [m for m in msg.mentions if m != ALL_MEMBERS]
        if len(people) > self.options.max_mentions:
            return (self.finding(msg, Text(f"一条消息@了 {len(people)} 人（上限 {self.options.max_mentions}）",
                                           f"Mentions {len(people)} people in one message (limit {self.options.max_mentions})"),
                                 mentions=len(people)),)
        if ALL_MEMBERS in msg.mentions and self._roles_known() and not self._may_mention_all(msg.sender):
            return (self.finding(msg, Text("非群主、管理员或领导使用了@所有人", "Used @all without being the owner, an admin or a leader")),)
        return ()

    def select(self, batch: Batch) -> np.ndarray:
        """The messages that mention someone."""
        return np.flatnonzero(batch.mentioning)

    def _roles_known(self) -> bool:
        roles = self.ctx.roles
        return bool(roles.owner or roles.admins or roles.leaders or roles.leader_titles)

    def _may_mention_all(self, sender: str) -> bool:
        return self.ctx.is_admin(sender) or self.ctx.is_leader(sender)


class RepeatedContent(Rule):
    """The same content posted again within a period of its last posting (同样内容仅限发布一次；切忌重复推送).

    Messages are compared on their normalised text (width, case, zero-width characters) with
    punctuation, emoji and spacing ignored, so "全场五折！！" repeats "全场五折～". Links compare
    by URL. Short messages (under ``min_chars`` letters, such as 收到 or 好的) and media
    placeholders are never repeats. ``scope = "group"`` also catches one text pasted by
    several people (chain messages).

    Violates:
        2023-10-11 16:30:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！
        + 2023-10-11 16:35:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场～～
    Clean:
        2023-10-11 16:30:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！
        + 2023-10-13 16:35:00 市场部-周杰 / 新店开业，全场五折，欢迎捧场！
        2023-10-11 09:00:00 市场部-周杰 / 收到
        + 2023-10-11 09:05:00 市场部-周杰 / 收到
    """

    id = "S302"
    name = "repeated-content"
    severity = Severity.WARNING
    title = Text("重复发布相同内容", "Same content posted again")
    explanation = Text("同样的内容仅限发布一次，重复推送会干扰大家。", "Post the same content only once.")
    clause = Text("同样内容仅限发布一次；切忌重复推送。", "The same content may be posted only once.")

    class Options(RuleOptions):
        period: Duration = timedelta(days=1)
        scope: Literal["sender", "group"] = "sender"
        min_chars: int = 6

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # key → (time of its last posting, time and sender of its first), ordered by the last
        # posting, so the front is always the content to forget first. Only what a finding
        # names is kept, not the message: a day of a busy group fits in it.
        self.recent: OrderedDict[tuple, tuple[datetime, datetime, str]] = OrderedDict()
        self._latest: datetime | None = None  # the latest message of the batches selected from
        self._repeats: dict[int, tuple[datetime, datetime, str]] = {}  # row → what it repeats, from the last select

    def on_message(self, msg: Message) -> Iterable[Finding]:
        self._forget(msg.ts)
        if msg.kind == Kind.LINK:
            key = self._key(msg.group, msg.sender, msg.url, None)
        elif msg.kind in (Kind.TEXT, Kind.QUOTE):
            key = self._key(msg.group, msg.sender, None, letters_only(self.ctx.folded(msg)))
        else:
            key = None
        seen = self._remember(msg.ts, msg.sender, key)
        return () if seen is None else (self._repeat(msg, seen),)

    def select(self, batch: Batch) -> np.ndarray:
        """``on_message`` over the batch, in order, for the messages that may have a key (a
        link, or a text at least ``min_chars`` long, which never has more letters than
        characters), with the batch's normalised texts; the others only move the clock
        ``_forget`` reads, so each keyed message forgets by the latest message before it.
        Picks the repeats."""
        keyed = batch.of_kinds([Kind.TEXT, Kind.QUOTE]) & (batch.length >= self.options.min_chars)
        links = np.flatnonzero(batch.of_kinds([Kind.LINK]))
        urls = batch.urls
        keyed[links] = [bool(urls[row]) for row in links.tolist()]
        stamps = np.where(batch.is_message, batch.ts, -np.inf)
        latest = np.maximum.accumulate(np.where(stamps >= np.maximum.accumulate(stamps), np.arange(len(batch)), 0))
        scan = self.ctx.scan(batch) if keyed.any() else None
        self._repeats = {}
        moments, recent, period = batch.moments, self.recent, self.options.period
        letters = scan.letters if scan is not None else []
        link, kinds, senders, groups = KIND_CODE[Kind.LINK], batch.kind.tolist(), batch.sender.tolist(), batch.group.tolist()
        sender_names, group_names, unsafe = batch.senders.names, batch.groups.names, scan.unsafe.tolist() if scan else []
        clock_at, now = -1, None
        for row, at in zip(np.flatnonzero(keyed).tolist(), latest[keyed].tolist()):
            if at != clock_at:
                clock_at, now = at, self._now(moments[at])
            if recent and now - next(iter(recent.values()))[0] > period:
                self._forget(now)
            if kinds[row] == link:
                url, body = urls[row], None
            else:
                url, body = None, letters_only(self.ctx.folded(batch.records[row])) if unsafe[row] else letters[row]
            sender = sender_names[senders[row]]
            key = self._key(group_names[groups[row]], sender, url, body)
            seen = self._remember(moments[row], sender, key)
            if seen is not None:
                self._repeats[row] = seen
        if batch.is_message.any():
            self._now(moments[int(latest[-1])])
        return np.array(sorted(self._repeats), dtype=np.int64)

    def confirm(self, msg: Message, row: int) -> Iterable[Finding]:
        return (self._repeat(msg, self._repeats[row]),)

    def _now(self, latest: datetime) -> datetime:
        """The clock ``select`` forgets by: the latest message's time so far, ``latest`` being this batch's."""
        if self._latest is None or latest > self._latest:
            self._latest = latest
        return self._latest

    def _remember(self, ts: datetime, sender: str, key: tuple | None) -> tuple[datetime, datetime, str] | None:
        """Note a keyed message's posting; what it repeats (last posting, first posting and
        sender), or None."""
        if key is None:
            return None
        seen = self.recent.pop(key, None)
        if seen is not None and ts - seen[0] > self.options.period:
            seen = None  # out of time order: past the period, though not yet forgotten
        self.recent[key] = (ts, *seen[1:]) if seen else (ts, ts, sender)
        return seen

    def _repeat(self, msg: Message, seen: tuple[datetime, datetime, str]) -> Finding:
        _, first_ts, first_sender = seen
        when = first_ts.astimezone(self.ctx.tz).strftime("%m-%d %H:%M")
        same_person = first_sender == msg.sender
        by = "" if same_person else f"（{first_sender} 已发过）"
        by_en = "" if same_person else f" (first posted by {first_sender})"
        return self.finding(msg, Text(f"与 {when} 发布的内容重复{by}", f"Repeats content posted at {when}{by_en}"),
                            first=first_ts.isoformat())

    def _forget(self, now: datetime) -> None:
        """Drop the contents last posted more than ``period`` before ``now``. Each content
        expires by its own last posting, whatever other groups post, so a group's answers are
        the same audited alone (``--jobs`` splits an export by group)."""
        while self.recent:
            last = next(iter(self.recent.values()))[0]
            if now - last <= self.options.period:
                break
            self.recent.popitem(last=False)

    def _key(self, group: str, sender: str, url: str | None, letters: str | None) -> tuple | None:
        """Group, sender (with scope = "sender") and a 16-byte digest of the compared content:
        a link's ``url`` (a link without one has no key), or a text's ``letters`` (its
        normalised form's letters, None for a message that is neither). The digest keeps the
        key small however long the message; a collision is as likely as guessing a 128-bit number."""
        if url:
            body = url
        elif letters is None or len(letters) < self.options.min_chars:
            return None
        else:
            body = letters
        who = sender if self.options.scope == "sender" else ""
        return (group, who, hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).digest())


class LongMessage(Rule):
    """Text longer than the limit (内容请在200字内，超过则使用链接分享).

    Length is counted as a Chinese reader counts 字: each Chinese character or punctuation
    mark is one, each English word or number is one; links, spaces and quoted text are not
    counted.

    Violates:
        2023-10-13 10:30:00 客服部-黄婷 / 关于近期客户回访工作的几点说明：一是要做好回访记录，每次回访后当天录入系统，写清楚客户的主要诉求、我们的答复以及后续跟进计划；二是对重点客户要安排专人负责，每周至少联系一次，遇到问题及时上报部门负责人，不要拖延；三是回访时注意礼貌用语，不得与客户发生争执，遇到投诉先安抚情绪再记录问题；四是每月底汇总回访情况，形成书面报告提交人资中心和总经理办公室，作为季度考核的依据之一；五是回访中发现的产品问题要同步给技术部。
    Clean:
        2023-10-13 10:30:00 客服部-黄婷 / 回访说明已上传共享盘，详见 https://pan.example.com/s/abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789
    """

    id = "S304"
    name = "long-message"
    severity = Severity.INFO
    title = Text("消息过长", "Message too long")
    explanation = Text("长篇内容请整理成文档或链接分享，群里只发摘要。", "Share long content as a document or link; post a summary.")
    clause = Text("内容请在200字内，超过则使用链接分享。", "Keep posts under 200 characters; share longer content as a link.")

    class Options(RuleOptions):
        max_chars: int = 200

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if msg.kind not in (Kind.TEXT, Kind.QUOTE) or len(msg.text) <= self.options.max_chars:
            return ()  # count_zi never counts more than the characters there are (select relies on it too)
        length = count_zi(msg.text)
        if length <= self.options.max_chars:
            return ()
        limit = self.options.max_chars
        return (self.finding(msg, Text(f"消息共 {length} 字，超过 {limit} 字上限，请改用链接或文档分享",
                                       f"{length} characters, over the {limit}-character limit; share a link instead"),
                             length=length),)

    def select(self, batch: Batch) -> np.ndarray:
        """Texts with more characters than the limit."""
        return np.flatnonzero(batch.of_kinds([Kind.TEXT, Kind.QUOTE]) & (batch.length > self.options.max_chars))


class TrivialRedPacket(BurstRule):
    """Red packets below a minimum amount (不发一分钱红包), or red-packet spam.

    When the export carries the amount, a packet under ``min_amount`` 元 is flagged. Every
    export shows the packet itself, so a sender posting too many in a window is flagged too
    (default: 3 within 10 minutes).

    Violates:
        2023-10-13 12:00:00 销售部-刘洋 / [红包]
        + 2023-10-13 12:01:00 销售部-刘洋 / [红包]
        + 2023-10-13 12:02:00 销售部-刘洋 / [红包]
    Clean:
        2023-10-13 12:00:00 销售部-刘洋 / [红包]
        + 2023-10-13 12:30:00 销售部-刘洋 / [红包]
    """

    id = "S307"
    name = "trivial-red-packet"
    severity = Severity.INFO
    title = Text("红包刷屏或金额过小", "Trivial or repeated red packets")
    explanation = Text("请勿发一分钱红包或连续发红包刷屏。", "No one-cent red packets and no red-packet spam.")
    clause = Text("不发广告、不拉票、不发打车外卖链接、不发一分钱红包。", "No one-cent red packets.")

    unit = Text("个红包", "red packets")

    class Options(RuleOptions):
        min_amount: float = 1.0
        thresholds: Thresholds = [(3, timedelta(minutes=10))]

    def select(self, batch: Batch) -> np.ndarray:
        """Red packets: nothing else moves this rule."""
        self._bursts = None
        return np.flatnonzero(batch.of_kinds([Kind.RED_PACKET]))

    def on_message(self, msg: Message) -> Iterable[Finding]:
        if msg.kind != Kind.RED_PACKET:
            return ()
        found = []
        if msg.amount is not None and msg.amount < self.options.min_amount:
            found.append(self.finding(msg, Text(f"红包金额 {msg.amount:g} 元，低于 {self.options.min_amount:g} 元",
                                                f"Red packet of {msg.amount:g} yuan, under {self.options.min_amount:g}"),
                                      amount=msg.amount))
        burst = self.burst(msg)
        return found if burst is None else [*found, burst]
