"""Peak memory of a piece of work, measured where nothing else counts.

``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is the wrong measure in a test: a child process
keeps the high-water mark of the pytest process it was forked from (Linux carries it across
exec), and in-process it never goes down, so a delta after other tests can be zero. The
kernel's VmHWM is the peak of the current program image alone."""

from __future__ import annotations

import subprocess
import sys

PEAK = "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) // 1024)"
"""A line to end a script with: the script's own peak resident memory in MiB."""


def peak_mib_of(script: str, *args: str, timeout: float = 1200) -> tuple[str, int]:
    """Run ``script`` in a fresh Python; (what it printed before the peak, its peak in MiB)."""
    done = subprocess.run([sys.executable, "-c", script + "\n" + PEAK, *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    *printed, peak = done.stdout.strip().splitlines()
    return "\n".join(printed), int(peak)
