"""Where reports go: stdout, or a file written atomically (temporary file + rename)."""

from __future__ import annotations

import os
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
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError("output folder does not exist", where=str(path), fix="create the folder first")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
