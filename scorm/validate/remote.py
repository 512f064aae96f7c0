"""What a package's pages would fetch from the internet: HTML, SVG, CSS and (pragmatically) JavaScript.

A fetch is what the browser loads by itself: scripts, style sheets, fonts, images, frames, media, `@import`,
`url()`, a `<base href>` that sends every relative reference to another site, a `<meta refresh>`, and in scripts
an absolute URL handed to fetch/XHR/script or element injection. A link the learner clicks (`<a href>`, `<form
action>`) is not a fetch: it leaves the course on purpose, and offline it fails where the learner can see why.
Protocol-relative `//host/...` is remote (it takes the page's scheme). Every hit has the file and line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".svg")
CSS_SUFFIXES = (".css",)
JS_SUFFIXES = (".js", ".mjs")
SCANNED = HTML_SUFFIXES + CSS_SUFFIXES + JS_SUFFIXES

_REMOTE = re.compile(r"^\s*(?:(?:https?|ftp|wss?):)?//[^/\s\\]", re.I)
# tag -> attributes whose URL the browser fetches without the learner doing anything
_FETCHED: dict[str, tuple[str, ...]] = {
    "script": ("src",), "img": ("src", "srcset", "lowsrc"), "iframe": ("src",), "frame": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "source": ("src", "srcset"), "track": ("src",),
    "embed": ("src",), "object": ("data", "codebase"), "input": ("src",), "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"), "feimage": ("href", "xlink:href"), "body": ("background",),
    "table": ("background",), "td": ("background",), "applet": ("codebase", "archive"),
}
# <link rel=...> values that make the browser fetch (or connect to) the href
_FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon",
                  "preload", "prefetch", "modulepreload", "prerender", "preconnect", "manifest", "import"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


@dataclass(frozen=True)
class Fetch:
    line: int
    url: str
    what: str   # e.g. "<script src>", "CSS url()", "fetch() in a script"


def is_remote(url: str) -> bool:
    return bool(_REMOTE.match(url))


class _LineCounter:
    """Line of an offset, for offsets asked in increasing order: counts only the newlines in between."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.pos, self.line = text, 0, first_line

    def at(self, pos: int) -> int:
        if pos < self.pos:  # out of order (not expected): count from the start
            self.pos, self.line = 0, self.line - self.text.count("\n", 0, self.pos)
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


# --- CSS ---

def scan_css(text: str, first_line: int = 1) -> Iterator[Fetch]:
    # Comments blanked to spaces (newlines kept), so positions and lines stay right.
    text = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    lines = _LineCounter(text, first_line)
    for m in _CSS_URL.finditer(text):
        url = next(g for g in m.groups() if g is not None) if any(g is not None for g in m.groups()) else ""
        if is_remote(url):
            what = "CSS @import" if m.group().lstrip().startswith("@") else "CSS url()"
            yield Fetch(lines.at(m.start()), url.strip(), what)


# --- JavaScript (pragmatic: string literals in a fetching context; comments and regexes skipped) ---

_JS_CONTEXT = re.compile(
    r"""(?:\bfetch|\bimportScripts|\bimport|\bimport\b[^;"'`]{0,80}\bfrom|\.getScript|\.ajax|\.getJSON|\.get|\.post|\.load|\baxios(?:\.\w+)?|"""
    r"""\bWebSocket|\bEventSource|\.sendBeacon|\bWorker|\.open\s*\(\s*["'][A-Za-z]+["']\s*,|"""
    r"""setAttribute\s*\(\s*["'](?:src|href|data|poster)["']\s*,|(?<!location)\.(?:src|href|data|poster)\s*=|"""
    r"""\b(?:url|src)\s*:)\s*\(?\s*$""")
_JS_HTML = re.compile(r"""<(?:script|img|iframe|link|video|audio|source|embed)\b[^>]*?\b(?:src|href)\s*=\s*\\?["']?"""
                      r"""((?:(?:https?|ftp|wss?):)?//[^"'\\\s>]+)""", re.I)


_JS_TOKEN = re.compile(r"""
    (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)
  | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<regex>/(?![*/])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/)
""", re.S | re.X)
_DIVISION_AFTER = re.compile(r"[\w$)\]]\s*$")


