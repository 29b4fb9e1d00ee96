"""The full benchmark: time and peak memory of reading, parsing and auditing a large export.

    python bench/run.py [--sizes 1000000 5000000] [--keep] [--quick] [--night]

For each size it writes a deterministic corpus (bench/corpus.py; with --night, everyone posts
at night) and runs, each in its own process so peak memory (max RSS) is measured alone:
  raw read          reading the file line by line (the floor)
  parse             wechat-txt parsing into records
  rules: FAMILY     parsing + one rule family (--select), batch engine
  full policy       parsing + every rule of policies/default.toml, batch engine
  CLI → JSON        `chataudit audit FILE --output json -o …`, end to end, with the batch
                    engine and with the record engine (CHATAUDIT_ENGINE=records)
  grep -F -f        GNU grep with the bundled lexicons over the same file (a native reference)
--quick leaves out the families, the full-policy row and the record engine (for 5M).
Results print as a table with messages/s and the ratio to grep; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
FAMILIES = {"naming/membership (M)": "M", "response (R)": "R", "volume (S)": "S", "content (C)": "C", "hours (T)": "T"}
PY = sys.executable


def child(code: str, env: dict[str, str] | None = None) -> tuple[float, int, int | None]:
    """Run Python code in a fresh process; (seconds, peak RSS in MB, findings if it audits)."""
    start = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    *_, rss, found = proc.stdout.split()
    return seconds, int(rss), None if found == "-" else int(found)


RSS = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, {found})"


CLI = ("import json, resource\nfrom chataudit.cli import main\ntry:\n    main(['audit', {path!r}, '--output', 'json', '-o', {out!r}])\n"
       "except SystemExit:\n    pass\nrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
       "r = json.load(open({out!r}, encoding='utf-8'))\nprint(rss, r['summary']['violations'] + len(r['pending']))\n")
"""The CLI writing the JSON report; peak memory taken before the report is read back to count findings."""


def measure(path: Path, messages: int, quick: bool = False) -> list[tuple[str, float, int, int | None]]:
    rows = []
    rss = RSS.format(found="'-'")
    rows.append(("raw read", *child(f"f = open({str(path)!r}, encoding='utf-8')\nfor _ in f: pass\n{rss}")))
    rows.append(("parse (wechat-txt)", *child(
        "from pathlib import Path\nfrom zoneinfo import ZoneInfo\nfrom chataudit.jobs.inputs import open_input\n"
        f"o = open_input(Path({str(path)!r}), 'auto', ZoneInfo('Asia/Shanghai'), None)\n"
        f"for _ in o.records(): pass\n{rss}")))
    audit = ("from pathlib import Path\nfrom chataudit.jobs.audit import AuditRequest, run_audit\n"
             "from chataudit.policy.load import load_policy\n"
             f"r = run_audit(AuditRequest(paths=[Path({str(path)!r})], policy=load_policy(None), lang='zh', select={{sel}}))\n"
             + RSS.format(found="len(r.violations) + len(r.pending)"))
    if not quick:
        for label, prefix in FAMILIES.items():
            rows.append((f"parse + rules {label}", *child(audit.replace("{sel}", repr([prefix])))))
        rows.append(("full default policy", *child(audit.replace("{sel}", "None"))))
    out = str(path) + ".json"
    cli = CLI.format(path=str(path), out=out)
    rows.append(("CLI → JSON, batch engine", *child(cli)))
    if not quick:
        rows.append(("CLI → JSON, record engine", *child(cli, {"CHATAUDIT_ENGINE": "records"})))
    os.unlink(out)
    lexicons = sorted((ROOT / "policies" / "lexicons").glob("*.txt"))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as words:
        for lex in lexicons:
            words.writelines(line.lstrip("!") + "\n" for line in lex.read_text(encoding="utf-8").splitlines()
                             if line.strip() and not line.startswith("#"))
    start = time.perf_counter()
    subprocess.run(["grep", "-F", "-c", "-f", words.name, str(path)], capture_output=True)
    rows.append(("grep -F -f lexicons (native reference)", time.perf_counter() - start, 0, None))
    os.unlink(words.name)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora in /tmp")
    parser.add_argument("--quick", action="store_true", help="raw read, parse, CLI (batch engine) and grep only")
    parser.add_argument("--night", action="store_true", help="a corpus where everyone posts at night")
    args = parser.parse_args()
    import corpus

    for size in args.sizes:
        path = Path(tempfile.gettempdir()) / f"chataudit-bench-{size}{'-night' if args.night else ''}.txt"
        if not path.exists():
            corpus.write(size, str(path), night=args.night)
        mb = path.stat().st_size / 1e6
        print(f"\n{size:,} messages, {mb:,.0f} MB (bench/corpus.py)\n")
        rows = measure(path, size, args.quick)
        grep = rows[-1][1]
        print(f"{'step':44} {'seconds':>8} {'msg/s':>10} {'peak MB':>8} {'findings':>9} {'× grep':>7}")
        for label, seconds, rss, found in rows:
            print(f"{label:44} {seconds:8.1f} {size / seconds:10,.0f} {rss or '':>8} "
                  f"{'' if found is None else f'{found:,}':>9} {seconds / grep:7.1f}")
        if not args.keep:
            path.unlink()
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, {os.uname().machine}")


if __name__ == "__main__":
    main()
