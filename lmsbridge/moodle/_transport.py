"""The transport seam: one object that turns a Request into a Response.

The client never touches the network itself; it hands a fully built Request (URL without secrets, body
bytes) to a Transport. The default one speaks HTTP through a ``requests.Session``. Tests point the client at
real loopback servers through the same default transport; a different Transport can wrap or replace it.

A transport must say whether the request left: it raises ConnectError when it certainly did not (connection
refused, DNS, TLS handshake, connect timeout) and RequestTimeout or ConnectionLost when it may have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import requests
import urllib3.exceptions

from ._exceptions import ConnectError, RequestTimeout, TransportError


class ConnectionLost(TransportError):
    """The connection broke after the request was sent (reset, closed mid-answer)."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    connect_timeout: float
    read_timeout: float

    def __repr__(self) -> str:  # the body carries the token: never show it
        return f"Request({self.method} {self.url}, {len(self.body)} bytes)"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed_s: float = 0.0

    @property
    def content_type(self) -> str:
        for key, value in self.headers.items():
            if key.lower() == "content-type":
                return value
        return ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...


# urllib3 reasons that mean "no connection was made, nothing was sent".
_NOT_SENT = (
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.NameResolutionError,
)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return isinstance(reason, _NOT_SENT)


class RequestsTransport:
    """The default transport over one pooled ``requests.Session`` (thread-safe enough for a small pool of
    concurrent calls; each call is one POST)."""

    def __init__(self, session: requests.Session | None = None, *, verify: bool | str = True) -> None:
        self._session = session or requests.Session()
        self._session.trust_env = True  # proxies from the environment, as an administrator expects
        self._verify = verify

    def send(self, request: Request) -> Response:
        where = request.url
        try:
            answer = self._session.request(
                request.method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=(request.connect_timeout, request.read_timeout),
                allow_redirects=False,  # a redirect would turn the POST into a GET and lose the body
                verify=self._verify,
            )
            content = answer.content
        except requests.exceptions.ConnectTimeout as exc:
            raise ConnectError(f"timed out connecting to {where} after {request.connect_timeout:g} s") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise RequestTimeout(f"no answer from {where} within {request.read_timeout:g} s") from exc
        except requests.exceptions.ConnectionError as exc:
            if _never_sent(exc):
                raise ConnectError(f"could not connect to {where}: {_reason(exc)}") from exc
            raise ConnectionLost(f"connection to {where} broke before the answer: {_reason(exc)}") from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise ConnectionLost(f"the answer from {where} was cut off: {_reason(exc)}") from exc
        return Response(
            status=answer.status_code,
            headers=dict(answer.headers),
            content=content,
            elapsed_s=answer.elapsed.total_seconds(),
        )

    def close(self) -> None:
        self._session.close()


def _reason(exc: BaseException) -> str:
    """The innermost cause, short: 'Connection refused', 'Connection reset by peer', 'timed out'..."""
    inner: BaseException = exc
    for _ in range(10):
        candidates = [getattr(inner, "reason", None), *inner.args[:2], inner.__cause__]
        nxt = next((c for c in candidates if isinstance(c, BaseException) and c is not inner), None)
        if nxt is None:
            break
        inner = nxt
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(inner).split(": ")[-1] or type(inner).__name__
