"""Parameter descriptions and their validation, as Moodle's external_api::validate_parameters() does it.

`Value`, `Single` and `Multiple` stand for external_value, external_single_structure and
external_multiple_structure; REQUIRED / DEFAULT / OPTIONAL for VALUE_REQUIRED / VALUE_DEFAULT / VALUE_OPTIONAL.
The debuginfo strings are Moodle's own, nested the way Moodle nests them ("users => ...: email").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lmsbridge.sandbox.errors import INVALID_PARAMETER, InvalidParameter
from lmsbridge.user_rules import EMAIL as EMAIL_ADDRESS

REQUIRED, DEFAULT, OPTIONAL = "required", "default", "optional"

# PARAM_* names as Moodle spells them in messages ("the server was expecting "int" type").
INT, FLOAT, BOOL, TEXT, RAW, NOTAGS, ALPHA, ALPHANUMEXT, USERNAME, EMAIL, LANG, TIMEZONE, PLUGIN, AUTH, \
    COMPONENT, AREA, FILE, PATH, SAFEDIR, URL, THEME = (
        "int", "float", "bool", "text", "raw", "notags", "alpha", "alphanumext", "username", "email", "lang",
        "timezone", "plugin", "auth", "component", "area", "file", "path", "safedir", "url", "theme")


@dataclass
class Value:
    type: str = RAW
    required: str = REQUIRED
    default: Any = None
    allownull: bool = False


@dataclass
class Single:
    keys: dict[str, Any]
    required: str = REQUIRED
    default: Any = None


@dataclass
class Multiple:
    content: Any
    required: str = REQUIRED
    default: Any = field(default_factory=list)


_TAG = re.compile(r"</?[a-zA-Z!][^>]*>")


def clean(value: str, ptype: str, installed_langs: frozenset[str] = frozenset({"en"})) -> Any:
    """clean_param() for the types we use; returns what Moodle would keep of `value`."""
    if ptype == INT:
        m = re.match(r"\s*[+-]?\d+", value)
        return int(m.group()) if m else 0
    if ptype == BOOL:
        return 0 if value.strip().lower() in ("", "0", "off", "no", "false") else 1
    if ptype in (TEXT, NOTAGS):
        return _TAG.sub("", value)
    if ptype == ALPHA:
        return re.sub(r"[^a-zA-Z]", "", value)
    if ptype in (ALPHANUMEXT, PLUGIN, AREA, SAFEDIR):
        return re.sub(r"[^a-zA-Z0-9_-]", "", value)
    if ptype == COMPONENT:
        return value if re.fullmatch(r"[a-z][a-z0-9_]*", value) or value == "" else ""
    if ptype == USERNAME:
        v = value.strip().lower().replace(" ", "")
        return re.sub(r"[^-.@_a-z0-9]", "", v)
    if ptype == EMAIL:
        return value if valid_email(value) else ""
    if ptype == LANG:
        return value if value in installed_langs else ""
    if ptype == AUTH:
        return value if value in AUTH_PLUGINS else ""
    if ptype == FILE:
        return re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "", value)
    return value  # RAW, TIMEZONE, PATH, URL, THEME: accepted as sent


AUTH_PLUGINS = frozenset({"manual", "nologin", "email", "ldap", "oauth2", "saml2", "cas", "shibboleth", "db",
                          "webservice", "lti", "mnet", "none"})

def valid_email(value: str) -> bool:
    """validate_email(): a dotted domain is required, as on a stock site."""
    return bool(EMAIL_ADDRESS.match(value))


def _validate_value(desc: Value, raw: Any, langs: frozenset[str]) -> Any:
    if isinstance(raw, dict):
        raise InvalidParameter("Scalar type expected, array or object received.")
    if raw is None:
        if desc.allownull:
            return None
        raise InvalidParameter(f'Invalid external api parameter: the value is "", the server was expecting '
                               f'"{desc.type}" type')
    if not isinstance(raw, str):  # defaults given as Python values
        return raw
    if desc.type == BOOL and raw in ("0", "1"):
        return raw == "1"
    debuginfo = (f'Invalid external api parameter: the value is "{raw}", the server was expecting '
                 f'"{desc.type}" type')
    if desc.type == FLOAT:
        if not re.fullmatch(r"[+-]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?", raw, re.I) or raw.strip() in ("", ".", "+", "-"):
            raise InvalidParameter(debuginfo)
        return float(raw)
    cleaned = clean(raw, desc.type, langs)
    if str(cleaned) != raw:
        raise InvalidParameter(debuginfo)
    return cleaned


def validate(desc: Any, raw: Any, langs: frozenset[str] = frozenset({"en"})) -> Any:
    """external_api::validate_parameters(): returns the cleaned structure or raises InvalidParameter."""
    if isinstance(desc, Value):
        return _validate_value(desc, raw, langs)
    if isinstance(desc, Single):
        if not isinstance(raw, dict):
            raise InvalidParameter(f"Only arrays accepted. The bad value is: '{raw}'")
        rest = dict(raw)
        result: dict[str, Any] = {}
        for key, sub in desc.keys.items():
            if key not in rest:
                if sub.required == REQUIRED:
                    raise InvalidParameter(f"Missing required key in single structure: {key}")
                if sub.required == DEFAULT:
                    result[key] = None if sub.default is None and isinstance(sub, Value) else \
                        _nested(key, sub, sub.default, langs)
                continue
            result[key] = _nested(key, sub, rest.pop(key), langs)
        if rest:
            raise InvalidParameter(f"Unexpected keys ({', '.join(map(str, rest))}) detected in parameter array.")
        return result
    if isinstance(desc, Multiple):
        if isinstance(raw, list):
            raw = dict(enumerate(raw))
        if not isinstance(raw, dict):
            raise InvalidParameter(f"Only arrays accepted. The bad value is: '{raw}'")
        return [validate(desc.content, item, langs) for item in raw.values()]
    raise TypeError(f"not a parameter description: {desc!r}")


def _nested(key: str, sub: Any, raw: Any, langs: frozenset[str]) -> Any:
    try:
        return validate(sub, raw, langs)
    except InvalidParameter as e:
        raise InvalidParameter(f"{key} => {INVALID_PARAMETER}: {e.debuginfo}") from None
