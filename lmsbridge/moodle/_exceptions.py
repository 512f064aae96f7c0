"""Everything the Moodle client raises. One hierarchy:

* MoodleError                       root: catch this to catch anything below
  + TransportError                  no usable HTTP answer
    - ConnectError                  could not connect (refused, DNS, TLS): the request never left
    - RequestTimeout                a read got no answer in time, also after its retries
    - ServerError                   a read got HTTP 5xx/429, also after its retries
    - UnknownOutcome                a WRITE left but no answer came (timeout after sending, connection reset,
                                    HTTP 5xx): it may or may not have been applied. Never repeated by the
                                    client; read the records back to reconcile.
  + ProtocolError                   an answer, but not Moodle's JSON
    - WebServicesDisabled           HTTP 403 with an empty body: web services or the REST protocol are off
    - UnexpectedStatus              any other non-200 status (wrong URL, a proxy in the way)
    - XMLResponse                   XML although JSON was asked: PHP dropped every variable (body over
                                    post_max_size) or something rewrote the request
    - NotJSON                       HTML, PHP output, or JSON cut short (e.g. "The instance of this module does
                                    not exist\\n0" from core_grades_update_grades)
  + MoodleAPIError                  Moodle's own error object {exception, errorcode, message[, debuginfo]};
                                    errorcode may be missing (PHP TypeError) or even a sentence or HTML
    - InvalidToken                  invalidtoken: unknown, expired or lost token
    - AccessException               accessexception: the token may not call this function
    - InvalidParameter              invalidparameter (and invalidpersistenterror)
    - NotFound                      invalidrecord*, unknowncategory, invalidcoursemodule, ...
    - AlreadyExists                 shortnametaken, courseidnumbertaken, categoryidnumbertaken, ...
    - PermissionDenied              nopermissions, errorcoursecontextnotvalid, wsusercannotassign, ...
    - UploadError                   webservice/upload.php's own error shapes
      · UploadTooLarge              upload_error_ini_size / form_size: PHP's upload_max_filesize
      · UploadFileRejected          per-file error entries in upload.php's list (e.g. filenameexist)
  + RequestTooLarge                 refused before sending: more variables than the site's max_input_vars,
                                    which PHP would silently cut
  + TruncatedResult                 a create call returned fewer items than were sent

No message, repr or attribute of these exceptions holds the token or a password the client sent: the client
never puts the token anywhere but the request body, and whatever the site answers (a debuginfo with the SQL
parameters of a failed query, a page echoing the request) is blanked here, on construction (see ``_redact``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._redact import redact, redact_data


class MoodleError(Exception):
    """Root of everything the Moodle client raises."""

    def __init__(self, message: str, *, function: str | None = None) -> None:
        super().__init__(redact(message))
        self.function = function


# --- transport ---


class TransportError(MoodleError):
    """No usable HTTP answer."""


class ConnectError(TransportError):
    """Could not connect; the request certainly did not reach Moodle (safe to repeat)."""


class RequestTimeout(TransportError):
    """A read got no answer within the timeout, also after its retries."""


class ServerError(TransportError):
    """A read got an HTTP 5xx (or 429) answer, also after its retries."""

    def __init__(self, message: str, *, function: str | None = None, status: int | None = None) -> None:
        super().__init__(message, function=function)
        self.status = status


class UnknownOutcome(TransportError):
    """A write was sent but its answer was lost: Moodle may or may not have applied it.

    The client never repeats such a call (a repeated create could duplicate, a repeated enrolment could
    re-activate); the caller reads the affected records back and decides.
    """


# --- protocol ---


class ProtocolError(MoodleError):
    """An HTTP answer that is not Moodle's JSON."""

    def __init__(
        self,
        message: str,
        *,
        function: str | None = None,
        status: int | None = None,
        body: str = "",
        write_may_have_happened: bool = False,
    ) -> None:
        super().__init__(message, function=function)
        self.status = status
        self.body = redact(body)[:2000]
        # A write answered with garbage may still have been applied (core_grades_update_grades does both).
        self.write_may_have_happened = write_may_have_happened


class WebServicesDisabled(ProtocolError):
    """HTTP 403 with an empty body."""


class UnexpectedStatus(ProtocolError):
    """A non-200 status other than the empty 403."""


