"""Links in messages, with or without a scheme (www.x.com, x.cn/abc, 45.76.12.9/a.apk),
found on the width-folded text so full-width dots (ｘ．ｃｏｍ) do not hide them. A link ends
at white space, Chinese punctuation or a Chinese character: 见 x.cn/a：明天 links x.cn/a. A top-level
domain ends its label: example.community is not example.com."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

from chataudit.text.normalize import _table

_TLDS = ("com|cn|net|org|top|xyz|vip|cc|io|me|info|biz|club|site|online|shop|link|ly|gl|im|tk|ml|ga|cf|gq|co|app|"
         "dev|ren|wang|win|bid|loan|work|live|fun|icu|pw|ws|cyou|asia|tv|hk|tw|mo|us|uk|ru|in")
LINK = regex.compile(
    r"(?<![\w@.-])(?:(?P<scheme>https?|ftp)://)?"
    r"(?P<host>(?:\d{1,3}(?:\.\d{1,3}){3})|(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + _TLDS + r")(?![a-z0-9-]))"
    r"(?P<port>:\d{1,5})?(?P<path>/[^\s，。！？、；：）】」』“”‘’《》…～\"'<>\p{Han}]*)?",
    regex.IGNORECASE,
)
_FULL_WIDTH = regex.compile("[，！：；（）＜＞［］｛｝｜\u3000]")
"""Full-width marks that end a link; ／．？＝＆ stay, a link typed all in full width keeps them."""
RAW_IP = regex.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # as written
    host: str  # folded to ASCII lower case
    path: str  # folded to ASCII lower case, for checks such as ".apk"
    start: int
    end: int

    @property
    def raw_ip(self) -> bool:
        return RAW_IP.match(self.host) is not None

    def on(self, domains: frozenset[str] | set[str]) -> bool:
        """Whether the host is one of the domains or a subdomain of one."""
        parts = self.host.split(".")
        return any(".".join(parts[i:]) in domains for i in range(len(parts)))


def find_links(text: str) -> Iterator[Link]:
    folded = text.translate(_table())  # same length: spans are the original's
    for m in LINK.finditer(folded):
        host = m["host"].lower()
        if not m["scheme"] and not m["path"] and RAW_IP.match(host) is None and "." not in host.rstrip("."):
            continue
        if RAW_IP.match(host) and not m["scheme"] and not m["path"] and not m["port"]:
            continue  # a bare dotted number (a version 1.2.3.4) is not a link
        end = m.end()
        if m["path"]:  # a full-width mark was folded to ASCII (：→ :), but it ends the link as written
            cut = _FULL_WIDTH.search(text, m.start("path"), end)
            end = cut.start() if cut else end
        if m["path"]:
            end = _trimmed(folded, m.start("path"), end)
        path = folded[m.start("path"):end] if m["path"] else ""
        yield Link(text[m.start():end], host, path.lower(), m.start(), end)


_TAIL = ".,;:!?)]}"


def _trimmed(folded: str, start: int, end: int) -> int:
    """The end of a link's path without the sentence punctuation after it: a trailing
    . , ; : ! ? is prose, and a closing bracket without its opening one in the path closes
    a remark around the link ((见 x.cn/a.apk) must still end in .apk)."""
    while end > start + 1 and folded[end - 1] in _TAIL:
        closer = folded[end - 1]
        opener = {")": "(", "]": "[", "}": "{"}.get(closer)
        if opener and folded.count(opener, start, end) >= folded.count(closer, start, end):
            break
        end -= 1
    return end
