"""Moodle's exceptions as the REST server reports them: PHP class, errorcode, message, debuginfo.

Each class mirrors one PHP class that the recordings show; `debuginfo` is only sent in debug mode, as on a site
whose debugging level is below NORMAL it is withheld.
"""

from __future__ import annotations

INVALID_PARAMETER = "Invalid parameter value detected"


class MoodleException(Exception):
    """`core\\exception\\moodle_exception`; errorcode None means PHP sent none (a TypeError)."""

    php_class = "core\\exception\\moodle_exception"

    def __init__(self, errorcode: str | None, message: str, debuginfo: str | None = None) -> None:
        super().__init__(message)
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo

    def as_json(self, debug: bool) -> dict:
        out: dict = {"exception": self.php_class}
        if self.errorcode is not None:
            out["errorcode"] = self.errorcode
        out["message"] = self.message
        if debug and self.debuginfo is not None:
            out["debuginfo"] = self.debuginfo
        return out


class InvalidParameter(MoodleException):
    php_class = "core\\exception\\invalid_parameter_exception"

    def __init__(self, debuginfo: str = "") -> None:
        super().__init__("invalidparameter", INVALID_PARAMETER, debuginfo)


class AccessException(MoodleException):
    php_class = "webservice_access_exception"

    def __init__(self, debuginfo: str) -> None:
        super().__init__("accessexception", "Access control exception", debuginfo)


class MissingRecord(MoodleException):
    """`dml_missing_record_exception`: the code depends on the debug level, as Moodle's does."""

    php_class = "dml_missing_record_exception"

    def __init__(self, table: str = "", sql: str | None = None) -> None:
        super().__init__("invalidrecordunknown", "Can't find data record in database.", sql)
        self.table = table

    def as_json(self, debug: bool) -> dict:
        if debug and self.table:
            return {"exception": self.php_class, "errorcode": "invalidrecord",
                    "message": f"Can't find data record in database table {self.table}.",
                    "debuginfo": self.debuginfo or ""}
        return super().as_json(debug)


class RequiredCapability(MoodleException):
    php_class = "core\\exception\\required_capability_exception"

    def __init__(self, capability: str, label: str) -> None:
        super().__init__("nopermissions",
                         f"Sorry, but you do not currently have permissions to do that ({label}).",
                         f"{capability}")


class CodingError(MoodleException):
    php_class = "core\\exception\\coding_exception"

    def __init__(self, detail: str) -> None:
        super().__init__("codingerror", f"Coding error detected, it must be fixed by a programmer: {detail}")


class InvalidPersistent(MoodleException):
    php_class = "core\\invalid_persistent_exception"

    def __init__(self, message: str) -> None:
        super().__init__("invalidpersistenterror", f"Error: {message}")


class DmlWrite(MoodleException):
    """dml_write_exception: the database refused a write. ``keep_committed``: what the call committed before
    (its own inner transactions, as set_grades' per learner) stays; the sandbox's call transaction commits it."""

    php_class = "dml_write_exception"
    keep_committed = True

    def __init__(self, debuginfo: str) -> None:
        super().__init__("dmlwriteexception", "Error writing to database", debuginfo)


class DmlRead(MoodleException):
    php_class = "dml_read_exception"

    def __init__(self, debuginfo: str) -> None:
        super().__init__("dmlreadexception", "Error reading from database", debuginfo)


class PhpTypeError(MoodleException):
    """A PHP TypeError escaping the function: no errorcode at all (enrol_manual_enrol_users, unknown user)."""

    php_class = "TypeError"

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


def invalid_token() -> MoodleException:
    return MoodleException("invalidtoken", "Invalid token - token not found")


class FilePoolRace(MoodleException):
    """What file_system_filedir throws when a parallel request made the same pool folder between its is_dir and
    its mkdir (a fault the sandbox injects: Faults.file_race_rate)."""

    php_class = "file_exception"
    MESSAGE = "Cannot create local file pool directories. Please verify permissions in dataroot."

    def __init__(self) -> None:
        super().__init__("storedfilecannotcreatefiledirs", self.MESSAGE)


class RawResponse(Exception):
    """Not an error: a function whose PHP side prints text before its result (core_grades_update_grades)."""

    def __init__(self, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        super().__init__(body)
        self.body = body
        self.content_type = content_type
