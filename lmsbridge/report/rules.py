"""Who earns a programme's certificate: `course_packages/<programme>/certificate.toml` and its evaluation.

    [rule]
    modules = "all"          # every module of the programme in the learner's language passed, or a list of ids
    min_events = 1           # training events attended (manual grade items in the programme's courses)
    event_min_grade = 1      # a grade of at least this counts as attended

    [text.<lang>]            # one table per language of the programme
    title, body, issuer, signatory, signatory_role, number_label, code_label, date_label, verify_hint,
    events_label (when given, the certificate lists the training events attended)

`body` may use {name}, {programme}, {modules}, {events}, {intake} and {completed} (the completion date).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lmsbridge.report.model import Participant, ReportData, ResultRow
from lmsbridge.sync.sources.delivery import ConfigError, Delivery


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    modules: Literal["all"] | list[str] = "all"
    min_events: int = Field(0, ge=0)
    event_min_grade: float = Field(1, gt=0)


class CertificateText(_Strict):
    title: str
    body: str
    issuer: str
    signatory: str
    signatory_role: str = ""
    number_label: str
    code_label: str
    date_label: str
    verify_hint: str = ""
    events_label: str = ""  # heads the list of training events attended (no list without it)


class CertificateSpec(_Strict):
    number_prefix: str = Field("", pattern=r"^[A-Za-z0-9-]*$")
    rule: Rule = Rule()
    text: dict[str, CertificateText]
    programme: str = ""  # filled by the loader
    path: str = ""


def load_certificate_spec(delivery: Delivery) -> CertificateSpec | None:
    """The programme's certificate.toml next to its moodle.toml, or None when it has none."""
    path = Path(delivery.source).parent / "certificate.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = CertificateSpec.model_validate(data)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except ValidationError as e:
        lines = [f"{path}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
                 for err in e.errors(include_url=False, include_input=False)]
        raise ConfigError("\n".join(lines)) from None
    missing = [lang for lang in delivery.languages if lang not in spec.text]
    if missing:
        raise ConfigError(f"{path}: no [text.{missing[0]}]: give the certificate's texts in every language of the "
                          f"programme ({', '.join(delivery.languages)})")
    unknown = [m for m in (spec.rule.modules if isinstance(spec.rule.modules, list) else [])
               if m not in {mod.id for mod in delivery.modules}]
    if unknown:
        raise ConfigError(f"{path}: rule.modules names {unknown}, which are not modules of {delivery.programme}")
    return spec.model_copy(update={"programme": delivery.programme, "number_prefix": spec.number_prefix or
                                   delivery.code, "path": str(path)})


class Qualification(BaseModel):
    """One participant measured against one programme's rule."""

    programme: str
    participant: Participant
    lang: str
    intake: str = ""
    modules_passed: list[str] = []
    modules_required: list[str] = []
    events_attended: int = 0
    events_required: int = 0
    events: list[str] = []  # the events attended: their idnumbers in moodle.toml (the grade item's, if unknown)
    completed_at: int | None = None  # when the last requirement was met

    @property
    def missing_modules(self) -> list[str]:
        return [m for m in self.modules_required if m not in self.modules_passed]

    @property
    def qualifies(self) -> bool:
        return not self.missing_modules and self.events_attended >= self.events_required

    @property
    def missing(self) -> str:
        parts = []
        if self.missing_modules:
            parts.append("modules not passed: " + ", ".join(self.missing_modules))
        if self.events_attended < self.events_required:
            parts.append(f"events attended {self.events_attended} of {self.events_required}")
        return "; ".join(parts)

    @property
    def completed_date(self) -> str:
        return datetime.fromtimestamp(self.completed_at, UTC).date().isoformat() if self.completed_at else ""


def _event_id(key: str, delivery: Delivery) -> str:
    """The grade item's idnumber carries the site's prefix: the event of moodle.toml it ends with."""
    return next((e.idnumber for e in delivery.events if key.endswith(e.idnumber)), key)


def evaluate(report: ReportData, delivery: Delivery, spec: CertificateSpec) -> list[Qualification]:
    """Every participant of the programme in the report, measured against the rule (qualified first)."""
    rows_of: dict[str, list[ResultRow]] = defaultdict(list)
    for r in report.rows:
        if r.programme == delivery.programme:
            rows_of[r.participant.key].append(r)
    out = []
    for rows in rows_of.values():
        participant = rows[0].participant
        passed = {m.module: m.last_activity for r in rows for m in r.modules if m.passed}
        events: dict[str, int | None] = {}
        for r in rows:
            for e in r.events:
                if e.grade is not None and e.grade >= spec.rule.event_min_grade:
                    events[_event_id(e.key, delivery)] = e.graded_at
        # The certificate's language: a language whose modules are all passed, the participant's own first.
        langs = [lang for lang in delivery.languages if lang in {r.lang for r in rows}] or list(delivery.languages)
        langs.sort(key=lambda lang: lang != participant.lang)

        def required(lang: str) -> list[str]:
            if isinstance(spec.rule.modules, list):
                return list(spec.rule.modules)
            return [m.id for m in delivery.modules if not m.title or lang in m.title]

        lang = next((lang for lang in langs if all(m in passed for m in required(lang))), langs[0])
        need = required(lang)
        times = [t for m in need if (t := passed.get(m))] + [t for t in events.values() if t]
        intakes = sorted({r.intake for r in rows})
        out.append(Qualification(programme=delivery.programme, participant=participant, lang=lang,
                                 intake=intakes[-1] if intakes else "", modules_passed=sorted(passed),
                                 modules_required=need, events_attended=len(events), events=sorted(events),
                                 events_required=spec.rule.min_events, completed_at=max(times) if times else None))
    out.sort(key=lambda q: (not q.qualifies, q.participant.lastname.lower(), q.participant.firstname.lower(),
                            q.participant.key))
    return out
