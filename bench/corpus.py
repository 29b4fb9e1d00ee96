"""A deterministic WeChat-text export of any size, shaped like a busy work group: 40 members
(a few badly named), work-hour traffic with some late posts, media, links, @mentions, tasks
from leaders with replies, notices with acknowledgements, and about 1 % planted violations
(ads, gambling, personal data, raw-IP links, floods).

    python bench/corpus.py MESSAGES OUT.txt [--night] [--groups N]

``--night`` posts every message between 22:00 and 07:30, inside the default policy's quiet
hours, so that T501 flags each one: the worst case for the number of findings (issue #18).
``--groups N`` writes a generic CSV (时间,群名,发送人,内容) instead, each message dealt to one
of N groups at random: one export holding several groups, for ``--jobs`` (issue #18).
Without them the output is the same, byte for byte, as before the options existed.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import datetime, time, timedelta

DEPTS = ["销售部", "市场部", "财务部", "技术部", "客服部", "采购部", "行政人事部", "人资中心"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚飞玲鹏辉斌宇浩凯健俊帆瑶婷雪琳晨欣怡佳琪"
CLIENTS = ["恒通物流", "苏州瑞丰", "宁波海达", "杭州云帆", "无锡正泰", "南通华美", "嘉兴新元", "常州德力"]
TEMPLATES = ["{c}的合同今天签了{n}份", "{c}要求周{d}前报价", "上午拜访{c}，对方对年框合同有兴趣", "{c}的回款{n}万已到账",
             "测试环境{n}点维护", "{c}反馈的问题已修复", "今天热线来电{n}个", "{c}的样品已寄出，单号{n}{n}",
             "会议室{n}号已预约", "第{n}周周报已提交", "{c}的发票已开，共{n}张", "请核对{c}的对账单",
             "库存盘点差异{n}件，已查明", "新员工培训定在周{d}下午", "{c}的投诉已处理，客户满意"]
PLANTED = ["威尼斯人线上娱乐，注册就送888", "招代理，零投资月入过万，加微信 vx{n}{n}", "客户电话 138{n:04d}{n:04d}",
           "新版客户端 http://45.76.12.{n}/app.apk", "内部资料，请勿外传", "据说要裁员了", "帮我砍一刀 https://pdd.example.cn/bargain?id={n}"]
REPLIES = ["收到", "好的", "辛苦了", "👍", "[表情包]", "明白", "稍等", "我看看"]


def members(rng: random.Random) -> list[str]:
    names = set()
    while len(names) < 36:
        names.add(f"{rng.choice(DEPTS)}-{rng.choice(SURNAMES)}{rng.choice(GIVEN)}")
    return sorted(names) + ["小周周🌸", "刘强", "技术部 马超", "Lucy"]


NIGHT_ENDS, NIGHT_STARTS = time(7, 30), time(22, 0)


def write(count: int, path: str, seed: int = 2023, night: bool = False, groups: int = 0) -> None:
    """The WeChat text export, or with ``groups`` the generic CSV of that many groups."""
    with open(path, "w", encoding="utf-8", newline="" if groups else None) as out:
        if not groups:
            for t, sender, text in messages(count, seed, night):
                out.write(f"{t:%Y-%m-%d %H:%M:%S} {sender}\n{text}\n\n")
            return
        dealer = random.Random(seed + 1)  # apart from the messages' own, which stay as they are
        rows = csv.writer(out)
        rows.writerow(["时间", "群名", "发送人", "内容"])
        for t, sender, text in messages(count, seed, night):
            rows.writerow([f"{t:%Y-%m-%d %H:%M:%S}", f"项目群{dealer.randrange(groups) + 1}", sender, text])


def messages(count: int, seed: int, night: bool) -> Iterator[tuple[datetime, str, str]]:
    rng = random.Random(seed)
    people = members(rng)
    leaders = ["王建国", "人资中心-李敏"]
    t = datetime(2023, 1, 2, 8, 30)
    for i in range(count):
        t += timedelta(seconds=rng.choice([2, 5, 20, 40, 90, 180, 600]))
        if night:
            if NIGHT_ENDS <= t.time() < NIGHT_STARTS:  # day time: skip to tonight
                t = t.replace(hour=22, minute=0, second=0)
        elif t.hour >= 19 and rng.random() < 0.9:  # most nights are quiet
            t = (t + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
        roll = rng.random()
        sender = rng.choice(leaders) if roll < 0.03 else rng.choice(people)
        if roll < 0.015:
            text = f"@{rng.choice(people)} {rng.choice(CLIENTS)}的报价今天下班前发我"
        elif roll < 0.02:
            text = f"@所有人 【通知】周{rng.randint(1, 5)}下午{rng.randint(2, 5)}点全员大会，请回复收到"
        elif roll < 0.03:
            text = rng.choice(PLANTED).format(n=rng.randint(1, 9999))
        elif roll < 0.13:
            text = rng.choice(["[图片]", "[图片]", "[视频]", "[语音]", "[文件]"])
        elif roll < 0.30:
            text = rng.choice(REPLIES)
        else:
            text = rng.choice(TEMPLATES).format(c=rng.choice(CLIENTS), n=rng.randint(1, 999), d=rng.randint(1, 5))
            if roll > 0.97:
                text += f" 详见 https://docs.example.com/{i}"
        yield t, sender, text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("messages", type=int)
    parser.add_argument("out")
    parser.add_argument("--night", action="store_true", help="every message inside the quiet hours 22:00–07:30")
    parser.add_argument("--groups", type=int, default=0, help="a generic CSV of this many groups")
    args = parser.parse_args()
    write(args.messages, args.out, night=args.night, groups=args.groups)
