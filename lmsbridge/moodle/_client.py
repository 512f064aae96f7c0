"""MoodleClient: one REST call, a batched call, a file upload. Typed per-family calls live in ``_api``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from urllib3 import encode_multipart_formdata

from ._api import FamilyCalls
from ._batching import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INPUT_VARS, DEFAULT_VAR_FRACTION, split_batches
from ._call import Call
from ._decode import UPLOAD, decode_rest, decode_upload
from ._encoding import form_body, rest_pairs
from ._exceptions import (
    ConnectError,
    MoodleAPIError,
    RequestTimeout,
    RequestTooLarge,
    ServerError,
    TransportError,
    TruncatedResult,
    UnknownOutcome,
)
from ._functions import CREATE_LIST_PARAM, is_read
from ._models import BatchResult, MoodleWarning, UploadResult
from ._redact import redact, register, register_params
from ._retry import REPEATABLE_ERRORS, RetryPolicy
from ._transport import Request, RequestsTransport, Response, Transport

if TYPE_CHECKING:
    from ._settings import MoodleSettings

log = logging.getLogger("lmsbridge.moodle")
T = TypeVar("T")


def warnings_of(data: Any) -> list[MoodleWarning]:
    if isinstance(data, dict) and isinstance(data.get("warnings"), list):
        return [MoodleWarning.model_validate(w) for w in data["warnings"] if isinstance(w, dict)]
    return []


class MoodleClient(FamilyCalls):
    """Talks to one Moodle site's REST web services with one token.

    ``url`` is the site's root (``https://moodle.example.org``). Every call has a timeout; reads are retried
    with backoff; writes are retried only when they certainly did not reach Moodle, and a write whose outcome
    is unknown raises UnknownOutcome. ``max_input_vars`` is the site's PHP setting (PHP's default: 1000);
    batches stay under ``var_fraction`` of it.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_input_vars: int = DEFAULT_MAX_INPUT_VARS,
        var_fraction: float = DEFAULT_VAR_FRACTION,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ValueError("a Moodle web-service token is required")
        self.url = url.rstrip("/")
        self.__token = token  # name-mangled, kept out of repr and vars() listings by habit
        register(token)  # blanked in every exception, log record and journal entry, whatever the site answers
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout, timeout)
        self.max_input_vars = max_input_vars
        self.var_budget = max(10, int(max_input_vars * var_fraction))
        self.max_body_bytes = max_body_bytes
        self.concurrency = max(1, concurrency)
        self.retry = retry or RetryPolicy()
        self.transport: Transport = transport or RequestsTransport()
        self._sleep = sleep
        self._rest_url = f"{self.url}/webservice/rest/server.php"
        self._upload_url = f"{self.url}/webservice/upload.php"

    @classmethod
    def from_settings(cls, settings: MoodleSettings, *, transport: Transport | None = None,
                      **overrides: Any) -> MoodleClient:
        options: dict[str, Any] = {
            "timeout": settings.timeout,
            "max_input_vars": settings.max_input_vars,
            "concurrency": settings.concurrency,
            "retry": RetryPolicy(retries=settings.retries),
            "transport": transport,
        }
        return cls(settings.url, settings.token.get_secret_value(), **{**options, **overrides})

    def __repr__(self) -> str:
        return f"MoodleClient(url={self.url!r})"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the calls ---

    def call(self, function: str, params: Mapping[str, object] | None = None, *, read: bool | None = None) -> Any:
        """Call one web-service function; returns Moodle's decoded JSON (None, a list, a dict, a scalar).

        ``read`` overrides the read/write classification of ``function`` (unknown functions count as writes).
        Warnings in the answer are logged and stay in the returned data.
        """
        read = is_read(function) if read is None else read
        register_params(params)  # a password sent must not come back in a debuginfo or a log line
        pairs = rest_pairs(self.__token, function, params)
        if len(pairs) > self.max_input_vars:
            raise RequestTooLarge(
                f"{function}: {len(pairs)} form variables, more than max_input_vars={self.max_input_vars}: PHP "
                "would silently drop the rest. Use call_batched, or set LMSBRIDGE_MAX_INPUT_VARS to the site's "
                "real value if it is higher.",
                function=function,
            )
        body = form_body(pairs)
        request = Request(
            "POST",
            self._rest_url,
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            body,
            self.connect_timeout,
            self.timeout,
        )

        def once() -> Any:
            response = self._send(request, function=function, read=read)
            log.debug("%s: %d variables, %d bytes -> HTTP %d, %d bytes in %.0f ms", function, len(pairs),
                      len(body), response.status, len(response.content), response.elapsed_s * 1000)
            return decode_rest(response, function=function, secret=self.__token, write=not read)

        data = self._repeating_races(once, function)
        self._check_count(function, params, data)
        for warning in warnings_of(data):
            log.warning("%s: Moodle warning: %s", function, redact(str(warning)))
        return data

    def send(self, call: Call[T]) -> T:
        """Send one call (built by ``lmsbridge.moodle.calls``) and parse its answer."""
        return call.parse(self.call(call.function, call.params, read=call.read))

    def batches(self, call: Call[T]) -> list[Call[T]]:
        """``call`` split on its list parameter into requests within the variable and size budget."""
        if not call.list_param:
            return [call]
        return [call.with_items(b) for b in split_batches(call.function, call.list_param, call.items,
                                                           params=call.fixed, max_vars=self.var_budget,
                                                           max_bytes=self.max_body_bytes)]

    def send_batched(self, call: Call[Any]) -> BatchResult:
        """``call`` in batches on its list parameter (see call_batched)."""
        return self.call_batched(call.function, call.list_param, call.items, params=call.fixed, read=call.read)

    def call_batched(
        self,
        function: str,
        list_param: str,
        items: Sequence[Any],
        *,
        params: Mapping[str, object] | None = None,
        read: bool | None = None,
    ) -> BatchResult:
        """Call ``function`` once per batch of ``items`` (the list parameter ``list_param``), each request within
        the variable and size budget. Writes go in order, one batch at a time, and stop at the first error
        (earlier batches stay applied); reads may run ``concurrency`` batches at once."""
        read = is_read(function) if read is None else read
        batches = split_batches(function, list_param, items, params=params, max_vars=self.var_budget,
                                max_bytes=self.max_body_bytes)

        def one(batch: list[Any]) -> Any:
            return self.call(function, {**(params or {}), list_param: batch}, read=read)

        if read and len(batches) > 1 and self.concurrency > 1:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                answers = list(pool.map(one, batches))
        else:
            answers = [one(batch) for batch in batches]
        result = BatchResult(responses=answers)
        for answer in answers:
            if isinstance(answer, list):
                result.items.extend(answer)
            result.warnings.extend(warnings_of(answer))
        if len(batches) > 1:
            log.info("%s: %d items in %d batches", function, len(items), len(batches))
        return result

    def upload(
        self,
        files: Iterable[Path | tuple[str, bytes]],
        *,
        itemid: int | None = None,
        filepath: str | None = None,
    ) -> UploadResult:
        """Upload files to the token user's draft area through webservice/upload.php; the result's ``itemid``
        is the draft area to pass to the next call. The token travels in the multipart body, never the URL."""
        fields: list[tuple[str, Any]] = [("token", self.__token)]
        if itemid is not None:
            fields.append(("itemid", str(itemid)))
        if filepath is not None:
            fields.append(("filepath", filepath))
        for number, item in enumerate(files, start=1):
            name, data = (item.name, item.read_bytes()) if isinstance(item, Path) else item
            fields.append((f"file_{number}", (name, data, "application/octet-stream")))
        body, content_type = encode_multipart_formdata(fields)
        request = Request("POST", self._upload_url, {"Content-Type": content_type, "Accept": "application/json"},
                          body, self.connect_timeout, self.timeout)
        return self._repeating_races(
            lambda: decode_upload(self._send(request, function=UPLOAD, read=False), secret=self.__token), UPLOAD)

    # --- internals ---

    def _repeating_races(self, once: Callable[[], T], function: str) -> T:
        """``once()``, again (after the policy's delay) while Moodle answers with an error that says nothing was
        stored (REPEATABLE_ERRORS); the last attempt's error is raised."""
        for attempt in range(self.retry.race_retries + 1):
            try:
                return once()
            except MoodleAPIError as exc:
                if exc.errorcode not in REPEATABLE_ERRORS or attempt == self.retry.race_retries:
                    raise
                delay = self.retry.delay(attempt)
                log.info("%s: Moodle's file pool raced a parallel call (%s); sending again in %.2f s", function,
                         exc.errorcode, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _send(self, request: Request, *, function: str, read: bool) -> Response:
        last: TransportError | None = None
        attempts = self.retry.retries + 1
        for attempt in range(attempts):
            try:
                response = self.transport.send(request)
            except ConnectError as exc:  # nothing left: safe to repeat, read or write
                last = exc
            except TransportError as exc:  # sent, answer lost
                if not read:
                    raise UnknownOutcome(
                        f"{function}: {exc}. The call was sent but its outcome is unknown; it is not repeated. "
                        "Read the affected records back to reconcile.",
                        function=function,
                    ) from exc
                last = exc
            else:
                if response.status == 429 or (response.status >= 500 and read):
                    last = ServerError(f"HTTP {response.status} from {request.url}", status=response.status)
                elif response.status >= 500:
                    raise UnknownOutcome(
                        f"{function}: HTTP {response.status} from {request.url}. The call reached the server "
                        "but its outcome is unknown; it is not repeated. Read the affected records back to "
                        "reconcile.",
                        function=function,
                    )
                else:
                    return response
            if attempt + 1 < attempts:
                delay = self.retry.delay(attempt)
                log.info("%s: %s; retrying in %.2f s (attempt %d of %d)", function, last, delay, attempt + 2,
                         attempts)
                self._sleep(delay)
        assert last is not None
        message = f"{function}: {last} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})"
        if isinstance(last, ServerError):
            raise ServerError(message, function=function, status=last.status) from last
        cls = type(last) if isinstance(last, (ConnectError, RequestTimeout)) else TransportError
        raise cls(message, function=function) from last

    def _check_count(self, function: str, params: Mapping[str, object] | None, data: Any) -> None:
        key = CREATE_LIST_PARAM.get(function)
        if key is None or not params or not isinstance(params.get(key), Sequence):
            return
        sent = len(params[key])  # type: ignore[arg-type]
        returned = len(data) if isinstance(data, list) else 0
        if returned != sent:
            raise TruncatedResult(
                f"{function}: sent {sent} {key}, Moodle returned {returned}. The request was probably cut by "
                "PHP's max_input_vars (set LMSBRIDGE_MAX_INPUT_VARS to the site's value); the missing items "
                "were not created. Read back before continuing.",
                function=function,
                sent=sent,
                returned=returned,
                result=data,
            )
