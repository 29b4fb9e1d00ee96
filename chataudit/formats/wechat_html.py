"""wechat-html: the HTML export of WeChatMsg / MemoTrace (留痕).

The page is a template with the messages in a JavaScript array, ``const chatMessages = [ … ];``,
one object literal per message (LC044/WeChatMsg ``exporter_html.py``): unquoted keys,
single-quoted strings that were HTML-escaped and then JavaScript-escaped, ``timestamp`` in
epoch seconds, ``displayname``, ``type`` (1 text, 3 image or sticker, 34 voice, 43 video,
49 app message with ``sub_type`` 5 link / 6 file / 57 quote / 3 music, 0 system line or time
divider). The data is parsed, not the rendering, and read in chunks: the array is often one
very long line.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import datetime, timezone

import regex

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions, system_event
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

START = regex.compile(r"chatMessages\s*=\s*\[")
ITEM = regex.compile(r"\s*,?\s*(?:(?P<obj>\{(?:[^{}']|'(?:[^'\\]|\\.)*')*\})|(?P<end>\]))", regex.DOTALL)
PAIR = regex.compile(r"(\w+)\s*:\s*('(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?)", regex.DOTALL)
TITLE = regex.compile(r"<title>(.*?)</title>", regex.DOTALL)
_JS_ESCAPE = regex.compile(r"\\(.)", regex.DOTALL)
_JS = {"n": "\n", "r": "\r", "t": "\t"}
CHUNK = 1 << 20
MAX_OBJECT = 64 * 1024 * 1024  # one message object; anything longer is not a MemoTrace record
KINDS = {"1": Kind.TEXT, "3": Kind.IMAGE, "34": Kind.VOICE, "43": Kind.VIDEO, "47": Kind.STICKER}
APP = {"5": Kind.LINK, "6": Kind.FILE, "57": Kind.QUOTE, "3": Kind.LINK}


class WeChatHtml(Format):
    name = "wechat-html"
    title = Text("微信聊天记录 HTML 导出", "WeChat HTML export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 HTML"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        return 0.95 if START.search(head) and "<html" in head.lower() else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        title = TITLE.search(source.head)
        group = source.group or (html.unescape(title[1]).strip() if title else "") or source.path.stem
        path = str(source.path)
        with source.path.open("r", encoding=source.encoding, newline="") as fh:
            buffer, line = _until_array(fh)  # ``line`` is always the line of buffer[pos]
            pos = index = 0
            while buffer is not None:
                m = ITEM.match(buffer, pos)
                if m is None or m.end() == len(buffer):  # not complete yet: read on
                    more = fh.read(CHUNK)
                    if not more or len(buffer) - pos > MAX_OBJECT:
                        rest = buffer[pos:]
                        if rest.strip():
                            at = line + rest[: len(rest) - len(rest.lstrip())].count("\n")
                            yield Unparsed(Location(path, at, index), rest.strip()[:200], "the message array breaks off here")
                        line += rest.count("\n")
                        break
                    buffer, pos = buffer[pos:] + more, 0
                    continue
                if m["obj"]:
                    at = line + buffer.count("\n", pos, m.start("obj"))
                    record = _record(m["obj"], group, source, Location(path, at, index))
                    if record is not None:
                        yield record
                    index += 1
                line += buffer.count("\n", pos, m.end())
                pos = m.end()
                if m["end"]:
                    line += buffer.count("\n", pos)
                    break
            last = ""
            for chunk in iter(lambda: fh.read(CHUNK), ""):  # the template after the array
                line += chunk.count("\n")
                last = chunk[-1]
        stats.lines = line - 1 if last == "\n" or (not last and buffer and buffer.endswith("\n")) else line


def _until_array(fh) -> tuple[str | None, int]:
    """The text after ``chatMessages = [`` and the line it starts on (1-based), or None."""
    seen, line = "", 1
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return None, line + seen.count("\n")
        seen += chunk
        m = START.search(seen)
        if m:
            return seen[m.end():], line + seen.count("\n", 0, m.end())
        keep = seen[-64:]
        line += seen.count("\n") - keep.count("\n")
        seen = keep


def _value(raw: str) -> str:
    if not raw.startswith("'"):
        return raw
    unescaped = _JS_ESCAPE.sub(lambda m: _JS.get(m[1], m[1]), raw[1:-1])
    return html.unescape(unescaped.replace("<br>", "\n"))


def _record(obj: str, group: str, source: Source, loc: Location) -> Message | Event | Unparsed | None:
    fields = {key: _value(raw) for key, raw in PAIR.findall(obj)}
    try:
        ts = datetime.fromtimestamp(float(fields["timestamp"]), timezone.utc).astimezone(source.tz)
    except (KeyError, ValueError, OverflowError):
        return Unparsed(loc, obj[:200], "no valid timestamp")
    kind_code, text = fields.get("type", ""), fields.get("text", "")
    if kind_code == "0":
        if "displayname" not in fields:
            return None  # a time divider the page shows every five minutes: not a record
        return system_event(group, ts, text.strip(), loc)
    sender = fields.get("displayname", "")
    if kind_code != "49":
        kind = KINDS.get(kind_code, Kind.OTHER)
        shown = text if kind == Kind.TEXT else fields.get("voice_to_text") or MEDIA_TEXT[kind]
        return Message(group, ts, sender, kind, shown, loc, mentions=find_mentions(shown) if kind == Kind.TEXT else ())
    kind = APP.get(fields.get("sub_type", ""), Kind.OTHER)
    if kind == Kind.QUOTE:
        name, _, quoted = fields.get("refer_text", "").partition("：")
        return Message(group, ts, sender, kind, text, loc, quote=Quote(name or None, quoted), mentions=find_mentions(text))
    if kind == Kind.FILE:
        return Message(group, ts, sender, kind, f"[文件] {fields.get('file_name', '')}".strip(), loc)
    body = "\n".join(p for p in (fields.get("title", ""), fields.get("description", "")) if p and p != "None")
    return Message(group, ts, sender, kind, body or text, loc, url=fields.get("url") or fields.get("link_url") or None)
