"""local_lmsbridge_upsert_scorm and local_lmsbridge_get_activities: SCORM activities by idnumber."""

from __future__ import annotations

import hashlib
import re
from typing import Any


from lmsbridge.sandbox.errors import InvalidParameter
from lmsbridge.sandbox.htmlclean import clean_html
from lmsbridge.sandbox.params import ALPHA, BOOL, DEFAULT, FLOAT, INT, RAW, TEXT, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_USER, Store, now

from lmsbridge.sandbox.functions.plugin.lookup import (
    ALPHAEXT, COMPLETIONSTATUSES, COMPLETION_AUTOMATIC, DISPLAYS, GRADEMETHODS, PLUGIN_COMPONENT,
    PROTECT_DOWNLOADS, RAW_TRIMMED, STRINGS, WHATGRADES, course_module, enter_course, php_str, plugin_error,
    require_cap, require_trimmed,
)
from lmsbridge.sandbox.functions.plugin.package import draft_package, store_package
from lmsbridge.sandbox.functions.plugin.read import gradeitems_of, scorms_of

def _settings(p: dict[str, Any]) -> dict[str, Any]:
    """upsert_scorm::settings(): named options to stored values, refusing unknown names and numbers out of range."""

    def pick(param: str, allowed: dict[str, int]) -> int:
        if p[param] not in allowed:
            raise plugin_error("invalidoption", name=param, value=p[param], allowed=", ".join(allowed))
        return allowed[p[param]]

    if p["idnumber"] == "" or len(p["idnumber"]) > 100:
        raise plugin_error("invalidoption", name="idnumber", value=p["idnumber"], allowed="1 to 100 characters")
    if p["name"].strip() == "":
        raise plugin_error("invalidoption", name="name", value="", allowed="a non-empty name")
    for param, (low, high) in {"maxgrade": (0, 100), "completionscore": (0, 100000), "maxattempt": (0, 1000),
                               "section": (0, 10000)}.items():
        if p[param] < low or p[param] > high:
            raise plugin_error("invalidoption", name=param, value=php_str(p[param]), allowed=f"{low} to {high}")
    status = pick("completionstatus", COMPLETIONSTATUSES)
    bycompletion = bool(status) or p["completionscore"] > 0
    return {
        "grademethod": pick("grademethod", GRADEMETHODS),
        "maxgrade": float(p["maxgrade"]),
        "whatgrade": pick("whatgrade", WHATGRADES),
        "maxattempt": p["maxattempt"],
        "popup": pick("display", DISPLAYS),
        "completionstatusrequired": status or None,
        "completionscorerequired": p["completionscore"] if p["completionscore"] > 0 else None,
        "completionstatusallscos": 1 if status and p["completionallscos"] else 0,
        "completion": COMPLETION_AUTOMATIC if bycompletion else 0,
    }


MAX_SECTIONS = "moodlecourse/maxsections"  # site setting; Moodle's default 52


def _check_section(store: Store, courseid: int, section: int) -> None:
    """upsert_scorm::check_section(): at most the next section, and a new one not beyond the site's maximum."""
    last = int(store.scalar("SELECT COALESCE(MAX(section), 0) FROM course_sections WHERE course = ?", courseid))
    allowed = last + 1 if last < int(store.config(MAX_SECTIONS) or 52) else last
    if section > allowed:
        raise plugin_error("invalidoption", name="section", value=section, allowed=f"0 to {allowed}")


def _differs(stored: Any, wanted: Any) -> bool:
    """upsert_scorm::differs(): numbers compared as numbers, the rest as strings (None as empty)."""
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        return stored is None or stored == "" or abs(float(stored) - float(wanted)) > 1e-9
    return ("" if stored is None else str(stored)) != ("" if wanted is None else str(wanted))


def _warning(code: str, idnumber: str, *args: Any) -> dict[str, str]:
    return {"item": idnumber, "warningcode": code, "message": STRINGS["warning_" + code].format(*args)}


