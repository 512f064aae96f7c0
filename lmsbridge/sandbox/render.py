"""Response bodies in Moodle's two REST formats: JSON (moodlewsrestformat=json) and XML (anything else)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from lmsbridge.sandbox.errors import MoodleException


def php_json(value: Any) -> str:
    """json_encode(): compact, ASCII-only, with "/" escaped as PHP does."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


def _x(text: str) -> str:
    return escape(text, quote=True).replace("&#x27;", "'")


def _xmlize(value: Any) -> str:
    # Moodle walks the function's return description; lacking those here, the value's own shape stands in:
    # an object is a SINGLE, a list a MULTIPLE, anything else a VALUE (booleans as 0/1).
    if isinstance(value, dict):
        keys = "".join(f'<KEY name="{_x(str(k))}">{_xmlize(v)}</KEY>\n' for k, v in value.items())
        return f"<SINGLE>\n{keys}</SINGLE>\n"
    if isinstance(value, list):
        return "<MULTIPLE>\n" + "".join(_xmlize(v) for v in value) + "</MULTIPLE>\n"
    if value is None:
        return '<VALUE null="null"/>\n'
    if isinstance(value, bool):
        value = int(value)
    return f"<VALUE>{_x(str(value))}</VALUE>\n"


XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>\n'


def xml_response(value: Any) -> str:
    body = "" if value is None else _xmlize(value)
    return f"{XML_HEAD}<RESPONSE>\n{body}</RESPONSE>\n"


def xml_error(exc: MoodleException, debug: bool) -> str:
    out = f'{XML_HEAD}<EXCEPTION class="{_x(exc.php_class)}">\n'
    out += f"<ERRORCODE>{_x(exc.errorcode or '')}</ERRORCODE>\n"
    out += f"<MESSAGE>{_x(exc.message)}</MESSAGE>\n"
    if debug and exc.debuginfo is not None:
        out += f"<DEBUGINFO>{_x(exc.debuginfo)}</DEBUGINFO>\n"
    return out + "</EXCEPTION>\n"
