"""Safety: thresholds on what a sync may take away, checked before anything is applied (like Canvas's SIS
import change thresholds), and the truncated-roster rule (a roster far shorter than last run's removes nobody).

Thresholds are per entity type, a percentage of the objects of that type lmsbridge manages and an absolute
count; small changes (up to ``min_count``) always pass. Setting LMSBRIDGE_THRESHOLDS, e.g.
``user=10%/50,enrolment=20%/200`` (entity=percent%/absolute).
"""

from __future__ import annotations

from pydantic import BaseModel

from lmsbridge.sync.plan import REMOVALS, Action, SafetyFinding


class Threshold(BaseModel):
    percent: float = 10.0
    absolute: int = 100


DEFAULT_THRESHOLDS: dict[str, Threshold] = {
    "user": Threshold(percent=10, absolute=100),
    "enrolment": Threshold(percent=10, absolute=200),
    "cohort_member": Threshold(percent=10, absolute=200),
    "group_member": Threshold(percent=20, absolute=200),
}


class SafetySettings(BaseModel):
    thresholds: dict[str, Threshold] = DEFAULT_THRESHOLDS
    min_count: int = 3  # removals up to this many never trip a percentage threshold
    truncation_percent: float = 50.0  # a roster with this much fewer rows than last run's removes nobody

    @classmethod
    def parse(cls, text: str | None, **kw: object) -> SafetySettings:
        """``user=10%/50,enrolment=20%/200``; entities not named keep their defaults."""
        thresholds = dict(DEFAULT_THRESHOLDS)
        for part in (text or "").split(","):
            if not part.strip():
                continue
            try:
                entity, value = part.split("=", 1)
                pct, _, absolute = value.partition("/")
                thresholds[entity.strip()] = Threshold(percent=float(pct.strip().rstrip("%")),
                                                       absolute=int(absolute) if absolute else 10**9)
            except ValueError:
                raise ValueError(f"threshold {part!r} is not entity=PERCENT%/ABSOLUTE, e.g. user=10%/50") from None
        return cls(thresholds=thresholds, **kw)


def check_thresholds(actions: list[Action], managed: dict[str, int], settings: SafetySettings
                     ) -> list[SafetyFinding]:
    """Removals per entity type against the number of managed objects of that type (``managed``)."""
    counts: dict[tuple[str, str], int] = {}
    for a in actions:
        if (a.entity, a.op) in REMOVALS:
            counts[(a.entity, a.op)] = counts.get((a.entity, a.op), 0) + 1
    per_entity: dict[str, int] = {}
    for (entity, _), n in counts.items():
        per_entity[entity] = per_entity.get(entity, 0) + n
    findings = []
    for entity, n in sorted(per_entity.items()):
        limit = settings.thresholds.get(entity)
        if limit is None or n <= settings.min_count:
            continue
        base = max(managed.get(entity, 0), 1)
        pct = 100.0 * n / base
        if n > limit.absolute or pct > limit.percent:
            ops = "/".join(sorted(op for (e, op) in counts if e == entity))
            findings.append(SafetyFinding(
                entity=entity, op=ops, count=n, base=base, percent=round(pct, 1), limit_percent=limit.percent,
                limit_absolute=limit.absolute,
                message=f"{n} {entity} {ops} of {base} managed ({pct:.1f}%), over the threshold of "
                        f"{limit.percent:g}% / {limit.absolute}"))
    return findings


def check_truncation(rows: int, last_rows: int | None, settings: SafetySettings, has_removals: bool
                     ) -> SafetyFinding | None:
    """An empty roster, or one far shorter than the last applied run's, never removes anyone."""
    if not has_removals:
        return None
    if rows == 0:
        return SafetyFinding(entity="roster", op="rows", count=0, base=last_rows or 0, percent=100.0,
                             message="the rosters have no rows: an empty roster never removes anyone")
    if last_rows and rows < last_rows * (1 - settings.truncation_percent / 100):
        drop = 100.0 * (last_rows - rows) / last_rows
        return SafetyFinding(entity="roster", op="rows", count=rows, base=last_rows, percent=round(drop, 1),
                             limit_percent=settings.truncation_percent,
                             message=f"the rosters have {rows} rows, {drop:.0f}% fewer than the {last_rows} of the "
                                     f"last run: a truncated roster never removes anyone")
    return None
