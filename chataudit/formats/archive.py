"""Read an export that is a folder or a .zip (a Slack workspace export, an iOS WhatsApp
``_chat.txt`` with its media) without trusting it.

An :class:`Export` lists its entries once. An entry that cannot be read safely carries the
reason (``problem``) and is never opened: a name that points outside the export (``../``, an
absolute path), a symbolic link (in a folder or stored in a zip), something that is not a
regular file (a FIFO or a device in a folder), an encrypted zip entry, a compression method
Python cannot unpack (deflate64, …), or a size past the limits. The others are opened as a
:class:`Member`, a path-like object whose ``open()`` gives a stream that stops at the limits
and turns every way a damaged entry fails (bad CRC, truncated or corrupt deflate data) into one
:class:`ArchiveError` with its reason; the readers count that entry as unparsed and go on.

A folder gets the same limits as a zip: each file within ``MAX_MEMBER_BYTES`` and all files
read within ``MAX_TOTAL_BYTES``; links are never followed, so nothing outside the folder is
read. Junk that archivers add (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``) is left out of the
listing.
"""

from __future__ import annotations

import errno
import io
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from chataudit.formats.encoding import BYTES_READ

MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one entry, unpacked
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # every entry read from one export, unpacked
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
                    zipfile.ZIP_LZMA: "lzma"}
METHOD_NAMES = {9: "deflate64", 10: "PKWARE implode", 18: "IBM TERSE", 19: "IBM LZ77", 93: "zstandard", 95: "xz",
                96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES-encrypted"}
JUNK_PARTS = {"__MACOSX"}
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
# How a damaged zip fails to open (its central directory), for the sniffers and Export.
OPEN_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, ValueError,
               EOFError, UnicodeDecodeError, struct.error, IndexError, KeyError)
# How a damaged zip entry fails while it is read: all become one ArchiveError.
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError, OSError,
            ValueError)


class ArchiveError(Exception):
    """An entry that could not be read; ``str()`` is the reason, fit for a report."""


@dataclass(slots=True)
class Entry:
    name: str  # the path inside the export, with "/" separators
    size: int  # bytes unpacked, as the archive or the file system states it
    problem: str | None = None  # why it is not read; None when it can be opened
    info: zipfile.ZipInfo | None = None


def _zip_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or PureWindowsPath(name).drive:
        return "zip entry points outside the export; not read"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link stored in the zip; not followed"
    if info.flag_bits & 0x1:
        return "encrypted zip entry; not read (export it again without a password)"
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        return f"zip entry compressed with {method}, which cannot be unpacked here; not read (re-zip it with deflate)"
    return None


def _junk(name: str) -> bool:
    parts = name.split("/")
    return parts[-1] in JUNK_NAMES or any(part in JUNK_PARTS for part in parts)


