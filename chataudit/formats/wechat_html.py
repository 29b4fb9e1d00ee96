"""wechat-html: the HTML export of WeChatMsg / MemoTrace (留痕).

The page is a template with the messages in a JavaScript array after ``const chatMessages =``.
The data is parsed, not the rendering, and read in chunks: the array is often one very long
line, and in 2.x it sits some 300 KB into the page.

1.x (WeChat 3.x; LC044/WeChatMsg ``app/util/exporter/exporter_html.py`` and
``app/resources/data/template.html``): ``const chatMessages = [ … ];``, one JavaScript object
literal per message, written by f-strings: unquoted keys, single-quoted strings that were
HTML-escaped and then JavaScript-escaped (some fields — link titles, file names — are not
escaped at all, so a stray ``'`` occurs), ``timestamp`` in epoch seconds, ``displayname``,
``type`` (1 text, 3 image or sticker, 34 voice, 43 video, 50 call, 49 app message with
``sub_type`` 5 link / 6 file / 57 quote / 3 music / 2000 transfer, 0 system line or an older
version's time divider), sometimes a trailing comma before ``}``.

2.x (WeChat 3.x and 4.x; ``exporter/exporter_html.py`` and ``exporter/resources/template.html``):
``const chatMessages = `` followed by ``json.dumps(messages, ensure_ascii=False, indent=4)``: real
JSON, each object a message's ``to_json()`` (``wxManager/model/message.py``) with every string
value that does not start with ``http`` HTML-escaped: ``type`` (the type number as a string:
"1" text, "3" image, "34" voice, "43" video, "47" sticker, "10000" system, "244813135921"
quote with ``quote_text`` ``name: text``, "25769803825" file, "21474836529"… link, …; a 拍一拍
carries the number 10000), ``is_send``, ``timestamp``, ``server_id``, ``display_name``, ``text``
and per-type fields (``url``, ``title``, ``description``, ``file_name``, ``voice_to_text``,
``fee_desc``…), and a nested ``xml_dict``.

Each array element is found by a scanner that respects strings (a ``{`` or ``}`` inside a
message never splits or drops anything) and parsed as JSON or as a JavaScript literal. An
element that cannot be read is one Unparsed with its line and position, and the run goes on; a
damaged stretch is cut at the next ``}, { type:`` so the messages after it are still read. An
element over 16 MB is not held: it is skipped in a streaming pass and reported as one Unparsed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TextIO

from chataudit.formats.base import MEDIA_TEXT, Format, InputStats, Source, find_mentions, system_event
from chataudit.formats.system_events import plain_system_text
from chataudit.i18n import Text
from chataudit.records import Event, Kind, Location, Message, Quote, Unparsed

START = re.compile(r"chatMessages\s*=\s*\[")
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
# Strings: JSON "…", JavaScript '…'. A single quote not followed by , } ] or : is part of the
# string (1.x left some fields unescaped: title:'It's ok'). All patterns are ``re`` with
# possessive loops and no capture inside a loop: they run in constant memory on a 16 MB string
# (the ``regex`` module keeps state per repetition: 100 bytes a character).
_SQ = r"'[^'\\]*+(?:(?:\\.|'(?!\s*+[,}\]:]))[^'\\]*+)*+'"
_DQ = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_BETWEEN = re.compile(r"(?:\s++|,|/\*.*?\*/)*+", re.DOTALL)
_JUNK = re.compile(r"[^{\]]{1,4096}")
# Where a damaged stretch is cut: the end of one message object and the start of the next.
RESYNC = re.compile(r"\}\s*+,\s*+(?=\{\s*+[\"']?type[\"']?\s*+:)")
# A flat 1.x object in one pass (the common case), then its pairs in one more.
_PAIR = (rf"\s*+(?:([A-Za-z_$][\w$]*+)|({_DQ})|({_SQ}))\s*+:\s*+"
         rf"(?:({_SQ})|({_DQ})|({_NUMBER})|(true|false|null|undefined)\b)\s*+(?:,|(?=\s*+\}}))")
_FLAT = re.compile(r"\{(?:" + _PAIR.replace("(", "(?:").replace("(?:?", "(?") + r")*+\s*+\}", re.DOTALL)
_PAIRS = re.compile(_PAIR, re.DOTALL)
_JSON_START = re.compile(r'\{\s*+["}]')
_DECODER = json.JSONDecoder()
# Any JavaScript object literal, token by token (nested values, quoted keys).
_KEY = re.compile(rf"\s*+(?:([A-Za-z_$][\w$]*+)|({_DQ})|({_SQ}))\s*+:\s*+", re.DOTALL)
_SCALAR = re.compile(rf"({_SQ})|({_DQ})|({_NUMBER})|(true|false|null|undefined)\b", re.DOTALL)
_NEXT = re.compile(r"\s*+(?:,\s*+|(?=\}))")
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_JS = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_LITERALS = {"true": True, "false": False, "null": None, "undefined": None}
# The scanner: the next brace or quote outside a string; the next quote or backslash in one.
_STRUCTURE = re.compile(r"[{}\[\]\"']")
_STOP = {'"': re.compile(r'[\\"]'), "'": re.compile(r"[\\']")}
_SPACE = re.compile(r"\s*+")
_MEMOTRACE_CSS = (".chat-refer", ".transfer-box", ".chat-music-audio", ".timeline-item-month", ".chat-file")
CHUNK = 1 << 20
MAX_OBJECT = 16 * 1024 * 1024  # characters; one message object longer than this is skipped, not held
EXCERPT = 200

# 1.x type numbers
KINDS = {"1": Kind.TEXT, "3": Kind.IMAGE, "34": Kind.VOICE, "43": Kind.VIDEO, "47": Kind.STICKER, "50": Kind.OTHER}
APP = {"5": Kind.LINK, "6": Kind.FILE, "57": Kind.QUOTE, "3": Kind.LINK, "2000": Kind.TRANSFER, "2001": Kind.RED_PACKET}
# 2.x type numbers (wxManager MessageType)
V2_KINDS = {
    "1": Kind.TEXT, "2": Kind.TEXT, "3": Kind.IMAGE, "34": Kind.VOICE, "42": Kind.CARD, "43": Kind.VIDEO,
    "47": Kind.STICKER, "48": Kind.LOCATION, "50": Kind.OTHER, "66": Kind.CARD, "25769803825": Kind.FILE,
    "21474836529": Kind.LINK, "292057776177": Kind.LINK, "4294967345": Kind.LINK, "326417514545": Kind.LINK,
    "17179869233": Kind.LINK, "12884901937": Kind.LINK, "219043332145": Kind.LINK,
    "8594229559345": Kind.RED_PACKET, "8589934592049": Kind.TRANSFER, "244813135921": Kind.QUOTE,
    "81604378673": Kind.OTHER, "141733920817": Kind.MINI_PROGRAM, "154618822705": Kind.MINI_PROGRAM,
    "103079215153": Kind.OTHER, "-1": Kind.OTHER,
}
V2_SYSTEM = {"10000", "266287972401"}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)")


class WeChatHtml(Format):
    name = "wechat-html"
    title = Text("微信聊天记录 HTML 导出", "WeChat HTML export")
    producer = "WeChatMsg / MemoTrace (留痕) → 导出 HTML"
    versions = "MemoTrace 1.x (JavaScript literals in chatMessages) and 2.x (a JSON array; WeChat 3.x/4.x)"

    @staticmethod
    def sniff(head: str, filename: str) -> float:
        if "<html" not in head[:4096].lower():
            return 0.0
        if START.search(head):
            return 0.95
        # 2.x: the array starts far beyond the head; the template's own styles come first
        return 0.9 if sum(marker in head for marker in _MEMOTRACE_CSS) >= 3 else 0.0

    def parse(self, source: Source, stats: InputStats) -> Iterator[Message | Event | Unparsed]:
        path = str(source.path)
        with source.path.open("r", encoding=source.encoding, newline="") as fh:
            scan = _Scanner(fh)
            found, title = scan.until_array()
            group = source.group or (html.unescape(title).strip() if title else "") or source.path.stem
            if not found:
                yield Unparsed(Location(path, 1), "", "no `const chatMessages = [` message array in this page")
            else:
                shift = 0  # elements found inside damaged stretches so far
                for element in scan.elements():
                    element.index += shift
                    yield from _records(element, group, source, path)
                    shift += element.pieces - 1
            stats.lines = scan.finish()


@dataclass(slots=True)
class _Element:
    what: str  # "fields" (parsed), "object" (its text, to parse), "junk", "oversized", "broken"
    text: str  # the object text, or an excerpt
    line: int  # line of its first character
    index: int  # 1-based position in the array
    size: int = 0  # characters skipped (an oversized object)
    fields: dict[str, Any] | None = None  # already parsed ("fields")
    pieces: int = 1  # array elements it turned out to hold (a damaged stretch cut in pieces)


class _Scanner:
    """Walks the page in chunks; ``pos`` is where the unread part of ``buffer`` starts and
    ``line`` the line it is on."""

    def __init__(self, fh: TextIO):
        self.fh = fh
        self.buffer = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.broken = False  # the file ended inside an element

    def _read(self) -> bool:
        """Append the next chunk, dropping what was consumed; False at the end of the file."""
        if self.eof:
            return False
        more = self.fh.read(CHUNK)
        if not more:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos:] + more
        self.pos = 0
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buffer.count("\n", self.pos, end)
        self.pos = end

    def until_array(self) -> tuple[bool, str | None]:
        """Move past ``chatMessages = [``; also the page ``<title>`` when it comes before."""
        title = None
        while True:
            if title is None:
                t = TITLE.search(self.buffer, self.pos)
                title = t[1] if t is not None else None
            m = START.search(self.buffer, self.pos)
            if m is not None:
                self._advance(m.end())
                return True, title
            self._advance(max(self.pos, len(self.buffer) - 4096))  # keep a tag cut at the chunk's end
            if not self._read():
                self._advance(len(self.buffer))
                return False, title

    def elements(self) -> Iterator[_Element]:
        index = 0
        while True:
            m = _BETWEEN.match(self.buffer, self.pos)
            self._advance(m.end())
            if self.pos >= len(self.buffer):
                if self._read():
                    continue
                at = self.line - 1 if self.buffer.endswith("\n") and self.line > 1 else self.line  # the last line
                yield _Element("broken", "", at, index + 1)
                return
            c = self.buffer[self.pos]
            if c == "]":
                self._advance(self.pos + 1)
                return
            index += 1
            if c != "{":
                m = _JUNK.match(self.buffer, self.pos)
                yield _Element("junk", m[0][:EXCERPT], self.line, index)
                self._advance(m.end())
                continue
            element = self._fast_object(index) or self._scan(index)
            yield element
            if element.what == "broken":
                return

    def _fast_object(self, index: int) -> _Element | None:
        """The common case in one C-speed step: a JSON object (2.x) through ``raw_decode``, a flat
        JavaScript literal (1.x) through one regex. None: cut by the chunk's end, nested, or
        damaged — the careful scanner decides."""
        buf, start = self.buffer, self.pos
        if _JSON_START.match(buf, start):
            try:
                fields, end = _DECODER.raw_decode(buf, start)
            except (ValueError, RecursionError):
                return None
            if end - start > MAX_OBJECT or not isinstance(fields, dict):
                return None
            element = _Element("fields", buf[start:end], self.line, index, fields=fields)
        else:
            m = _FLAT.match(buf, start)
            if m is None:
                return None
            end = m.end()
            element = _Element("fields", m[0], self.line, index, fields=_flat_fields(m[0]))
        self._advance(end)
        return element

    def _scan(self, index: int) -> _Element:
        """The careful way, a brace or a quote at a time, reading on as needed. Gives the
        object's text (to parse); or a damaged stretch cut where the next message starts; or,
        for an object over MAX_OBJECT, its size, streamed past without holding it; or the end
        of the file inside it."""
        line, start = self.line, self.pos
        state = [0, ""]  # brace depth, the quote of the string we are in
        i, keep, size, excerpt = start, True, 0, ""
        while True:
            i, closed = _walk(self.buffer, i, state, self.eof)
            if closed:
                if keep:
                    text = self.buffer[start:i]
                    self._advance(i)
                    return _Element("object", text, line, index)
                size += i - self.pos
                self._advance(i)
                return _Element("oversized", excerpt, line, index, size)
            if keep and (self.eof or len(self.buffer) - start > MAX_OBJECT):
                cut = RESYNC.search(self.buffer, start + 1, start + MAX_OBJECT)
                if cut is not None:  # damaged: up to where the next message starts
                    text = self.buffer[start:cut.start() + 1]
                    self._advance(cut.end())
                    return _Element("object", text, line, index)
                excerpt = self.buffer[start:start + EXCERPT]
                if self.eof:
                    self._advance(len(self.buffer))
                    return _Element("broken", excerpt, line, index)
                keep = False  # too long to hold: stream past it
            if not keep:
                size += i - self.pos
                self._advance(i)
            offset = i - self.pos
            if not self._read():
                if keep:
                    continue  # once more at the end of the file: a last quote may close
                return _Element("broken", excerpt, line, index, size)
            i = self.pos + offset
            if keep:
                start = self.pos

    def finish(self) -> int:
        """Count the lines of the rest of the page; the number of lines of the file."""
        last = self.buffer[-1:] if self.buffer else ""
        self._advance(len(self.buffer))
        for chunk in iter(lambda: self.fh.read(CHUNK), ""):
            self.line += chunk.count("\n")
            last = chunk[-1]
        return self.line - 1 if last == "\n" else self.line


def _walk(buf: str, i: int, state: list, eof: bool, opener: str = "{", closer: str = "}") -> tuple[int, bool]:
    """Scan ``buf`` from ``i`` for the bracket that closes the element, outside strings.
    ``state`` (depth, quote) carries over to the next chunk. Returns (position, closed): the
    position just after the closing bracket, or where to go on once more text is read."""
    depth, quote = state
    n = len(buf)
    while i < n:
        if quote:
            m = _STOP[quote].search(buf, i)
            if m is None:
                i = n
                break
            j = m.start()
            if buf[j] == "\\":
                if j + 1 >= n:
                    i = j  # the escaped character is in the next chunk
                    break
                i = j + 2
                continue
            if quote == "'":  # an apostrophe inside, unless , } ] or : follows
                after = _SPACE.match(buf, j + 1).end()
                if after >= n and not eof:
                    i = j  # what follows decides
                    break
                if after < n and buf[after] not in ",}]:":
                    i = j + 1
                    continue
            quote, i = "", j + 1
            continue
        m = _STRUCTURE.search(buf, i)
        if m is None:
            i = n
            break
        j = m.start()
        c = buf[j]
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth <= 0:
                state[0], state[1] = 0, ""
                return j + 1, True
        elif c in "\"'":
            quote = c
        i = j + 1
    state[0], state[1] = depth, quote
    return i, False


# --- one element → records ------------------------------------------------------------------


def _records(element: _Element, group: str, source: Source, path: str) -> Iterator[Message | Event | Unparsed]:
    loc = Location(path, element.line, element.index)
    if element.what == "junk":
        yield Unparsed(loc, element.text, "not a message object")
    elif element.what == "broken":
        yield Unparsed(loc, element.text, "the message array breaks off here")
    elif element.what == "oversized":
        yield Unparsed(loc, element.text, f"a message object of {element.size / 1048576:.1f} MB, over the "
                                          f"{MAX_OBJECT // 1048576} MB a message may have: skipped")
    else:
        fields = element.fields if element.fields is not None else _load(element.text)
        if fields is None:
            yield from _damaged(element, group, source, path)
            return
        record = _record(fields, group, source, loc, element.text)
        if record is not None:
            yield record


def _damaged(element: _Element, group: str, source: Source, path: str) -> Iterator[Message | Event | Unparsed]:
    """An object that is neither JSON nor a JavaScript literal: cut it where one message ends and
    the next begins (a stray quote can run several messages into one) and read each piece."""
    text = element.text
    bounds, start = [], 0
    for m in RESYNC.finditer(text):
        bounds.append((start, m.start() + 1))
        start = m.end()
    bounds.append((start, len(text)))
    element.pieces = len(bounds)
    for number, (a, b) in enumerate(bounds):
        piece = text[a:b]
        loc = Location(path, element.line + text.count("\n", 0, a), element.index + number)
        fields = _load(piece) if len(bounds) > 1 else None
        if fields is None:
            yield Unparsed(loc, piece[:EXCERPT], "a message object that is neither JSON nor a JavaScript literal")
            continue
        record = _record(fields, group, source, loc, piece)
        if record is not None:
            yield record


def _load(text: str) -> dict[str, Any] | None:
    """The object as a dict: JSON (2.x) or a JavaScript object literal (1.x); None if neither."""
    body = text[1:].lstrip()
    if body[:1] in ('"', "}"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # nested deeper than Python recurses
            pass
        else:
            return value if isinstance(value, dict) else None
    try:
        value, end = _js_object(text, 0)
    except (ValueError, RecursionError):
        return None
    return value if end == len(text) else None


def _js_object(text: str, pos: int) -> tuple[dict[str, Any], int]:
    """A JavaScript object literal at ``text[pos] == "{"``: unquoted or quoted keys, '…' and "…"
    strings, numbers, true/false/null, nested objects and arrays, a trailing comma."""
    fields: dict[str, Any] = {}
    pos += 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return fields, pos + 1
        k = _KEY.match(text, pos)
        if k is None:
            raise ValueError("no key")
        key = k[1] or _js_string(k[2] or k[3])
        pos = k.end()
        c = text[pos:pos + 1]
        if c == "{":
            value, pos = _js_object(text, pos)
        elif c == "[":
            end, closed = _walk(text, pos, [0, ""], True, "[", "]")
            if not closed:
                raise ValueError("unclosed array")
            value, pos = text[pos:end], end
        else:
            v = _SCALAR.match(text, pos)
            if v is None:
                raise ValueError("no value")
            pos = v.end()
            if v[1] or v[2]:
                value = _js_string(v[1] or v[2])
            elif v[3]:
                value = float(v[3]) if any(ch in v[3] for ch in ".eE") else int(v[3])
            else:
                value = _LITERALS[v[4]]
        fields[key] = value
        n = _NEXT.match(text, pos)
        if n is None:
            raise ValueError("no comma")
        pos = n.end()


def _flat_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for ident, dkey, skey, sval, dval, number, literal in _PAIRS.findall(text, 1):
        key = ident or _js_string(dkey or skey)
        if sval or dval:
            fields[key] = _js_string(sval or dval)
        elif number:
            fields[key] = number
        else:
            fields[key] = _LITERALS[literal]
    return fields


def _js_string(quoted: str) -> str:
    body = quoted[1:-1]
    if "\\" not in body:
        return body
    return _JS_ESCAPE.sub(_unescape_one, body)


def _unescape_one(m: re.Match) -> str:
    esc = m[1]
    if len(esc) > 1:
        return chr(int(esc[1:], 16))
    return _JS.get(esc, esc)


def _s(fields: dict[str, Any], key: str) -> str:
    """A string field as the user wrote it: HTML entities decoded (URLs were never escaped)."""
    value = fields.get(key)
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith("http") or "&" not in text and "<br>" not in text:
        return text
    return html.unescape(text.replace("<br>", "\n"))


def _record(fields: dict[str, Any], group: str, source: Source, loc: Location,
            text: str) -> Message | Event | Unparsed | None:
    try:
        ts = datetime.fromtimestamp(float(fields["timestamp"]), timezone.utc).astimezone(source.tz)
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        return Unparsed(loc, text[:EXCERPT], "no valid timestamp")
    if "display_name" in fields or "server_id" in fields:
        return _record_v2(fields, group, ts, loc)
    return _record_v1(fields, group, ts, loc)


def _record_v1(fields: dict[str, Any], group: str, ts: datetime, loc: Location) -> Message | Event | None:
    kind_code, text = str(fields.get("type", "")), _s(fields, "text")
    if kind_code == "0":
        if "displayname" not in fields:
            return None  # a time divider an older page showed every five minutes: not a record
        return system_event(group, ts, plain_system_text(text), loc)
    sender = _s(fields, "displayname")
    if kind_code != "49":
        kind = KINDS.get(kind_code, Kind.OTHER)
        shown = text if kind == Kind.TEXT else _s(fields, "voice_to_text") or (
            text if kind_code == "50" and text else MEDIA_TEXT[kind])
        return Message(group, ts, sender, kind, shown, loc, mentions=find_mentions(shown) if kind == Kind.TEXT else ())
    kind = APP.get(str(fields.get("sub_type", "")), Kind.OTHER)
    if kind == Kind.QUOTE:
        name, _, quoted = _s(fields, "refer_text").partition("：")
        return Message(group, ts, sender, kind, text, loc, quote=Quote(name or None, quoted), mentions=find_mentions(text))
    if kind == Kind.FILE:
        return Message(group, ts, sender, kind, f"[文件] {_s(fields, 'file_name')}".strip(), loc)
    if kind == Kind.TRANSFER:
        amount = _AMOUNT.search(_s(fields, "feedesc"))
        return Message(group, ts, sender, kind, text or MEDIA_TEXT[kind], loc, amount=float(amount[1]) if amount else None)
    body = "\n".join(p for p in (_s(fields, "title"), _s(fields, "description")) if p and p != "None")
    url = _s(fields, "url") or _s(fields, "link_url")
    return Message(group, ts, sender, kind, body or text, loc, url=url if url and url != "None" else None)


def _record_v2(fields: dict[str, Any], group: str, ts: datetime, loc: Location) -> Message | Event:
    ref = fields.get("server_id")
    loc = Location(loc.path, loc.line, loc.index, str(ref) if ref not in (None, "") else None)
    kind_code, text = str(fields.get("type", "")), _s(fields, "text")
    if kind_code in V2_SYSTEM:
        return system_event(group, ts, plain_system_text(text), loc)
    sender = _s(fields, "display_name")
    kind = V2_KINDS.get(kind_code, Kind.OTHER)
    url = None
    amount = None
    quote = None
    if kind == Kind.TEXT:
        shown = text
    elif kind == Kind.QUOTE:
        shown = text
        name, sep, quoted = _s(fields, "quote_text").partition(": ")
        quote = Quote(name or None, quoted) if sep else Quote(None, name)
    elif kind == Kind.FILE:
        shown = f"[文件] {_s(fields, 'file_name')}".strip()
    elif kind == Kind.VOICE:
        shown = _s(fields, "voice_to_text") or MEDIA_TEXT[kind]
    elif kind in (Kind.LINK, Kind.MINI_PROGRAM) or kind_code in ("81604378673", "103079215153"):
        shown = "\n".join(p for p in (_s(fields, "title"), _s(fields, "description")) if p) or text \
            or MEDIA_TEXT[kind]
        url = _s(fields, "url") or None
    elif kind == Kind.TRANSFER:
        shown = "\n".join(p for p in (text, _s(fields, "pay_memo")) if p) or MEDIA_TEXT[kind]
        found = _AMOUNT.search(_s(fields, "fee_desc"))
        amount = float(found[1]) if found else None
    elif kind == Kind.RED_PACKET:
        shown = text or MEDIA_TEXT[kind]
    elif kind_code == "50":
        shown = _s(fields, "display_content") or MEDIA_TEXT[kind]
    else:
        shown = MEDIA_TEXT[kind]
    mentions = find_mentions(shown) if kind in (Kind.TEXT, Kind.QUOTE) else ()
    return Message(group, ts, sender, kind, shown, loc, mentions=mentions, quote=quote, url=url, amount=amount)
