"""core_course_*_categories: create and update all-or-nothing, get with criteria and subcategories."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter, MoodleException
from lmsbridge.sandbox.functions._shapes import display
from lmsbridge.sandbox.params import ALPHA, BOOL, DEFAULT, INT, OPTIONAL, RAW, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import now

TAKEN = "ID number is already used for another category"


def _check_idnumber(call: Call, idnumber: str, exclude: int = 0) -> None:
    if not idnumber:
        return
    if len(idnumber) > 100:
        raise MoodleException("idnumbertoolong", "The ID number is too long")
    if call.store.scalar("SELECT 1 FROM course_categories WHERE idnumber = ? AND id != ?", idnumber, exclude):
        raise MoodleException("categoryidnumbertaken", TAKEN)


@function("core_course_create_categories", {"categories": Multiple(Single({
    "name": Value(TEXT), "parent": Value(INT, DEFAULT, 0), "idnumber": Value(RAW, OPTIONAL),
    "description": Value(RAW, OPTIONAL), "descriptionformat": Value(INT, DEFAULT, 1),
    "theme": Value(RAW, OPTIONAL)}))}, write=True, rows="categories")
def create_categories(call: Call, categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for cat in categories:
        if cat["parent"] and not call.store.scalar("SELECT 1 FROM course_categories WHERE id = ?", cat["parent"]):
            raise MoodleException("unknowcategory", "Category not known!")
        call.require("moodle/category:manage", "Manage course categories")
        if cat["name"].strip() == "":
            raise MoodleException("categorynamerequired", "The category name is required")
        _check_idnumber(call, cat.get("idnumber") or "")
        cid = call.store.create_category(name=cat["name"], parent=cat["parent"], idnumber=cat.get("idnumber") or "",
                                         description=cat.get("description") or "",
                                         descriptionformat=cat["descriptionformat"], theme=cat.get("theme") or "")
        out.append({"id": cid, "name": cat["name"]})
    return out


def _managed_category(call: Call, categoryid: int) -> dict[str, Any]:
    """The category to change, once the caller may manage categories (Moodle checks in this order)."""
    row = call.store.one("SELECT * FROM course_categories WHERE id = ?", categoryid)
    if row is None:
        raise MoodleException("unknowncategory", f'Unknown category with category ID number "{categoryid}"')
    call.require("moodle/category:manage", "Manage course categories")
    return row


@function("core_course_update_categories", {"categories": Multiple(Single({
    "id": Value(INT), "name": Value(TEXT, OPTIONAL), "idnumber": Value(RAW, OPTIONAL),
    "parent": Value(INT, OPTIONAL), "description": Value(RAW, OPTIONAL), "descriptionformat": Value(INT, DEFAULT, 1),
    "theme": Value(RAW, OPTIONAL)}))}, write=True, rows="categories")
def update_categories(call: Call, categories: list[dict[str, Any]]) -> None:
    store = call.store
    for cat in categories:
        row = _managed_category(call, cat["id"])
        if "idnumber" in cat:
            _check_idnumber(call, cat["idnumber"], exclude=cat["id"])
        cols = {k: cat[k] for k in ("name", "idnumber", "description", "theme") if k in cat}
        if "description" in cat:
            cols["descriptionformat"] = cat["descriptionformat"]
        if "parent" in cat and cat["parent"] != row["parent"]:
            parent = store.one("SELECT * FROM course_categories WHERE id = ?", cat["parent"]) if cat["parent"] else None
            if cat["parent"] and parent is None:
                raise MoodleException("unknowcategory", "Category not known!")
            cols.update(parent=cat["parent"], depth=(parent["depth"] + 1) if parent else 1,
                        path=(parent["path"] if parent else "") + f"/{row['id']}")
        store.update("course_categories", cat["id"], timemodified=now(), **cols)
    return None


def category_record(call: Call, c: dict[str, Any]) -> dict[str, Any]:
    count = call.store.scalar("SELECT COUNT(*) FROM course WHERE category = ?", c["id"])
    return {"id": c["id"], "name": display(c["name"]), "idnumber": c["idnumber"],
            "description": display(c["description"]),
            "descriptionformat": c["descriptionformat"], "parent": c["parent"], "sortorder": c["sortorder"],
            "coursecount": count, "visible": c["visible"], "visibleold": c["visible"],
            "timemodified": c["timemodified"], "depth": c["depth"], "path": c["path"], "theme": c["theme"]}


@function("core_course_get_categories", {
    "criteria": Multiple(Single({"key": Value(ALPHA), "value": Value(RAW)}), DEFAULT),
    "addsubcategories": Value(BOOL, DEFAULT, True)}, write=False)
def get_categories(call: Call, criteria: list[dict[str, str]], addsubcategories: bool) -> list[dict[str, Any]]:
    where, args = ["1 = 1"], []
    for c in criteria:
        key, value = c["key"], c["value"]
        if key == "ids":
            ids = [int(v) for v in value.split(",") if v.strip().isdigit()]
            where.append(f"id IN ({','.join('?' * len(ids)) or 'NULL'})")
            args.extend(ids)
        elif key in ("id", "name", "parent", "idnumber", "visible", "theme"):
            where.append(f"{key} = ?")
            args.append(value)
        else:
            raise InvalidParameter(f"The search key '{key}' is not supported, look at the web service documentation")
    rows = call.store.q(f"SELECT * FROM course_categories WHERE {' AND '.join(where)} ORDER BY sortorder", *args)
    if addsubcategories and rows:
        seen = {r["id"] for r in rows}
        for r in list(rows):
            for sub in call.store.q("SELECT * FROM course_categories WHERE path LIKE ? ORDER BY sortorder",
                                    r["path"] + "/%"):
                if sub["id"] not in seen:
                    seen.add(sub["id"])
                    rows.append(sub)
    return [category_record(call, r) for r in rows]


@function("core_course_delete_categories", {"categories": Multiple(Single({
    "id": Value(INT), "newparent": Value(INT, OPTIONAL), "recursive": Value(BOOL, DEFAULT, False)}))},
    write=True, rows="categories")
def delete_categories(call: Call, categories: list[dict[str, Any]]) -> None:
    store = call.store
    for cat in categories:
        row = _managed_category(call, cat["id"])
        children = store.q("SELECT id FROM course_categories WHERE parent = ?", cat["id"])
        courses = store.q("SELECT id FROM course WHERE category = ?", cat["id"])
        if cat["recursive"]:
            for sub in store.q("SELECT id FROM course_categories WHERE path LIKE ?", row["path"] + "/%"):
                store.execute("DELETE FROM course WHERE category = ?", sub["id"])
                store.execute("DELETE FROM course_categories WHERE id = ?", sub["id"])
            store.execute("DELETE FROM course WHERE category = ?", cat["id"])
        elif children or courses:
            target = cat.get("newparent") or row["parent"]
            if not target and courses:
                raise MoodleException("errorcannotmovecourses", "Cannot move courses to the top level")
            store.execute("UPDATE course_categories SET parent = ? WHERE parent = ?", target, cat["id"])
            store.execute("UPDATE course SET category = ? WHERE category = ?", target, cat["id"])
        store.execute("DELETE FROM course_categories WHERE id = ?", cat["id"])
    return None