class XMLResponse(ProtocolError):
    """XML where JSON was asked; ``errorcode``/``xml_message`` hold what the XML said, if it was an error."""

    def __init__(self, message: str, *, errorcode: str | None = None, xml_message: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errorcode = redact(errorcode)
        self.xml_message = redact(xml_message)


class NotJSON(ProtocolError):
    """HTML, plain text or cut-off JSON."""


# --- Moodle's error objects ---


class MoodleAPIError(MoodleError):
    """Moodle's error object. ``errorcode`` may be None (PHP TypeError) or a sentence/HTML; ``debuginfo`` is
    present only when the site's debugging level is NORMAL or higher."""

    hint: ClassVar[str] = ""

    def __init__(
        self,
        *,
        function: str | None,
        errorcode: str | None,
        message: str,
        debuginfo: str | None = None,
        exception: str | None = None,
    ) -> None:
        errorcode, message = redact(errorcode), redact(message)
        debuginfo, exception = redact(debuginfo), redact(exception)
        self.errorcode = errorcode
        self.moodle_message = message
        self.debuginfo = debuginfo
        self.exception = exception
        parts = [f"{function or 'Moodle'}: {message}"]
        parts.append(f"[errorcode {errorcode}]" if errorcode else f"[{exception or 'no errorcode'}]")
        text = " ".join(parts)
        if debuginfo:
            text += f"\n  debuginfo: {' '.join(debuginfo.split())}"
        if self.hint:
            text += f"\n  {self.hint}"
        super().__init__(text, function=function)


class InvalidToken(MoodleAPIError):
    hint = (
        "The token is unknown or expired. Create one under Site administration > Server > Web services > "
        "Manage tokens and pass it with --token or LMSBRIDGE_MOODLE_TOKEN. (A request whose variables PHP cut "
        "before wstoken gives the same answer: the client always sends wstoken first.)"
    )


class AccessException(MoodleAPIError):
    hint = (
        "The token may not call this function. Likely causes, for the administrator: the function is not in "
        "the token's external service (Site administration > Server > Web services > External services > "
        "Functions); the token's user lacks the capability webservice/rest:use (or a capability the service "
        "requires); the service is restricted to listed users, IP addresses or a time window that excludes "
        "this request; the token has expired. Run `lmsbridge doctor` to see which functions are missing."
    )


class InvalidParameter(MoodleAPIError):
    hint = (
        "In production mode Moodle answers this for every validation failure alike: a duplicate username or "
        "e-mail, an invalid e-mail, an upper-case username, a missing password, a wrong type or an unknown "
        "parameter are indistinguishable without debuginfo. Validate before sending, or look the records up."
    )


class NotFound(MoodleAPIError):
    hint = (
        "A record the call refers to does not exist. (Moodle gives the same answer when the function name "
        "itself is unknown to this site.)"
    )


class AlreadyExists(MoodleAPIError):
    hint = "A record with this shortname or idnumber already exists; look it up and update it instead."


class PermissionDenied(MoodleAPIError):
    hint = (
        "The token's user lacks a capability in this context (give its role the capability, or enrol/assign "
        "it). Moodle also answers a context error when the course or category does not exist."
    )


class UploadError(MoodleAPIError):
    """webservice/upload.php's fatal error shape {"error", "errorcode", "stacktrace", "debuginfo", ...}."""


class UploadTooLarge(UploadError):
    hint = "The file exceeds PHP's upload_max_filesize on the Moodle server; raise it (and post_max_size)."


class UploadFileRejected(UploadError):
    """One or more files came back as per-file error entries; ``result`` holds the whole parsed answer."""

    def __init__(self, *, result: Any, errorcode: str | None, message: str) -> None:
        super().__init__(function="webservice/upload.php", errorcode=errorcode, message=message)
        self.result = result.model_copy(update={"problems": [p.model_copy(update={"error": redact(p.error)})
                                                             for p in result.problems]}) \
            if hasattr(result, "problems") else redact_data(result)


# --- raised before or after the call by the client itself ---


class RequestTooLarge(MoodleError):
    """More form variables than the site's max_input_vars: PHP would silently drop the rest."""


class TruncatedResult(MoodleError):
    """A create call returned fewer items than were sent: the request was cut (max_input_vars) or Moodle
    skipped items. The missing items may not exist; read back before continuing."""

    def __init__(self, message: str, *, function: str | None, sent: int, returned: int, result: Any) -> None:
        super().__init__(message, function=function)
        self.sent = sent
        self.returned = returned
        self.result = redact_data(result)


# --- errorcode -> class ---

_BY_CODE: dict[str, type[MoodleAPIError]] = {
    "invalidtoken": InvalidToken,
    "invalidtimedtoken": InvalidToken,
    "accessexception": AccessException,
    "invalidparameter": InvalidParameter,
    "invalidpersistenterror": InvalidParameter,
    "invalidrecord": NotFound,
    "invalidrecordunknown": NotFound,
    "unknowncategory": NotFound,
    "unknowcategory": NotFound,  # sic: Moodle's own spelling for a missing parent category
    "invalidcoursemodule": NotFound,
    "invalidcourseid": NotFound,
    "invaliduserid": NotFound,
    "invaliduser": NotFound,
    "unknowncourseidnumber": NotFound,
    "coursenotexist": NotFound,
    "shortnametaken": AlreadyExists,
    "courseidnumbertaken": AlreadyExists,
    "categoryidnumbertaken": AlreadyExists,
    "idnumbertaken": AlreadyExists,
    "usernameexists": AlreadyExists,
    "emailexists": AlreadyExists,
    "nopermissions": PermissionDenied,
    "errorcoursecontextnotvalid": PermissionDenied,
    "errorcatcontextnotvalid": PermissionDenied,
    "wsusercannotassign": PermissionDenied,
    "useradminodelete": PermissionDenied,
    "requireloginerror": PermissionDenied,
    "nopermissiontoupdatecalc": PermissionDenied,
}

_UPLOAD_BY_CODE: dict[str, type[MoodleAPIError]] = {
    "invalidtoken": InvalidToken,
    "upload_error_ini_size": UploadTooLarge,
    "upload_error_form_size": UploadTooLarge,
}


def error_class(errorcode: str | None, exception: str | None = None) -> type[MoodleAPIError]:
    """The exception class for one of Moodle's error objects."""
    if errorcode in _BY_CODE:
        return _BY_CODE[errorcode]
    if exception == "webservice_access_exception":
        return AccessException
    if exception and exception.endswith("required_capability_exception"):
        return PermissionDenied
    if exception == "dml_missing_record_exception":
        return NotFound
    if exception and exception.endswith("invalid_parameter_exception"):
        return InvalidParameter
    return MoodleAPIError


def upload_error_class(errorcode: str | None) -> type[MoodleAPIError]:
    return _UPLOAD_BY_CODE.get(errorcode or "", UploadError)
