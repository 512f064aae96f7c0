"""Turn Moodle's HTTP answers into results or exceptions.

Moodle answers almost everything with HTTP 200; what matters is the body: JSON data, a JSON error object,
XML (the format parameter was lost), HTML or PHP output, or nothing at all (403: web services off).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ._exceptions import (
    NotJSON,
    ProtocolError,
    UnexpectedStatus,
    UploadFileRejected,
    WebServicesDisabled,
    XMLResponse,
    error_class,
    upload_error_class,
)
from ._models import UploadedFile, UploadProblem, UploadResult
from ._redact import redact
from ._transport import Response

UPLOAD = "webservice/upload.php"


def plain_text(value: Any) -> str:
    """A name or description as Moodle returns it, back to the text that was stored: format_string() and
    format_text() escape "&" as "&amp;", so "Collaboration & Leadership" would otherwise never compare equal
    (nor read well in a CSV). None gives ""."""
    return "" if value is None else html.unescape(str(value))


def _snippet(text: str, secret: str) -> str:
    text = redact(text.replace(secret, "***") if secret else text)  # before any repr() escapes it
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:200] + "..."


def _xml_field(text: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    return found.group(1).strip() if found else None


def _parse_json(response: Response, *, function: str, secret: str, write: bool) -> Any:
    text = response.text
    common: dict[str, Any] = {"function": function, "status": response.status,
                              "body": text.replace(secret, "***") if secret else text, "write_may_have_happened": write}
    if response.status == 403 and not text.strip():
        raise WebServicesDisabled(
            f"{function}: HTTP 403 with an empty body: web services are disabled on this site, or the REST "
            "protocol is. An administrator enables them under Site administration > General > Advanced features "
            "> Enable web services, and Site administration > Server > Web services > Manage protocols > REST.",
            **{**common, "write_may_have_happened": False},
        )
    if response.status != 200:
        raise UnexpectedStatus(
            f"{function}: HTTP {response.status} ({response.content_type or 'no content type'}): "
            f"{_snippet(text, secret) or 'empty body'}. Is the URL the Moodle site's root?",
            **common,
        )
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or stripped.startswith(("<EXCEPTION", "<RESPONSE")):
        code, message = _xml_field(text, "ERRORCODE"), _xml_field(text, "MESSAGE")
        raise XMLResponse(
            f"{function}: Moodle answered in XML although JSON was asked"
            + (f" (error {code}: {message})" if code else "")
            + ". PHP dropped the request's variables: the body was probably larger than the server's "
            "post_max_size; send smaller batches.",
            errorcode=code,
            xml_message=message,
            **common,
        )
    if not stripped:
        raise NotJSON(f"{function}: empty answer (HTTP 200)", **common)
    try:
        return json.loads(text)
    except ValueError:
        kind = "an HTML page" if stripped[:1] == "<" else "text that is not JSON (cut off, or PHP output)"
        after = " The call may have changed Moodle; read back before repeating." if write else ""
        raise NotJSON(f"{function}: Moodle answered with {kind}: {_snippet(text, secret)!r}.{after}",
                      **common) from None


def _raise_error_object(data: dict[str, Any], function: str) -> None:
    cls = error_class(data.get("errorcode"), data.get("exception"))
    raise cls(
        function=function,
        errorcode=data.get("errorcode"),
        message=str(data.get("message", "")),
        debuginfo=data.get("debuginfo"),
        exception=data.get("exception"),
    )


def decode_rest(response: Response, *, function: str, secret: str, write: bool) -> Any:
    """The JSON result of a REST call, or the matching exception."""
    data = _parse_json(response, function=function, secret=secret, write=write)
    if isinstance(data, dict) and "exception" in data and "message" in data:
        _raise_error_object(data, function)
    return data


def decode_upload(response: Response, *, secret: str) -> UploadResult:
    """upload.php: a list of file records (or per-file error entries), or its own fatal error object."""
    data = _parse_json(response, function=UPLOAD, secret=secret, write=True)
    if isinstance(data, dict):
        if "exception" in data and "message" in data:
            _raise_error_object(data, UPLOAD)
        if "error" in data:
            code = data.get("errorcode")
            message = str(data["error"])
            if code == "missingparam":
                message += (
                    " (PHP discarded the whole request body: it was probably larger than post_max_size on "
                    "the server)"
                )
            raise upload_error_class(code)(
                function=UPLOAD, errorcode=code, message=message, debuginfo=data.get("debuginfo") or None,
                exception=None,
            )
    if not isinstance(data, list):
        raise ProtocolError(f"{UPLOAD}: unexpected answer {_snippet(response.text, secret)!r}", function=UPLOAD)
    files = [UploadedFile.model_validate(e) for e in data if isinstance(e, dict) and "errortype" not in e
             and "error" not in e]
    problems = [UploadProblem.model_validate(e) for e in data if isinstance(e, dict) and ("errortype" in e
                or "error" in e)]
    result = UploadResult(itemid=files[0].itemid if files else None, files=files, problems=problems)
    if problems:
        raise UploadFileRejected(
            result=result,
            errorcode=problems[0].errortype,
            message="; ".join(f"{p.filename}: {p.error}" for p in problems),
        )
    return result
