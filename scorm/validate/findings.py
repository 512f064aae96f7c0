"""What the validator reports: coded findings, the offline verdict, and one report per package."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, computed_field

from scorm.validate.codes import CODES, LENIENT_IN_12, Severity

# A hostile or generated manifest can yield a finding per element; past this many of one code the rest are
# counted in one closing finding, so the report (and memory) stays bounded whatever the input.
MAX_PER_CODE = 100


class Finding(BaseModel):
    code: str                # stable, see CODES.md
    severity: Severity
    file: str | None = None  # path inside the package; None for the package as a whole
    line: int | None = None  # line in that file, where known
    message: str             # what is wrong, naming the thing
    hint: str                # what to do about it

    @property
    def where(self) -> str:
        if self.file is None:
            return "-"
        return f"{self.file}:{self.line}" if self.line else self.file


class OfflineVerdict(BaseModel):
    """Whether the Moodle app can download the package and play it offline (scorm.validate.offline)."""

    playable: Literal["yes", "no", "unknown"]
    reasons: list[str] = []         # why not (or why unknown); empty for "yes"
    notes: list[str] = []           # true either way, e.g. the app asks before a large download
    download_bytes: int | None = None   # the zip the app downloads (None: not a zip)
    unpacked_bytes: int | None = None   # what it unpacks to on the phone (None: not seen)


class ValidationReport(BaseModel):
    package: str
    source: Literal["zip", "folder", "manifest"] = "zip"  # what was given: a zip, a folder, or only a manifest
    version: str | None = None     # "1.2", "2004 2nd", "2004 3rd", "2004 4th"; None when not determined
    schemas_checked: bool = False  # validated against the official XSDs
    findings: list[Finding] = []
    offline: OfflineVerdict | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "info"]

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


class Findings(list[Finding]):
    """A list that fills message and hint from the catalogue, so every check reads as one line; at most
    MAX_PER_CODE findings per code (and severity) are kept, the rest are counted by close()."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: Counter[tuple[str, str]] = Counter()
        self.dropped: Counter[tuple[str, str]] = Counter()

    def add(self, code: str, message: str, *, file: str | None = None, line: int | None = None,
            hint: str | None = None, scorm12: bool = False) -> None:
        """scorm12: the package is SCORM 1.2, where the rules in LENIENT_IN_12 are warnings, not errors."""
        entry = CODES[code]
        severity: Severity = "warning" if scorm12 and code in LENIENT_IN_12 else entry.severity
        if self.shown[code, severity] >= MAX_PER_CODE:
            self.dropped[code, severity] += 1
            return
        self.shown[code, severity] += 1
        self.append(Finding(code=code, severity=severity, file=file, line=line, message=message,
                            hint=hint or entry.hint))

    def total(self, code: str) -> int:
        """Findings of a code, including those not kept."""
        return sum(n for (c, _), n in (self.shown + self.dropped).items() if c == code)

    def close(self) -> list[Finding]:
        """The findings, with one closing line per code that had more than MAX_PER_CODE."""
        for (code, severity), n in sorted(self.dropped.items()):
            self.append(Finding(code=code, severity=severity, message=f"... and {n:,} more {code} findings like "
                                                                      "the ones above", hint=CODES[code].hint))
        self.dropped.clear()
        return list(self)
