"""Find the format of an input (``--format auto``) and open it as a Source."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from chataudit.errors import InputError, UsageError
from chataudit.formats.base import Format, Source
from chataudit.formats.encoding import decode_head, detect_encoding, read_head
from chataudit.plugins import load_group

SURE_ENOUGH = 0.5


def formats() -> dict[str, type[Format]]:
    return load_group("chataudit.formats")


def open_source(path: Path, fmt: str, tz: tzinfo, group: str | None) -> tuple[Format, Source]:
    raw = read_head(path)
    if not raw:
        raise InputError("empty file", where=str(path), fix="export the chat again; the file has no content")
    encoding = detect_encoding(raw, path)
    head = decode_head(raw, encoding)
    source = Source(path=path, encoding=encoding, head=head, tz=tz, group=group)
    return _pick(fmt, head, path)(), source


def _pick(fmt: str, head: str, path: Path) -> type[Format]:
    known = formats()
    if fmt != "auto":
        if fmt not in known:
            raise UsageError(f"unknown format {fmt!r}", fix=f"use one of: auto, {', '.join(known)}")
        return known[fmt]
    scores = sorted(((cls.sniff(head, path.name), name) for name, cls in known.items()), reverse=True)
    best_score, best = scores[0]
    if best_score < SURE_ENOUGH:
        raise InputError(
            f"not a chat export chataudit recognises (tried {', '.join(known)})",
            where=str(path),
            fix="pass --format NAME if you know the layout; `chataudit formats` lists them",
        )
    return known[best]
