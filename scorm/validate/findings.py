"""What the validator reports: coded findings and one report per package."""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from scorm.validate.codes import CODES, LENIENT_IN_12, Severity


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


class ValidationReport(BaseModel):
    package: str
    version: str | None = None     # "1.2", "2004 2nd", "2004 3rd", "2004 4th"; None when not determined
    schemas_checked: bool = False  # validated against the official XSDs
    findings: list[Finding] = []

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

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


class Findings(list[Finding]):
    """A list that fills message and hint from the catalogue, so every check reads as one line."""

    def add(self, code: str, message: str, *, file: str | None = None, line: int | None = None,
            hint: str | None = None, scorm12: bool = False) -> None:
        """scorm12: the package is SCORM 1.2, where the rules in LENIENT_IN_12 are warnings, not errors."""
        entry = CODES[code]
        severity: Severity = "warning" if scorm12 and code in LENIENT_IN_12 else entry.severity
        self.append(Finding(code=code, severity=severity, file=file, line=line, message=message,
                            hint=hint or entry.hint))
