"""local_lmsbridge_set_sections and local_lmsbridge_get_sections: names and summaries of numbered sections."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.params import DEFAULT, INT, RAW, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function

from lmsbridge.sandbox.functions.plugin.activities import MAX_SECTIONS
from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, enter_course, plugin_error, require_cap


@function("local_lmsbridge_set_sections", {"courseid": Value(INT), "sections": Multiple(Single({
    "section": Value(INT), "name": Value(TEXT), "summary": Value(RAW, DEFAULT, "")}))},
    write=True, component=PLUGIN_COMPONENT)
def set_sections(call: Call, courseid: int, sections: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    course = enter_course(call, courseid)
    require_cap(call, "moodle/course:update")
    top = int(store.config(MAX_SECTIONS) or 52)
    seen: set[int] = set()
    for s in sections:
        if not 1 <= s["section"] <= top or s["section"] in seen:
            raise plugin_error("invalidoption", name="section", value=s["section"], allowed=f"1 to {top}, each once")
        if not s["name"].strip() or len(s["name"]) > 255:
            raise plugin_error("invalidoption", name="name", value=s["name"], allowed="1 to 255 characters")
        seen.add(s["section"])
    for n in range(max(seen, default=-1) + 1):  # course_create_sections_if_missing(): no gaps
        store.section_id(course["id"], n)
    out = []
    for s in sections:
        row = store.one("SELECT * FROM course_sections WHERE course = ? AND section = ?", course["id"], s["section"])
        assert row is not None
        changed = (row["name"] or "") != s["name"] or (row["summary"] or "") != s["summary"]
        if changed:
            store.update("course_sections", row["id"], name=s["name"], summary=s["summary"])
        out.append({"section": s["section"], "name": s["name"], "summary": s["summary"], "changed": changed})
    return {"sections": out}


@function("local_lmsbridge_get_sections", {"courseids": Multiple(Value(INT))}, write=False,
          component=PLUGIN_COMPONENT)
def get_sections(call: Call, courseids: list[int]) -> dict[str, Any]:
    out = []
    for courseid in courseids:
        course = enter_course(call, courseid)
        require_cap(call, "moodle/course:update")
        rows = call.store.q("SELECT * FROM course_sections WHERE course = ? ORDER BY section", course["id"])
        out.append({"courseid": course["id"], "sections": [
            {"section": r["section"], "name": r["name"] or "", "summary": r["summary"] or ""} for r in rows]})
    return {"courses": out}
