"""Find the format of an input (``--format auto``) and open it as a Source."""

from __future__ import annotations

import zipfile
from datetime import tzinfo
from pathlib import Path

from chataudit.errors import InputError, UsageError
from chataudit.formats.base import Format, InputOptions, Source
from chataudit.formats.encoding import decode_head, detect_encoding, read_head
from chataudit.plugins import load_group

SURE_ENOUGH = 0.5


def formats() -> dict[str, type[Format]]:
    return load_group("chataudit.formats")


def is_container(path: Path) -> bool:
    """A folder or an archive that one format reads whole (a Slack export)."""
    return path.is_dir() or (path.is_file() and zipfile.is_zipfile(path))


def container_format(path: Path) -> str | None:
    scores = sorted(((cls.sniff_path(path), name) for name, cls in formats().items()), reverse=True)
    return scores[0][1] if scores and scores[0][0] >= SURE_ENOUGH else None


def open_source(path: Path, fmt: str, tz: tzinfo, group: str | None,
                options: InputOptions | None = None) -> tuple[Format, Source]:
    options = options or InputOptions()
    known = formats()
    if fmt != "auto" and fmt not in known:
        raise UsageError(f"unknown format {fmt!r}", fix=f"use one of: auto, {', '.join(known)}")
    if is_container(path):
        name = fmt if fmt != "auto" else container_format(path)
        if name is None:
            raise InputError("a folder or archive that is not a chat export chataudit recognises",
                             where=str(path), fix="pass the export files inside it, a Slack export (folder or .zip) "
                                                   "or a WhatsApp chat (.zip or folder with _chat.txt)")
        return known[name](), Source(path=path, encoding="utf-8", head="", tz=tz, group=group, options=options)
    raw = read_head(path)
    if not raw:
        raise InputError("empty file", where=str(path), fix="export the chat again; the file has no content")
    encoding = detect_encoding(raw, path)
    head = decode_head(raw, encoding)
    source = Source(path=path, encoding=encoding, head=head, tz=tz, group=group, options=options)
    return (known[fmt] if fmt != "auto" else _sniff(known, head, path))(), source


def _sniff(known: dict[str, type[Format]], head: str, path: Path) -> type[Format]:
    scores = sorted(((cls.sniff(head, path.name), name) for name, cls in known.items()), reverse=True)
    best_score, best = scores[0]
    if best_score < SURE_ENOUGH:
        raise InputError(
            f"not a chat export chataudit recognises (tried {', '.join(known)})",
            where=str(path),
            fix="pass --format NAME if you know the layout; `chataudit formats` lists them",
        )
    return known[best]
