"""`--jobs 2` against `--jobs 1` on one export of two groups, beside what this machine gives two
processes at all.

    python bench/jobs.py [--messages 1000000] [--rounds 3] [--keep]

It writes the bench corpus as a generic CSV of two groups (``bench/corpus.py N OUT --groups 2``)
and runs, each round in this order: a small pure-Python loop alone, two copies of it at once,
``chataudit audit OUT --output json --jobs 1`` and the same with ``--jobs 2``. The loop pair
measures what the machine gives two busy processes (on a shared 2-core VM it varies from
minute to minute: 1.3–2.0× was seen on one day), so each round's speed-up is shown beside that
ceiling. CPU is the user + system time of the process and its workers. The two reports must
be identical, byte for byte; a round where they are not stops the run.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
LOOP = ("d = {}\nfor i in range(8_000_000):\n    d[i & 1023] = d.get(i & 1023, 0) + i\n")
"""About two seconds of dictionary work with a tiny working set: the machine's own parallelism."""


def timed(commands: list[list[str]]) -> tuple[float, float]:
    """Run the commands at once; (wall seconds, CPU seconds of them and their children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode not in (0, 1):  # 1: the audit found violations
            raise SystemExit(err.decode(errors="replace"))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV in the temporary folder")
    args = parser.parse_args()
    import corpus

    folder = Path(tempfile.gettempdir())
    export = folder / f"chataudit-jobs-{args.messages}.csv"
    if not export.exists():
        corpus.write(args.messages, str(export), groups=2)
    loop = [sys.executable, "-c", LOOP]
    audit = [sys.executable, "-m", "chataudit", "audit", str(export), "--output", "json", "-o"]
    reports = [folder / f"chataudit-jobs-{jobs}.json" for jobs in (1, 2)]
    print(f"{args.messages:,} messages in two groups, {export.stat().st_size / 1e6:,.0f} MB (generic CSV)\n")
    print(f"{'round':>5} {'loop':>6} {'2 loops':>8} {'ceiling':>8} {'--jobs 1':>9} {'CPU':>6} "
          f"{'--jobs 2':>9} {'CPU':>6} {'speed-up':>9} {'of ceiling':>11}")
    for round_ in range(1, args.rounds + 1):
        alone, _ = timed([loop])
        pair, _ = timed([loop, loop])
        one, one_cpu = timed([audit + [str(reports[0]), "--jobs", "1"]])
        two, two_cpu = timed([audit + [str(reports[1]), "--jobs", "2"]])
        if not filecmp.cmp(*reports, shallow=False):
            raise SystemExit(f"round {round_}: the --jobs 2 report differs from the --jobs 1 report")
        ceiling = 2 * alone / pair
        print(f"{round_:5} {alone:6.2f} {pair:8.2f} {ceiling:7.2f}× {one:8.1f}s {one_cpu:6.1f} "
              f"{two:8.1f}s {two_cpu:6.1f} {one / two:8.2f}× {one / two / ceiling:10.0%}")
    for report in reports:
        report.unlink()
    if not args.keep:
        export.unlink()
    print(f"\nreports identical in every round; Python {sys.version.split()[0]}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
