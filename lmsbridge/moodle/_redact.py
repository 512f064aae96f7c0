"""Secrets out of every output: the token and the passwords the client sends are blanked wherever they show up.

The client never puts the token anywhere but a request body, but a site can still answer with it: a Moodle in
debug mode puts the SQL parameters of a failed query in ``debuginfo`` (token included when the query was about
the token), a proxy's error page may echo the request. So every secret the client sends is registered here, and
every exception of the client (``_exceptions``), every log record of lmsbridge (``RedactingFilter``, installed
by ``lmsbridge.sync.summary.setup_logging``) and every journal entry passes through ``redact()``, whatever the site
answered. The registry is process-wide: a secret registered by one client stays blanked for all output.
"""

from __future__ import annotations

import html
import json
import logging
import threading
from collections.abc import Mapping
from typing import TypeVar, cast
from urllib.parse import quote, quote_plus

T = TypeVar("T")

MASK = "***"
# Shorter values (a test's "x") would blank ordinary words; Moodle's own password policy asks for 8 characters.
MIN_SECRET_LENGTH = 6
# Parameter names whose values the client treats as secrets (core_user_create_users / update_users).
SECRET_PARAMS = frozenset({"password", "newpassword", "wstoken", "token"})

_lock = threading.Lock()
_forms: list[str] = []  # every registered secret in every form it may come back in, longest first


def _variants(secret: str) -> set[str]:
    """The secret as a site may echo it: as sent, URL-encoded, JSON- and HTML-escaped (PHP's json_encode
    escapes "/" too)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret), secret.replace("/", "\\/")}
    return forms | {repr(f)[1:-1] for f in forms}  # and as Python's repr() shows each in a message


def register(*secrets: str) -> None:
    """Blank these values in every later output (values shorter than MIN_SECRET_LENGTH are ignored)."""
    new = {v for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH for v in _variants(s)}
    if not new:
        return
    global _forms
    with _lock:
        _forms = sorted(set(_forms) | new, key=len, reverse=True)


def register_params(params: Mapping[str, object] | None) -> None:
    """Register the values of secret parameters (``password`` ...) anywhere in a call's nested parameters."""
    found: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, key)
        elif key.lower() in SECRET_PARAMS and isinstance(value, str):
            found.append(value)

    walk(params or {})
    register(*found)


def redact(text: T) -> T:
    """``text`` with every registered secret replaced by MASK (anything that is not a str is returned as is)."""
    if not isinstance(text, str) or not text:
        return text
    clean: str = text
    for form in _forms:
        if form in clean:
            clean = clean.replace(form, MASK)
    return cast(T, clean)


def redact_data(value: T) -> T:
    """redact() through nested lists and dicts (a decoded answer kept on an exception)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return cast(T, [redact_data(v) for v in value])
    if isinstance(value, dict):
        return cast(T, {k: redact_data(v) for k, v in value.items()})
    return value


class RedactingFilter(logging.Filter):
    """A handler filter: the record's message, traceback and string extras, with the secrets blanked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _forms:
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and key not in ("msg", "name", "levelname", "pathname", "filename",
                                                      "module", "funcName", "threadName", "processName"):
                setattr(record, key, redact(value))
        return True