def _place(store: Store, cmid: int, courseid: int, section: int) -> None:
    """course_create_sections_if_missing() up to `section`, then the module at the end of that section."""
    for n in range(section + 1):
        sid = store.section_id(courseid, n)
    order = int(store.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM course_modules WHERE section = ?", sid))
    store.update("course_modules", cmid, section=sid, sortorder=order + 1)


def _sync_grade_item(store: Store, scorm: dict[str, Any], idnumber: str) -> None:
    """scorm_grade_item_update(): the activity's grade item follows its name and maximum grade."""
    scocount = int(store.scalar("SELECT COUNT(*) FROM scorm_scoes WHERE scorm = ? AND launch != ''", scorm["id"]))
    grademax = scocount if scorm["grademethod"] == 0 and scocount else scorm["maxgrade"]
    item = store.one("SELECT id FROM grade_items WHERE itemtype = 'mod' AND itemmodule = 'scorm' AND "
                     "iteminstance = ?", scorm["id"])
    if item:
        store.update("grade_items", item["id"], itemname=scorm["name"], grademax=grademax, idnumber=idnumber)
    else:
        cat = store.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", scorm["course"])
        order = int(store.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM grade_items WHERE courseid = ?",
                                 scorm["course"]))
        store.insert("grade_items", courseid=scorm["course"], categoryid=cat, itemname=scorm["name"], itemtype="mod",
                     itemmodule="scorm", iteminstance=scorm["id"], itemnumber=0, idnumber=idnumber,
                     grademax=grademax, sortorder=order + 1)


def _create(call: Call, course: dict[str, Any], p: dict[str, Any], settings: dict[str, Any],
            package: dict[str, Any]) -> tuple[int, str, bool]:
    store = call.store
    if not p["visible"]:
        require_cap(call, "moodle/course:activityvisibility")
    fields = {k: v for k, v in settings.items() if k != "completion"}
    scormid = store.insert("scorm", course=course["id"], name=p["name"], intro=p["intro"], revision=0,
                           reference=package["filename"], timemodified=now(), **fields)
    # add_moduleinfo() stores the completion mode only where completion is enabled.
    completion = settings["completion"] if course["enablecompletion"] else 0
    cmid = store.add_module(course["id"], "scorm", scormid, section=0, idnumber=p["idnumber"],
                            completion=completion, visible=int(p["visible"]))
    _place(store, cmid, course["id"], p["section"])
    store_package(call, scormid, cmid, package)
    _sync_grade_item(store, store.one("SELECT * FROM scorm WHERE id = ?", scormid) or {}, p["idnumber"])
    return cmid, "created", True


def _update(call: Call, course: dict[str, Any], cm: dict[str, Any], p: dict[str, Any], settings: dict[str, Any],
            package: dict[str, Any] | None, warnings: list[dict[str, str]]) -> tuple[int, str, bool]:
    store = call.store
    require_cap(call, "moodle/course:manageactivities")  # in the module's context: the same grant here
    scorm = store.one("SELECT * FROM scorm WHERE id = ?", cm["instance"]) or {}
    current_section = store.scalar("SELECT section FROM course_sections WHERE id = ?", cm["section"])
    package_changed = package is not None and hashlib.sha1(package["content"]).hexdigest() != scorm["sha1hash"]
    wanted = {k: v for k, v in settings.items() if k != "completion"} | {"name": p["name"], "intro": p["intro"]}
    changed = [k for k, v in wanted.items() if _differs(scorm[k], v)]
    rules = {"completionstatusrequired", "completionscorerequired", "completionstatusallscos"}
    completion_changed = bool(course["enablecompletion"]) and (
        cm["completion"] != settings["completion"] or bool(rules.intersection(changed)))
    visibility_changed = int(cm["visible"]) != int(p["visible"])
    moved = current_section != p["section"]
    if not (package_changed or changed or completion_changed or visibility_changed or moved):
        return cm["id"], "unchanged", False
    if visibility_changed:
        require_cap(call, "moodle/course:activityvisibility")
    if completion_changed and store.scalar("SELECT 1 FROM course_modules_completion WHERE cmid = ?", cm["id"]):
        warnings.append(_warning("completionrecalculated", p["idnumber"]))
    store.update("scorm", scorm["id"], timemodified=now(), **wanted)
    store.update("course_modules", cm["id"], visible=int(p["visible"]),
                 **({"completion": settings["completion"]} if completion_changed else {}))
    if package_changed and package is not None:
        store_package(call, scorm["id"], cm["id"], package)
    _sync_grade_item(store, store.one("SELECT * FROM scorm WHERE id = ?", scorm["id"]) or {}, p["idnumber"])
    if moved:
        _place(store, cm["id"], course["id"], p["section"])
    return cm["id"], "updated", package_changed


