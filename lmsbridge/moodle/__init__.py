"""The one Moodle web-services client: the only place in lmsbridge that speaks HTTP to Moodle.

    from lmsbridge.moodle import MoodleClient, MoodleError, calls
    with MoodleClient("https://moodle.example.org", token) as moodle:
        info = moodle.get_site_info()
        users = moodle.get_users_by_field("idnumber", ["emp-1", "emp-2"])
        moodle.send(calls.update_courses([{"id": 2, "fullname": "New"}]))  # a Call value, sent

Private modules by concern: ``_encoding`` (PHP bracket parameters), ``_transport`` (the HTTP seam),
``_exceptions`` (the error tree), ``_decode`` (answers -> results or errors), ``_batching`` (max_input_vars),
``_functions`` (read/write classification), ``_models`` (typed results; ``_plugin_models`` the plugin's),
``_api`` (typed calls per family),
``_settings`` (where Moodle is, from the environment), ``_call`` (a call as a value). The public ``calls``
builds every call lmsbridge sends (the typed methods' too): each function's name and parameter shape live there.
"""

from . import calls
from ._batching import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INPUT_VARS, DEFAULT_VAR_FRACTION, split_batches
from ._call import Call
from ._client import MoodleClient, warnings_of
from ._decode import plain_text
from ._encoding import encode_params
from ._exceptions import (
    AccessException,
    AlreadyExists,
    ConnectError,
    InvalidParameter,
    InvalidToken,
    MoodleAPIError,
    MoodleError,
    NotFound,
    NotJSON,
    PermissionDenied,
    ProtocolError,
    RequestTimeout,
    RequestTooLarge,
    ServerError,
    TransportError,
    TruncatedResult,
    UnexpectedStatus,
    UnknownOutcome,
    UploadError,
    UploadFileRejected,
    UploadTooLarge,
    WebServicesDisabled,
    XMLResponse,
)
from ._functions import (
    COMPETENCY_FUNCTIONS,
    CREATE_LIST_PARAM,
    PLUGIN_BULK_FUNCTIONS,
    PLUGIN_CERTIFICATE_FUNCTION,
    PLUGIN_CERTIFICATE_PDF_FUNCTION,
    PLUGIN_CHECK_FUNCTION,
    PLUGIN_FUNCTIONS,
    PLUGIN_READ_FUNCTION,
    PLUGIN_SERVICE_FUNCTIONS,
    READ_FUNCTIONS,
    REQUIRED_FUNCTIONS,
    SYNC_FUNCTIONS,
    is_read,
)
from ._models import *  # noqa: F403 - the typed results are part of the public face
from ._models import (
    BatchResult,
    Course,
    EnrolledUser,
    MoodleWarning,
    Sco,
    Scorm,
    ScoTracksResult,
    SiteInfo,
    UploadResult,
    UserCourse,
    UserGradeItem,
)
from ._redact import RedactingFilter, redact, redact_data
from ._retry import RetryPolicy
from ._settings import DEFAULT_CONCURRENCY, MoodleSettings
from ._transport import ConnectionLost, Request, RequestsTransport, Response, Transport

__all__ = [
    "MoodleClient", "MoodleSettings", "Call", "calls", "DEFAULT_CONCURRENCY",
    "BatchResult", "RetryPolicy", "warnings_of", "plain_text", "encode_params",
    "split_batches", "is_read",
    "READ_FUNCTIONS", "CREATE_LIST_PARAM", "REQUIRED_FUNCTIONS", "SYNC_FUNCTIONS", "COMPETENCY_FUNCTIONS",
    "PLUGIN_BULK_FUNCTIONS", "PLUGIN_FUNCTIONS", "PLUGIN_READ_FUNCTION", "DEFAULT_MAX_INPUT_VARS",
    "DEFAULT_VAR_FRACTION",
    "DEFAULT_MAX_BODY_BYTES", "Transport", "RequestsTransport", "Request", "Response",
    "MoodleError", "TransportError", "ConnectError", "ConnectionLost", "RequestTimeout", "ServerError",
    "UnknownOutcome", "ProtocolError", "WebServicesDisabled", "UnexpectedStatus", "XMLResponse", "NotJSON",
    "MoodleAPIError", "InvalidToken", "AccessException", "InvalidParameter", "NotFound", "AlreadyExists",
    "PermissionDenied", "UploadError", "UploadTooLarge", "UploadFileRejected", "RequestTooLarge",
    "TruncatedResult", "MoodleWarning", "SiteInfo", "UploadResult", "Course",
    "EnrolledUser", "Sco", "Scorm", "ScoTracksResult", "UserCourse", "UserGradeItem",
    "redact", "redact_data", "RedactingFilter",
    "PLUGIN_CERTIFICATE_FUNCTION", "PLUGIN_CERTIFICATE_PDF_FUNCTION", "PLUGIN_CHECK_FUNCTION",
    "PLUGIN_SERVICE_FUNCTIONS",
]
