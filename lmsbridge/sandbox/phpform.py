"""How PHP turns a request into `$_GET`/`$_POST`: url-decoding, `max_input_vars`, bracket notation, multipart.

Moodle never sees the raw body, only these arrays; every quirk of the recordings (silent truncation, a dropped
token, `x[]` appending, sparse indices) comes from here, so this module copies PHP's rules, not a tidier version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import unquote_plus

PhpArray = dict  # PHP arrays are ordered maps; int keys stay ints


def split_pairs(raw: str) -> list[tuple[str, str]]:
    """`a=1&b=2` into decoded pairs in order; PHP skips empty segments and pairs with an empty name."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote_plus(name)
        if not name:
            continue
        pairs.append((name, unquote_plus(value)))
    return pairs


def truncate(pairs: list[tuple[str, str]], max_input_vars: int, *, post: bool) -> list[tuple[str, str]]:
    """Keep what PHP keeps. For a POST body PHP adds a variable before counting it (main/php_variables.c,
    add_post_vars), so max_input_vars + 1 survive (5001 of 5403 in the recording); for a query string it counts
    first (php_default_treat_data), so max_input_vars survive. The rest is dropped without a word."""
    keep = max_input_vars + 1 if post else max_input_vars
    return pairs[:keep]


_SEGMENT = re.compile(r"\[([^\]]*)\]")


def _php_key(key: str) -> int | str:
    # PHP turns canonical decimal strings into int keys ("3" -> 3, but "03" stays a string).
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", key) and -2**63 <= int(key) < 2**63:
        return int(key)
    return key


def _next_index(arr: PhpArray) -> int:
    ints = [k for k in arr if isinstance(k, int)]
    return max(ints) + 1 if ints and max(ints) >= 0 else 0


def parse_name(name: str) -> tuple[str, list[str | None]]:
    """`users[0][email]` -> ("users", ["0", "email"]); `values[]` -> ("values", [None])."""
    bracket = name.find("[")
    if bracket <= 0:
        base, rest = name, ""
    else:
        base, rest = name[:bracket], name[bracket:]
    # PHP replaces spaces and dots in the top-level name with underscores (register_globals heritage).
    base = base.replace(" ", "_").replace(".", "_")
    subs: list[str | None] = []
    pos = 0
    while pos < len(rest):
        m = _SEGMENT.match(rest, pos)
        if not m:
            break  # PHP ignores whatever follows a malformed bracket
        subs.append(m.group(1) if m.group(1) != "" else None)
        pos = m.end()
    if rest and not subs:
        # An unmatched "[" becomes part of the name, with "[" as "_" (php_register_variable_ex).
        base = (name[:bracket] + "_" + rest[1:]).replace(" ", "_").replace(".", "_")
    return base, subs


def build(pairs: list[tuple[str, str]]) -> PhpArray:
    """Assemble PHP's nested arrays from ordered pairs (last write wins, first position kept)."""
    root: PhpArray = {}
    for name, value in pairs:
        base, subs = parse_name(name)
        if not base:
            continue
        if not subs:
            root[base] = value
            continue
        node = root.get(base)
        if not isinstance(node, dict):
            node = {}
            root[base] = node
        for i, sub in enumerate(subs):
            key = _next_index(node) if sub is None else _php_key(sub)
            if i == len(subs) - 1:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = {}
                    node[key] = child
                node = child
    return root


@dataclass
class UploadedFile:
    field: str
    filename: str
    content: bytes
    error: int = 0  # PHP's UPLOAD_ERR_*: 1 = UPLOAD_ERR_INI_SIZE


def parse_multipart(content_type: str, body: bytes) -> tuple[list[tuple[str, str]], list[UploadedFile]]:
    """Form fields (in order) and files of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: list[tuple[str, str]] = []
    files: list[UploadedFile] = []
    if not msg.is_multipart():
        return fields, files
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        filename = part.get_param("filename", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files.append(UploadedFile(str(name), str(filename), payload))
        else:
            fields.append((str(name), payload.decode("utf-8", "replace")))
    return fields, files
