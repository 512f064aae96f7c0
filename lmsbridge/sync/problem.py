"""The one problem type of every stage: an input row, a programme or a planned object that cannot be synced as
asked (the rest goes on); warnings only inform. Roster and results rows, the desired state and the planner
report with it, and the plan carries it to the summary and the JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Problem(BaseModel):
    severity: Literal["error", "warning"] = "error"
    entity: str = ""
    key: str = ""
    source: str = ""  # where it comes from: "file:line" of an input row, or the file
    message: str
    hint: str = ""
    held: bool = False  # a participant held back by a broken roster row: left as Moodle has them
    line: int = Field(0, exclude=True)  # an input row's line (0: the file as a whole); 1 is a CSV's header

    def __str__(self) -> str:
        where = self.source or self.key or self.entity
        return f"{where}: {self.message}" + (f" Hint: {self.hint}" if self.hint else "")

    @classmethod
    def in_row(cls, file: str, line: int, message: str, hint: str = "",
               severity: Literal["error", "warning"] = "error") -> Problem:
        """A problem of an input file's row ``line`` (0: of the whole file)."""
        return cls(severity=severity, source=f"{file}:{line}" if line else file, line=line, message=message,
                   hint=hint)