class Export:
    """A folder or a zip, as a list of entries that are opened within limits."""

    def __init__(self, path: Path, *, max_member: int | None = None, max_total: int | None = None):
        self.path = path
        self.max_member = MAX_MEMBER_BYTES if max_member is None else max_member
        self.max_total = MAX_TOTAL_BYTES if max_total is None else max_total
        self.read_total = 0  # declared bytes of the entries opened so far
        self._opened: set[int] = set()  # id() of the entries counted in read_total
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.root: Path | None = path
            self.entries = self._folder_entries(path)
        else:
            self.root = None
            try:
                self.zip = zipfile.ZipFile(path)
            except OPEN_ERRORS as exc:
                raise ArchiveError(f"not a readable zip ({str(exc)[:120]})") from None
            self.entries = self._zip_entries(self.zip)
        self.entries.sort(key=lambda e: e.name)
        self.by_name = {entry.name: entry for entry in self.entries}

    def __enter__(self) -> "Export":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    @staticmethod
    def _zip_entries(zf: zipfile.ZipFile) -> list[Entry]:
        entries = []
        for info in zf.infolist():
            if not info.filename:
                entries.append(Entry("", info.file_size, "zip entry without a name; not read", info))
                continue
            if info.is_dir() or _junk(info.filename):
                continue
            entries.append(Entry(info.filename, info.file_size, _zip_problem(info), info))
        return entries

    @staticmethod
    def _folder_entries(root: Path) -> list[Entry]:
        """Every file under the folder, links and special files named but not followed."""
        entries: list[Entry] = []

        def unreadable(exc: OSError) -> None:
            try:
                where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
            except ValueError:
                where = str(exc.filename)
            entries.append(Entry(where, 0, f"folder cannot be listed ({exc.strerror}); not read"))

        for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
            here = Path(folder)
            for name in list(dirs):
                if (here / name).is_symlink():
                    dirs.remove(name)
                    rel = (here / name).relative_to(root).as_posix()
                    if not _junk(rel):
                        entries.append(Entry(rel, 0, "symbolic link to a folder; not followed"))
            for name in files:
                full = here / name
                rel = full.relative_to(root).as_posix()
                if _junk(rel):
                    continue
                try:
                    st = full.lstat()
                except OSError as exc:
                    entries.append(Entry(rel, 0, f"cannot be read ({exc.strerror}); not read"))
                    continue
                if stat.S_ISLNK(st.st_mode):
                    entries.append(Entry(rel, 0, "symbolic link; not followed"))
                elif not stat.S_ISREG(st.st_mode):
                    entries.append(Entry(rel, 0, "not a regular file (a pipe, socket or device); not read"))
                else:
                    entries.append(Entry(rel, st.st_size))
        return entries

    def member(self, entry: Entry, max_bytes: int | None = None) -> "Member":
        """The entry as a path-like member; ArchiveError when it may not be read."""
        if entry.problem:
            raise ArchiveError(entry.problem)
        limit = self.max_member if max_bytes is None else max_bytes
        if entry.size > limit:
            raise ArchiveError(f"unpacks to {entry.size:,} bytes, over the limit of {limit:,}; not read")
        if id(entry) not in self._opened:
            if self.read_total + entry.size > self.max_total:
                raise ArchiveError(f"the export unpacks to more than {self.max_total:,} bytes in all; "
                                   "this entry and the rest are not read")
            self.read_total += entry.size
            self._opened.add(id(entry))
        return Member(self, entry, limit)


