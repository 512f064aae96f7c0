"""Event grade items (one upsert call per course) and grades (one call per item, batched), each grade read
back and checked."""

from __future__ import annotations

from lmsbridge.moodle import calls
from lmsbridge.sync.apply.ledger import Ledger
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.plan import Action


def _hint(a: Action, code: str) -> str:
    return "check the event in moodle.toml and the results file"


def apply_grades(books: Ledger, phase: tuple[str, str], actions: list[Action]) -> None:
    if phase[0] == "grade_item":
        by_course: dict[str, list[Action]] = {}
        for a in actions:
            by_course.setdefault((a.after or {})["course"], []).append(a)
        each(books, list(by_course.values()), lambda group: _grade_items(books, group), hint=_hint)
    else:
        by_item: dict[tuple[str, str], list[Action]] = {}
        for a in actions:
            after = a.after or {}
            by_item.setdefault((after["course"], after["item"]), []).append(a)
        each(books, list(by_item.values()), lambda group: _grades(books, group), hint=_hint)


def _grade_items(books: Ledger, group: list[Action]) -> None:
    courseid = books.id("course", (group[0].after or {})["course"])
    items = [a.after or {} for a in group]
    answer = books.send(calls.plugin_upsert_grade_items(courseid, items))
    ids = {i.idnumber: i.itemid for i in answer.items}
    done = [a for a, x in zip(group, items) if x["idnumber"] in ids]
    books.applied(done, {a.seq: ids[(a.after or {})["idnumber"]] for a in done})


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _grades(books: Ledger, group: list[Action]) -> None:
    first = group[0].after or {}
    course, item = first["course"], first["item"]
    courseid = books.id("course", course)
    wanted = [a.after or {} for a in group]
    rows = [{"useridnumber": x["user"], "grade": _fmt(x["grade"]), "feedback": x["feedback"]} for x in wanted]
    start = 0
    for batch in books.client.batches(calls.plugin_set_grades(courseid, item, rows)):
        actions = group[start:start + len(batch.items)]
        start += len(batch.items)
        answer = books.send(batch)
        done = []
        for a, r in zip(actions, answer.results):
            x = a.after or {}
            if r.status != "ok":
                books.fail(a, message=r.message or "refused", errorcode=r.errorcode or "",
                           hint="check the participant's enrolment and the results file")
                continue
            # read back and checked per learner: what the gradebook holds now
            stored, feedback = r.grade, r.feedback or ""
            if stored is None or abs(float(stored) - x["grade"]) > 1e-6 or \
                    " ".join(feedback.split()) != " ".join(x["feedback"].split()):
                books.fail(a, message=f"read back {stored!r} / {feedback!r}, asked {x['grade']:g} / "
                                      f"{x['feedback']!r}", errorcode="mismatch",
                           hint="the gradebook differs from what was sent: check the item's range and locks")
                continue
            done.append(a)
        books.applied(done, {})