@function("local_lmsbridge_upsert_scorm", {
    "courseid": Value(INT), "section": Value(INT), "idnumber": Value(RAW_TRIMMED), "name": Value(TEXT),
    "intro": Value(RAW, DEFAULT, ""), "draftitemid": Value(INT, DEFAULT, 0),
    "grademethod": Value(ALPHA, DEFAULT, "highest"), "maxgrade": Value(FLOAT, DEFAULT, 100.0),
    "whatgrade": Value(ALPHA, DEFAULT, "highest"), "maxattempt": Value(INT, DEFAULT, 0),
    "completionstatus": Value(ALPHAEXT, DEFAULT, "none"), "completionallscos": Value(BOOL, DEFAULT, False),
    "completionscore": Value(INT, DEFAULT, 0), "display": Value(ALPHA, DEFAULT, "currentwindow"),
    "visible": Value(BOOL, DEFAULT, True)}, write=True, component=PLUGIN_COMPONENT)
def upsert_scorm(call: Call, **p: Any) -> dict[str, Any]:
    store = call.store
    require_trimmed(p["idnumber"], "idnumber")
    if re.search(r"[^a-zA-Z_-]", p["completionstatus"]):  # PARAM_ALPHAEXT, which params.clean() does not know
        raise InvalidParameter(f'completionstatus => Invalid parameter value detected: Invalid external api '
                               f'parameter: the value is "{p["completionstatus"]}", the server was expecting '
                               f'"{ALPHAEXT}" type')
    settings = _settings(p)
    p["intro"] = clean_html(p["intro"])  # clean_text(): no script planted through the token
    course = enter_course(call, p["courseid"])
    require_cap(call, "moodle/course:manageactivities")
    _check_section(store, course["id"], p["section"])
    cm = course_module(store, course["id"], p["idnumber"])
    if cm and cm["modname"] != "scorm":
        raise plugin_error("idnumbertaken", p["idnumber"])
    if not cm:
        require_cap(call, "mod/scorm:addinstance")
        if store.scalar("SELECT 1 FROM grade_items WHERE courseid = ? AND idnumber = ?", course["id"],
                        p["idnumber"]):  # grade_verify_idnumber()
            raise plugin_error("idnumbertaken", p["idnumber"])
    package = draft_package(call, p["draftitemid"]) if p["draftitemid"] else None
    if not cm and package is None:
        raise plugin_error("packagerequired", p["idnumber"])

    warnings: list[dict[str, str]] = []
    if settings["completion"] and not course["enablecompletion"]:
        warnings.append(_warning("completiondisabled", p["idnumber"]))
    if cm is None:
        assert package is not None
        cmid, status, package_changed = _create(call, course, p, settings, package)
    else:
        cmid, status, package_changed = _update(call, course, cm, p, settings, package, warnings)
    if package is not None:  # the package now lives in the activity; the draft copy goes
        store.execute("DELETE FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' AND "
                      "itemid = ?", store.context_id(CONTEXT_USER, call.userid), p["draftitemid"])

    cmrow = store.one("SELECT * FROM course_modules WHERE id = ?", cmid) or {}
    scorm = store.one("SELECT * FROM scorm WHERE id = ?", cmrow["instance"]) or {}
    protected = store.config(PROTECT_DOWNLOADS) == "1"
    if scorm["version"] != "SCORM_1.2":
        warnings.append(_warning("apponlineonly", p["idnumber"], scorm["version"]))
    elif protected:
        warnings.append(_warning("packagedownloadsprotected", p["idnumber"]))
    return {
        "cmid": cmid, "instance": scorm["id"],
        "section": int(store.scalar("SELECT section FROM course_sections WHERE id = ?", cmrow["section"])),
        "status": status, "packagechanged": package_changed, "revision": int(scorm["revision"]),
        "sha1hash": scorm["sha1hash"] or "", "version": scorm["version"],
        "scocount": int(store.scalar("SELECT COUNT(*) FROM scorm_scoes WHERE scorm = ? AND launch != ''",
                                     scorm["id"])),
        "offlineinapp": scorm["version"] == "SCORM_1.2" and not protected,
        "warnings": warnings,
    }


# --- local_lmsbridge_get_activities -------------------------------------------------------------------------------


@function("local_lmsbridge_get_activities", {"courseid": Value(INT), "idnumberprefix": Value(RAW, DEFAULT, "")},
          write=False, component=PLUGIN_COMPONENT)
def get_activities(call: Call, courseid: int, idnumberprefix: str) -> dict[str, Any]:
    course = enter_course(call, courseid)
    require_cap(call, "moodle/course:manageactivities")
    return {"courseid": course["id"], "scorms": scorms_of(call.store, course["id"], idnumberprefix),
            "gradeitems": gradeitems_of(call.store, course["id"], idnumberprefix)}


# course_state (classes/local/course_state.php): one query per part. Prefixes are compared with Python's
# startswith: Moodle's LIKE is case-sensitive, SQLite's is not.