class Member:
    """One readable entry. Path-like enough for the streaming readers: ``open()``, ``name``
    and ``str()`` (``export.zip:folder/file.json``, used in every location)."""

    def __init__(self, export: Export, entry: Entry, limit: int):
        self.export, self.entry, self.limit = export, entry, limit
        # The longest run of bytes allowed without one of ``run_breaks`` (JSON punctuation, or a
        # line end for text): a string, number or line that long is in no export.
        self.max_run: int | None = None
        self.run_breaks: tuple[bytes, ...] = LINE_BREAKS
        self.name = PurePosixPath(entry.name).name
        self.stem = PurePosixPath(entry.name).stem

    def __str__(self) -> str:
        return f"{self.export.path}:{self.entry.name}"

    def __repr__(self) -> str:
        return f"Member({str(self)!r})"

    def _raw(self) -> BinaryIO:
        if self.export.zip is not None:
            try:
                return self.export.zip.open(self.entry.info or self.entry.name)
            except _DAMAGED as exc:
                raise ArchiveError(_reason(exc)) from None
        assert self.export.root is not None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.export.root / self.entry.name, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ArchiveError("symbolic link; not followed") from None
            raise ArchiveError(f"cannot be read ({exc.strerror})") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ArchiveError("not a regular file; not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True)

    def open(self, mode: str = "r", buffering: int = -1, encoding: str | None = None, errors: str | None = None,
             newline: str | None = None) -> io.IOBase:
        if any(c in mode for c in "wax+"):
            raise ValueError("an export is read only")
        stream = io.BufferedReader(_Guarded(self._raw(), self.limit, self.max_run, self.run_breaks), 64 * 1024)
        if "b" in mode:
            return stream
        return io.TextIOWrapper(stream, encoding=encoding or "utf-8", errors=errors, newline=newline)

    def verify(self) -> int:
        """Read the entry through once (its CRC is checked at the end); its length."""
        with self.open("rb") as fh:
            total = 0
            while chunk := fh.read(1 << 20):
                total += len(chunk)
        return total

    def head(self, size: int = 64 * 1024) -> bytes:
        with self.open("rb") as fh:
            return fh.read(size)

    @contextmanager
    def progress(self, done: int, share: int) -> Iterator[None]:
        """While the member is read, report the export's position to the progress display:
        ``done`` bytes of the export before this entry, and this entry's ``share`` of it (its
        compressed size in a zip), reached as the entry is read to its end."""
        outer = BYTES_READ.get()
        if outer is None:
            yield
            return
        size = max(self.entry.size, 1)
        token = BYTES_READ.set(lambda position: outer(done + min(position, size) * share // size))
        try:
            yield
        finally:
            try:
                BYTES_READ.reset(token)
            except ValueError:  # closed from another context: nothing to restore there
                pass


JSON_BREAKS = tuple(bytes([c]) for c in b'"[]{}:,')
LINE_BREAKS = (b"\n",)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "the zip entry fails its CRC check (damaged); not read"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "encrypted zip entry; not read (export it again without a password)"
    if isinstance(exc, NotImplementedError):
        return f"compression method not supported ({str(exc)[:80]}); not read"
    if isinstance(exc, (EOFError, zlib.error, lzma.LZMAError)):
        return f"the zip entry's data is truncated or corrupt ({type(exc).__name__}: {str(exc)[:80]}); not read"
    return f"damaged zip entry ({type(exc).__name__}: {str(exc)[:100]}); not read"


class _Guarded(io.RawIOBase):
    """A member's bytes: at most ``limit`` of them, every failure an ArchiveError. With
    ``max_run``, no run of more bytes than that without one of ``breaks``: a JSON string or
    number that long (a JSON parser takes time that grows with the square of a token's length),
    or a line of text that long (a reader holds a whole line)."""

    def __init__(self, inner: BinaryIO, limit: int, max_run: int | None = None,
                 breaks: tuple[bytes, ...] = LINE_BREAKS):
        self.inner, self.limit, self.max_run, self.breaks = inner, limit, max_run, breaks
        self.pos = 0
        self.run = 0  # bytes since the last break

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        try:
            return bool(self.inner.seekable())
        except _DAMAGED:
            return False

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self.limit + 1 - self.pos)
        if want <= 0:
            raise ArchiveError(f"unpacks past the limit of {self.limit:,} bytes; the rest is not read")
        try:
            data = self.inner.read(want)
        except ArchiveError:
            raise
        except _DAMAGED as exc:
            raise ArchiveError(_reason(exc)) from None
        n = len(data)
        buffer[:n] = data
        self.pos += n
        if self.pos > self.limit:
            raise ArchiveError(f"unpacks past the limit of {self.limit:,} bytes; the rest is not read")
        if self.max_run is not None and n:
            self._check_runs(data)
        return n

    def _check_runs(self, data: bytes) -> None:
        first = min((i for i in map(data.find, self.breaks) if i >= 0), default=-1)
        self.run += len(data) if first < 0 else first
        if first >= 0 and len(data) > self.max_run:  # a run may also lie wholly inside this read
            at = [m.start() for m in re.finditer(b"[" + re.escape(b"".join(self.breaks)) + b"]", data)]
            self.run = max([self.run, *(b - a - 1 for a, b in zip(at, at[1:]))])
        if self.run > self.max_run:
            if self.breaks == JSON_BREAKS:
                raise ArchiveError(f"more than {self.max_run:,} bytes without JSON punctuation (a string, number or "
                                   "padding that long is in no export); the rest is not read")
            raise ArchiveError(f"a line longer than {self.max_run:,} bytes, which no export writes; "
                               "the rest is not read")
        if first >= 0:
            self.run = len(data) - 1 - max(map(data.rfind, self.breaks))

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            self.pos = self.inner.seek(offset, whence)
        except _DAMAGED as exc:
            raise ArchiveError(_reason(exc)) from None
        return self.pos

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()
