"""Which Moodle courses carry which programme, intake, module and language.

The programmes' moodle.toml (lmsbridge.sync.sources.delivery) says what courses exist: one per module and intake, or per
module, intake and language (`per_language`). lmsbridge's courses carry its idnumber prefix; a course is
recognised by the tokens of its idnumber after the prefix: the module id, the intake id and (per language) the
language code, in any order, so the report does not depend on the exact spelling the sync chose. A course's
forced language (`lang`) wins over the idnumber's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lmsbridge.moodle import Course, plain_text
from lmsbridge.report.model import CourseInfo
from lmsbridge.sync.sources.delivery import Delivery


@dataclass(frozen=True)
class Slot:
    programme: str
    intake: str
    module: str
    lang: str  # "" when the course is not per language


def slots(deliveries: Iterable[Delivery]) -> list[Slot]:
    out = []
    for d in deliveries:
        for intake in d.intakes:
            for module in d.modules:
                langs = [lang for lang in d.languages if not module.title or lang in module.title]
                for lang in (langs if d.per_language else [""]):
                    out.append(Slot(d.programme, intake.id, module.id, lang))
    return out


def _has(tokens: str, part: str) -> bool:
    return f"-{part.lower()}-" in tokens


def match_course(course_idnumber: str, course_lang: str, prefix: str, candidates: list[Slot]) -> Slot | None:
    """The slot this course fills, or None. With several candidates the longest intake id wins (2026 vs 2026-b)."""
    if not course_idnumber or not course_idnumber.lower().startswith(prefix.lower()):
        return None
    tokens = f"-{course_idnumber[len(prefix):].lower().replace('_', '-').replace('.', '-')}-"
    found = [s for s in candidates
             if _has(tokens, s.module) and _has(tokens, s.intake)
             and (not s.lang or (course_lang == s.lang if course_lang else _has(tokens, s.lang)))]
    if not found:
        return None
    return max(found, key=lambda s: (len(s.intake), len(s.module)))


def course_infos(courses: Iterable[Course], deliveries: list[Delivery], prefix: str) -> list[CourseInfo]:
    """Moodle courses (lmsbridge.moodle Course models) that carry a programme's module, as CourseInfo."""
    candidates = slots(deliveries)
    single_lang = {d.programme: d.languages[0] for d in deliveries if not d.per_language and d.languages}
    out = []
    for c in courses:
        extra = c.model_extra or {}
        lang = str(extra.get("lang") or "")
        slot = match_course(c.idnumber or "", lang, prefix, candidates)
        if slot is None:
            continue
        out.append(CourseInfo(id=c.id, idnumber=c.idnumber or "", shortname=plain_text(c.shortname),
                              fullname=plain_text(c.fullname),
                              programme=slot.programme, intake=slot.intake, module=slot.module,
                              lang=slot.lang or lang or single_lang.get(slot.programme, "")))
    return sorted(out, key=lambda ci: (ci.programme, ci.intake, ci.lang, ci.idnumber))


def mastery_scores(deliveries: list[Delivery]) -> dict[str, float]:
    """module id -> mastery score (percent) from each module.toml, as the programme loader read it; modules
    without one are left out."""
    return {m.id: m.mastery_score for d in deliveries for m in d.modules if m.mastery_score}
