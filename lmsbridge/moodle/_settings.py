"""Settings for talking to Moodle.

The CLI fills them from its options, each of which names its environment variable (LMSBRIDGE_MOODLE_URL,
LMSBRIDGE_MOODLE_TOKEN, LMSBRIDGE_TIMEOUT, LMSBRIDGE_MAX_INPUT_VARS, LMSBRIDGE_CONCURRENCY, LMSBRIDGE_RETRIES,
LMSBRIDGE_ALLOW_HTTP); `.env` is loaded by the CLI first. ``from_env`` does the same for library users and tests.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from ._batching import DEFAULT_MAX_INPUT_VARS

ENV = {
    "url": "LMSBRIDGE_MOODLE_URL",
    "token": "LMSBRIDGE_MOODLE_TOKEN",
    "timeout": "LMSBRIDGE_TIMEOUT",
    "max_input_vars": "LMSBRIDGE_MAX_INPUT_VARS",
    "concurrency": "LMSBRIDGE_CONCURRENCY",
    "retries": "LMSBRIDGE_RETRIES",
    "allow_http": "LMSBRIDGE_ALLOW_HTTP",
}


# Calls in parallel, the same for every command. 2, not more: measured on 2-core sites (bench/real_moodle_bench.py),
# 4 was no faster on Moodle 5.0 and slower on 4.5, because the site's PHP and database are the bottleneck.
DEFAULT_CONCURRENCY = 2


def is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class MoodleSettings(BaseModel):
    """Where Moodle is and how to talk to it. The token is a SecretStr: it prints as '**********'."""

    url: str = Field(description="the Moodle site's root URL, e.g. https://moodle.example.org")
    token: SecretStr = Field(description="a web-service token (Site administration > Server > Web services)")
    timeout: float = Field(60.0, gt=0, description="seconds to wait for each answer")
    max_input_vars: int = Field(
        DEFAULT_MAX_INPUT_VARS, ge=50,
        description="the site's PHP max_input_vars (PHP's default, and a stock site's, is 1000)")
    concurrency: int = Field(DEFAULT_CONCURRENCY, ge=1, le=32, description="parallel read requests")
    retries: int = Field(3, ge=0, le=10, description="further attempts for calls that are safe to repeat")
    allow_http: bool = Field(False, description="allow plain http:// to a host that is not loopback")

    @field_validator("url")
    @classmethod
    def _site_root(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL; give the Moodle site's root, e.g. "
                             "https://moodle.example.org")
        if parts.username or parts.password:
            raise ValueError("the Moodle URL must not contain a user name or password")
        if parts.query or parts.fragment:
            raise ValueError("the Moodle URL must not have a query string; give the site's root")
        if "/webservice/" in parts.path or parts.path.endswith(".php"):
            raise ValueError(f"{value!r} points at a script; give the Moodle site's root (the part before "
                             "/webservice/...)")
        return value.rstrip("/")

    @field_validator("token")
    @classmethod
    def _token_given(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("the Moodle token is empty; set LMSBRIDGE_MOODLE_TOKEN or pass --token")
        return SecretStr(value.get_secret_value().strip())

    @model_validator(mode="after")
    def _no_plain_http(self) -> MoodleSettings:
        parts = urlsplit(self.url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or "") and not self.allow_http:
            raise ValueError(
                f"refusing plain http:// to {parts.hostname}: the token would cross the network unencrypted. "
                "Use https://, or set LMSBRIDGE_ALLOW_HTTP=1 (--allow-http) if you accept that risk."
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> MoodleSettings:
        """Settings from LMSBRIDGE_* variables; ``overrides`` that are not None win."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {k: environ[v] for k, v in ENV.items() if environ.get(v, "") != ""}
        if "allow_http" in values:
            values["allow_http"] = str(values["allow_http"]).strip().lower() in {"1", "true", "yes", "on"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
