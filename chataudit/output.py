"""Where reports go: stdout, a regular file written atomically, or anything else written as is.

A regular file is replaced atomically (temporary file in the same folder, then rename) and
keeps the permissions it had. A symlink is followed: its target is written, the link stays.
A device, FIFO or socket (``-o /dev/null``, ``-o /dev/stdout``) is opened and written
directly: renaming a temporary file over it would replace the device with a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from chataudit.errors import UsageError


@contextmanager
def open_output(path: Path | None, *, newline: str | None = None, encoding: str = "utf-8",
                binary: bool = False) -> Iterator[TextIO]:
    if path is None:
        if binary and sys.stdout.isatty():
            raise UsageError("this output is a binary file", fix="write it with -o FILE")
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = Path(os.path.realpath(path))
    mode = _existing_mode(target, path)
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with _opened(os.open(target, os.O_WRONLY | os.O_APPEND), binary, encoding, newline) as fh:
                yield fh
        else:
            with _atomic(target, mode, binary, encoding, newline) as fh:
                yield fh
    except OSError as exc:
        raise _output_error(exc, path) from None


def _existing_mode(target: Path, given: Path) -> int | None:
    """The mode of what the output names now (None: nothing there yet); a folder is refused."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise UsageError("output folder does not exist", where=str(given), fix="create the folder first") from None
        return None
    except OSError as exc:
        raise _output_error(exc, given) from None
    if stat.S_ISDIR(mode):
        raise UsageError("the output is a folder", where=str(given), fix="name a file inside it, e.g. -o report.json")
    return mode


def _opened(fd: int, binary: bool, encoding: str, newline: str | None):
    return os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)


@contextmanager
def _atomic(target: Path, mode: int | None, binary: bool, encoding: str, newline: str | None) -> Iterator[TextIO]:
    """Write a temporary file beside ``target`` and rename it over; keep an existing file's
    permissions, and give a new one what ``open()`` would (0666 less the umask)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        with _opened(fd, binary, encoding, newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _output_error(exc: OSError, path: Path) -> UsageError:
    """One line for what the system refused: a read-only place, a full disk, and the rest."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return UsageError("cannot write the report there (permission denied or read-only)", where=str(path),
                          fix="choose a folder you can write to with -o")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UsageError("the disk is full; the report was not written", where=str(path),
                          fix="free some space or write the report elsewhere with -o")
    return UsageError(f"cannot write the report ({exc.strerror or exc})", where=str(path),
                      fix="check the path given to -o")
