"""What needs the competency services or the companion plugin: the competency framework and its links, SCORM
activities, event grade items and grades. A site without them gets these parts skipped, and the plan says why."""

from __future__ import annotations

from typing import Any

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.keys import GradeKey, Pair
from lmsbridge.sync.plan import Skipped
from lmsbridge.sync.planner.part import Part, text
from lmsbridge.sync.planner.settings import PlanSettings


def plan_competencies(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str]
                      ) -> Part:
    part = Part()
    if not desired.frameworks:
        return part
    if settings.competencies_missing:
        n = sum(len(f.competencies) for f in desired.frameworks)
        part.skipped.append(Skipped(what="competencies", count=n, reason=settings.competencies_missing))
        return part
    for fw in desired.frameworks:
        have = actual.frameworks.get(fw.idnumber)
        if have is None:
            part.act("competency_framework", fw.idnumber, "create", None,
                     {"shortname": fw.shortname, "description": fw.description}, fw.source,
                     "new competency framework")
        else:
            part.known("competency_framework", fw.idnumber, have.id)
        existing = have.competencies if have else {}
        for c in fw.competencies:
            if c.idnumber in existing:
                part.known("competency", c.idnumber, existing[c.idnumber])
                continue
            part.act("competency", c.idnumber, "create", None, {"framework": fw.idnumber, "shortname": c.shortname,
                                                                  "description": c.description, "parent": c.parent},
                     fw.source, "new competency" + (f" under {c.parent}" if c.parent else ""))
        for course, wanted in sorted(fw.courses.items()):
            if course not in courses:
                continue
            linked = set(actual.course_competencies.get(course, []))
            for c_id in wanted:
                if c_id not in linked:
                    part.act("course_competency", str(Pair(course, c_id)), "add", None, None, fw.source,
                             "the course's module builds it")
    return part


def plan_activities(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str]
                    ) -> Part:
    """SCORM activities, with this run's packages: created, or updated when the package or a setting changed."""
    part = Part()
    activities = [a for a in desired.activities.values() if a.course in courses]
    if settings.plugin_missing:
        if activities:
            part.skipped.append(Skipped(what="SCORM activities", count=len(activities),
                                        reason=settings.plugin_missing))
        return part
    if settings.packages_problem:
        part.skipped.append(Skipped(what="SCORM activities", count=len(activities),
                                    reason=settings.packages_problem))
        return part
    for want in activities:
        key = str(Pair(want.course, want.idnumber))
        sha1, path = settings.packages.get(str(Pair(want.module, want.lang)), ("", ""))
        if not sha1:
            part.skipped.append(Skipped(what=f"SCORM activity {key}", count=1,
                                        reason=f"no {want.lang} package of module {want.module} was built"))
            continue
        have = actual.activities.get(key)
        after: dict[str, Any] = {"course": want.course, "idnumber": want.idnumber, "module": want.module,
                                 "lang": want.lang, "section": want.section, "name": want.name,
                                 "intro": want.intro, "sha1": sha1, "package": path}
        if have is None:
            part.act("activity", key, "create", None, after, want.source, f"new SCORM activity of {want.module}")
            continue
        before = {}
        for field, value in (("sha1", have.sha1hash), ("name", have.name), ("section", have.section)):
            if value != after[field]:
                before[field] = value
        if before:
            reason = "the package changed" if "sha1" in before else "differs from the programme"
            part.act("activity", key, "update", before, after, want.source, reason)
    return part


def plan_event_grades(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str],
                      users: set[str]) -> Part:
    """Grade items of the training events, and the participants' grades and feedback in them."""
    part = Part()
    items = [i for i in desired.grade_items.values() if i.course in courses]
    grades = [g for g in desired.grades.values() if g.course in courses and g.user in users]
    if settings.plugin_missing:
        if grades or items:
            part.skipped.append(Skipped(what="event grades", count=len(grades),
                                        reason=f"{settings.plugin_missing} (and {len(items)} event grade items)"))
        return part
    for want in items:
        key = str(Pair(want.course, want.idnumber))
        have_item = actual.grade_items.get(key)
        after = {"course": want.course, "idnumber": want.idnumber, "name": want.name, "grademax": want.grademax}
        if have_item is None:
            part.act("grade_item", key, "create", None, after, want.source, f"event {want.event}")
        elif have_item.name != want.name or abs(have_item.grademax - want.grademax) > 1e-9:
            part.act("grade_item", key, "update", {"name": have_item.name, "grademax": have_item.grademax}, after,
                     want.source, "differs from moodle.toml")
    for g in grades:
        have_grade = actual.gradebook.get(g.course, {}).get(g.user, {}).get(g.item)
        if have_grade and abs(have_grade[0] - g.grade) < 1e-6 and text(have_grade[1]) == text(g.feedback):
            continue
        part.act("grade", str(GradeKey(g.course, g.item, g.user)), "set",
                 {"grade": have_grade[0], "feedback": have_grade[1]} if have_grade else None,
                 {"course": g.course, "item": g.item, "user": g.user, "grade": g.grade, "feedback": g.feedback},
                 g.source, "event result")
    return part


def plan_completion(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str]) -> Part:
    """Course completion criteria: all of the course's module activities complete (moodle.toml `completion`)."""
    part = Part()
    wanted = {c: sorted(a) for c, a in desired.completion.items() if c in courses}
    if settings.plugin_missing:
        if wanted:
            part.skipped.append(Skipped(what="course completion criteria", count=len(wanted),
                                        reason=settings.plugin_missing))
        return part
    for course, activities in sorted(wanted.items()):
        have = actual.completion.get(course)
        if have == activities:
            continue
        part.act("completion", course, "set", None if have is None else {"activities": have},
                 {"course": course, "activities": activities}, desired.courses[course].source,
                 "the course is complete when " + ("its module activity is" if len(activities) == 1
                                                   else f"all {len(activities)} module activities are") + " complete")
    return part


def plan_sections(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str]) -> Part:
    """The modules' sections: named and summarised from the programme; other sections are the teachers'."""
    part = Part()
    wanted = [s for s in desired.sections.values() if s.course in courses]
    if settings.plugin_missing:
        if wanted:
            part.skipped.append(Skipped(what="course sections", count=len(wanted), reason=settings.plugin_missing))
        return part
    for want in wanted:
        key = str(Pair(want.course, str(want.section)))
        have = actual.sections.get(key)
        if have is not None and have[0] == want.name and text(have[1]) == text(want.summary):
            continue
        part.act("section", key, "set", None if have is None else {"name": have[0], "summary": have[1]},
                 {"course": want.course, "section": want.section, "name": want.name, "summary": want.summary},
                 want.source, "the module's section" if have is None or not have[0] else "differs from the programme")
    return part
