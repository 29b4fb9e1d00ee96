"""Read a whole small file (a policy, a lexicon, a roster) only when it is a regular file of
a sane size: a device (/dev/zero), a named pipe or a folder named by mistake or on purpose
is refused at once, with one line, instead of being read for ever or hanging.

The path is checked with ``stat`` before it is opened (a device is never opened), opened
with O_NONBLOCK (a pipe swapped in between cannot block the open) and checked again with
``fstat`` on what was actually opened; then at most ``limit`` bytes are read, so a file that
grows while it is read cannot exhaust memory either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from chataudit.errors import ChatAuditError, InputError

MiB = 1024 * 1024


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / MiB:,.1f} MiB" if n >= MiB else f"{n:,} bytes"


def read_regular(path: Path, *, limit: int, what: str = "file", error: type[ChatAuditError] = InputError,
                 fix: str = "check the path") -> bytes:
    """The bytes of ``path``, which must be a regular file (symlinks followed) of at most
    ``limit`` bytes; anything else raises ``error`` naming the path."""
    where = str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(f"{what} not found", where=where, fix=fix) from None
    except OSError as exc:
        raise error(f"cannot read {what} ({exc.strerror})", where=where, fix=fix) from None
    if not stat.S_ISREG(mode):
        raise error(f"{_kind(mode)}, not a regular {what}", where=where, fix=fix)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise error(f"cannot read {what} ({exc.strerror})", where=where, fix=fix) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped for something else after the stat above
            raise error(f"{_kind(info.st_mode)}, not a regular {what}", where=where, fix=fix)
        if info.st_size > limit:
            raise error(f"{what} too large ({_size(info.st_size)}; the limit is {_size(limit)})", where=where,
                        fix=fix)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MiB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{what} too large (over {_size(limit)})", where=where, fix=fix)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read {what} ({exc.strerror})", where=where, fix=fix) from None
    finally:
        os.close(fd)
