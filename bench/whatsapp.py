"""WhatsApp parse speed: chataudit's whatsapp-txt parser against whatstk's (issue #18).

    python bench/whatsapp.py --whatstk-python /tmp/wsvenv/bin/python [--messages 300000] [--repeat 3] [--keep]

whatstk (pandas) lives in a venv of its own, never in chataudit's:
``python3 -m venv /tmp/wsvenv && /tmp/wsvenv/bin/pip install whatstk``.

It writes a deterministic Android export (``DD/MM/YYYY, HH:MM - name: text``: the layout both
parsers read, given to whatstk as ``hformat='%d/%m/%Y, %H:%M - %name:'``) of the benchmark
corpus's messages (bench/corpus.py: Chinese work chat), with English speakers and text mixed in,
every 25th message running over two or three lines, ``<Media omitted>`` for media and a system
line (no ``name:``) every 1,000 messages. Each tool then reads the whole file in a process of its
own (bench/run.py's ``child``): chataudit into records (``open_input(…).records()``, what
``chataudit parse`` prints), whatstk into its DataFrame (``df_from_whatsapp``). The table gives
the best of ``--repeat`` runs: the process's wall time, messages/s over it, its peak RSS, and the
messages each read; the two counts must agree. Startup (interpreter and imports, measured alone
in the same way) is included in the seconds, shown apart, and taken out for the last column.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path
from unittest import mock

import corpus
import run
from run import RSS, child

HFORMAT = "%d/%m/%Y, %H:%M - %name:"
ENGLISH = {"Anna Schmidt": ["Thanks, will check tonight", "Meeting moved to 3pm", "Can you resend the Q3 sheet?"],
           "Tom Baker": ["OK", "On my way", "Note: the client wants a call tomorrow"]}
SECOND_LINES = ["明细见附件", "Details below:", "- 第一项：报价\n- second item: delivery date"]
# (imports, the reading): the imports alone are the startup
CHATAUDIT = ("from pathlib import Path\nfrom zoneinfo import ZoneInfo\nfrom chataudit.jobs.inputs import open_input\n"
             "from chataudit.records import Message\n",
             "o = open_input(Path({path!r}), 'auto', ZoneInfo('Asia/Shanghai'), None)\n"
             "n = sum(isinstance(r, Message) for r in o.records())\n")
WHATSTK = ("from whatstk import df_from_whatsapp\n",
           "n = len(df_from_whatsapp({path!r}, hformat={hformat!r}, max_size=None))\n")


def write(count: int, path: Path, seed: int = 2023) -> None:
    """``count`` messages, plus the encryption notice and a system line every 1,000 messages."""
    rng = random.Random(seed + 2)  # apart from the corpus's own
    with path.open("w", encoding="utf-8") as out:
        out.write("02/01/2023, 08:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, "
                  "not even WhatsApp, can read or listen to them. Tap to learn more.\n")
        for i, (t, sender, text) in enumerate(corpus.messages(count, seed, night=False)):
            stamp = f"{t:%d/%m/%Y, %H:%M} - "
            if i % 1000 == 999:
                out.write(f"{stamp}王建国 added {sender}\n")
            if rng.random() < 0.1:
                sender = rng.choice(list(ENGLISH))
                text = rng.choice(ENGLISH[sender])
            elif text.startswith(("[图片]", "[视频]", "[语音]", "[文件]")):
                text = "<Media omitted>"
            if i % 25 == 0:
                text += "\n" + rng.choice(SECOND_LINES)
            out.write(f"{stamp}{sender}: {text}\n")


def best(code: str, python: str, repeat: int) -> tuple[float, int, int]:
    """The fastest of ``repeat`` runs of ``code`` (which sets ``n``) in a fresh ``python``:
    (seconds, peak MB, n)."""
    with mock.patch.object(run, "PY", python):  # child() runs run.PY
        return min(child(code + RSS.format(found="n")) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whatstk-python", required=True, help="a Python with whatstk installed")
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best is shown")
    parser.add_argument("--keep", action="store_true", help="keep the generated export in /tmp")
    args = parser.parse_args()
    if not Path(args.whatstk_python).is_file():
        sys.exit(f"no Python at {args.whatstk_python}: make the venv with "
                 "`python3 -m venv /tmp/wsvenv && /tmp/wsvenv/bin/pip install whatstk`")
    path = Path(tempfile.gettempdir()) / f"chataudit-bench-whatsapp-{args.messages}.txt"
    if not path.exists():
        write(args.messages, path)
    tools = {"chataudit (whatsapp-txt)": (sys.executable, CHATAUDIT), "whatstk": (args.whatstk_python, WHATSTK)}
    print(f"\n{args.messages:,} messages, {path.stat().st_size / 1e6:,.0f} MB, best of {args.repeat}\n")
    print(f"{'tool':26} {'seconds':>8} {'msg/s':>9} {'peak MB':>8} {'messages':>9} {'startup s':>9} "
          f"{'msg/s w/o startup':>17}")
    counts = set()
    for label, (python, (imports, reading)) in tools.items():
        seconds, rss, found = best(imports + reading.format(path=str(path), hformat=HFORMAT), python, args.repeat)
        startup = best(imports + "n = 0\n", python, args.repeat)[0]
        counts.add(found)
        print(f"{label:26} {seconds:8.2f} {args.messages / seconds:9,.0f} {rss:8} {found:9,} {startup:9.2f} "
              f"{args.messages / (seconds - startup):17,.0f}")
    if not args.keep:
        path.unlink()
    if counts != {args.messages}:
        sys.exit(f"the tools read different numbers of messages: {sorted(counts)} (wrote {args.messages:,})")


if __name__ == "__main__":
    main()
