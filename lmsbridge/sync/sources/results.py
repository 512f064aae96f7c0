"""Results of the training events: CSV files with columns `idnumber` (participant), `event`, `grade`, `feedback`.

Read like rosters (UTF-8 with or without BOM, comma or semicolon). Only the file's shape is checked here; whether
the participant and the event exist, and the grade's range, is checked against the programmes and rosters in
`desired.add_results`, so every bad row is reported with its file:line and a hint and the others go on.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from lmsbridge.sync.problem import Problem
from lmsbridge.sync.sources.delivery import ConfigError
from lmsbridge.sync.sources.roster import delimiter_of

COLUMNS = ("idnumber", "event", "grade", "feedback")


@dataclass(slots=True)
class ResultRow:
    file: str
    line: int
    participant: str
    event: str
    grade: str
    feedback: str

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"


def read_results(paths: list[Path]) -> tuple[list[ResultRow], list[Problem]]:
    rows: list[ResultRow] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"{path}: results file not found (--results / LMSBRIDGE_RESULTS)") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8; save it as 'CSV UTF-8'") from None
        first = text.split("\n", 1)[0]
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first))
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS[:3] if c not in header]
        if missing:
            raise ConfigError(f"{path}:1: results file lacks the column(s) {', '.join(missing)}; the columns are "
                              f"{', '.join(COLUMNS)} (feedback optional)")
        at = {name: header.index(name) for name in COLUMNS if name in header}
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            get = {k: (values[i].strip() if i < len(values) else "") for k, i in at.items()}
            row = ResultRow(str(path), line, get["idnumber"], get["event"], get["grade"], get.get("feedback", ""))
            if not row.participant or not row.event:
                problems.append(Problem.in_row(row.file, line, "the row has no participant idnumber or no event",
                                           "fill in the idnumber and event columns"))
                continue
            rows.append(row)
    return rows, problems