def _js_strings(text: str) -> Iterator[tuple[int, str]]:
    """(start offset, value) of each string literal; comments and regex literals are stepped over. A '/' after
    a value (a name, a number, ')' or ']') is a division, not a regex."""
    pos = 0
    while (m := _JS_TOKEN.search(text, pos)) is not None:
        if m.lastgroup == "regex" and _DIVISION_AFTER.search(text, max(0, m.start() - 40), m.start()):
            pos = m.start() + 1
            continue
        if m.lastgroup == "str":
            yield m.start(), m.group()[1:-1]
        pos = m.end()


_MAYBE_URL = re.compile(r"(?:(?:https?|ftp|wss?):)?//[A-Za-z0-9\[-]", re.I)


def scan_js(text: str, first_line: int = 1) -> Iterator[Fetch]:
    if not _MAYBE_URL.search(text):
        return  # no address at all: nothing to tokenize
    lines = _LineCounter(text, first_line)
    for start, value in _js_strings(text):
        url = value.strip()
        if is_remote(url) and _JS_CONTEXT.search(text, max(0, start - 80), start):
            context = _JS_CONTEXT.search(text, max(0, start - 80), start)
            word = re.search(r"[A-Za-z]\w*", context.group()) if context else None
            yield Fetch(lines.at(start), url, f"script ({word.group() if word else 'request'})")
            continue
        for m in _JS_HTML.finditer(value):
            yield Fetch(lines.at(start), m.group(1), "HTML written by a script")


# --- HTML and SVG ---

class _PageScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hits: list[Fetch] = []
        self._in: str | None = None   # "style" or "script" while inside one
        self._script_src = False

    def _hit(self, url: str, what: str, line: int | None = None) -> None:
        if is_remote(url):
            self.hits.append(Fetch(line or self.getpos()[0], url.strip(), what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        tag = tag.lower()
        for attr in _FETCHED.get(tag, ()):
            if attr not in a:
                continue
            if attr == "srcset":
                for candidate in a[attr].split(","):
                    if candidate.strip():
                        self._hit(candidate.split()[0], f"<{tag} srcset>")
            elif attr == "archive":
                for part in a[attr].replace(",", " ").split():
                    self._hit(part, f"<{tag} archive>")
            else:
                self._hit(a[attr], f"<{tag} {attr}>")
        if tag == "link" and "href" in a and _FETCHING_RELS & set(a.get("rel", "").lower().split()):
            self._hit(a["href"], f"<link rel=\"{a.get('rel', '').strip()}\">")
        if tag == "base" and a.get("href"):
            self._hit(a["href"], "<base href> (every relative reference of the page goes there)")
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = _REFRESH_URL.search(a.get("content", ""))
            if m:
                self._hit(m.group(1), "<meta http-equiv=refresh>")
        if a.get("style"):
            line = self.getpos()[0]
            self.hits.extend(Fetch(f.line, f.url, f"{f.what} in a style attribute")
                             for f in scan_css(a["style"], line))
        if tag in ("style", "script"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() in ("style", "script"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.hits.extend(scan_css(data, self.getpos()[0]))
        elif self._in == "script":
            self.hits.extend(scan_js(data, self.getpos()[0]))


def scan_html(text: str) -> list[Fetch]:
    parser = _PageScanner()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup; keep what it found
        pass
    return parser.hits


def decode(data: bytes) -> str:
    """Text of a web file: BOM first, UTF-8 else, Latin-1 as the fallback that never fails."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def wants(name: str) -> bool:
    return name.lower().endswith(SCANNED)


def scan_file(name: str, data: bytes) -> list[Fetch]:
    """The remote fetches of one file of the package (by its extension); [] for other files."""
    lower = name.lower()
    text = decode(data)
    if not _MAYBE_URL.search(text):
        return []  # no absolute or protocol-relative address anywhere: nothing can be fetched from outside
    if lower.endswith(HTML_SUFFIXES):
        return scan_html(text)
    if lower.endswith(CSS_SUFFIXES):
        return list(scan_css(text))
    if lower.endswith(JS_SUFFIXES):
        return list(scan_js(text))
    return []


def host(url: str) -> str:
    rest = url.split("//", 1)[1] if "//" in url else url
    return posixpath.normpath(rest.split("/", 1)[0].split("?", 1)[0]).lower()
