"""The companion plugin local_lmsbridge: its five functions with the contract of lmsbridge/moodle_plugin/CONTRACT.md.

Mirrors the PHP in lmsbridge/moodle_plugin/classes/external/ step by step (same order of checks, same error codes
and English strings), over the sandbox's tables: the package comes from the token user's draft area
(webservice/upload.php), is checked as scorm_validate_package() does, its manifest is read as
scorm_parse_scorm() reads it (SCOs matched by identifier, so tracks of remaining SCOs stay), and grades land where
gradereport_user_get_grade_items and core_grades_get_gradeitems read them. Registered only on a site whose
Sandbox has plugin=True (see app.Sandbox).
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import sqlite3
import zipfile
from typing import Any

from lxml import etree

from lmsbridge.capabilities import SYNC_USER_CAPABILITIES
from lmsbridge.sandbox.functions._shapes import idnumber_visible
from lmsbridge.sandbox.functions.enrol import active_sql
from lmsbridge.sandbox.errors import DmlWrite, InvalidParameter, MoodleException
from lmsbridge.sandbox.htmlclean import clean_html
from lmsbridge.sandbox.params import ALPHA, BOOL, DEFAULT, FLOAT, INT, RAW, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_MODULE, CONTEXT_USER, Store, now
from scorm.validate.findings import Findings
from scorm.validate.safexml import parse_manifest

PLUGIN_COMPONENT = "local_lmsbridge"
# PARAM_RAW_TRIMMED: accepted as sent only when it has no surrounding white space (checked by _trimmed()).
RAW_TRIMMED = "raw_trimmed"
ALPHAEXT = "alphaext"

GRADEMETHODS = {"scoes": 0, "highest": 1, "average": 2, "sum": 3}
WHATGRADES = {"highest": 0, "average": 1, "first": 2, "last": 3}
COMPLETIONSTATUSES = {"none": 0, "passed": 2, "completed": 4, "passed_or_completed": 6}
DISPLAYS = {"currentwindow": 0, "popup": 1}
COMPLETION_AUTOMATIC = 2

# Capability names as Moodle's lang strings give them in "nopermissions".
CAPABILITY_LABELS = {
    "moodle/course:manageactivities": "Manage activities",
    "mod/scorm:addinstance": "Add a new SCORM package",
    "moodle/course:activityvisibility": "Hide/show activities",
    "moodle/grade:manage": "Manage grade items",
    "moodle/grade:edit": "Edit grades",
    "moodle/course:viewparticipants": "View participants",
    "moodle/course:enrolreview": "Review course enrolments",
    "moodle/grade:viewall": "View grades of other users",
    "moodle/competency:coursecompetencyview": "View course competencies",
}

# lang/en/local_lmsbridge.php (the plugin's) and mod/scorm/lang/en/scorm.php (Moodle's validation messages).
STRINGS = {
    "coursenotfound": "Course {} does not exist, or the token's user may not enter it.",
    "draftfilemissing": "No file in draft area {} of this user. Upload the package through webservice/upload.php "
                        "with the same token and pass the itemid it returns.",
    "draftfilemultiple": "Draft area {itemid} holds {count} files; upload the package alone (one file per draft "
                         "itemid).",
    "gradeitemlocked": 'Grade item "{}" is locked in the gradebook; unlock it to change grades.',
    "gradeitemnotfound": 'No manual grade item with idnumber "{}" in this course; create it with '
                         "local_lmsbridge_upsert_grade_items first.",
    "gradelocked": "This learner's grade is locked in the gradebook; unlock it to change it.",
    "gradenotanumber": 'The grade "{}" is not a number.',
    "gradeoutofrange": "The grade {grade} is outside the item's range {min} to {max}; nothing was stored.",
    "idnumberduplicate": 'The idnumber "{idnumber}" is used {count} times in this course; give each item its own '
                         "idnumber.",
    "idnumbertaken": 'The idnumber "{}" is already used in this course by another activity or grade item '
                     "(activities and grade items share idnumbers).",
    "invaliditem": 'Grade item "{idnumber}": {reason}.',
    "invalidoption": 'Invalid {name} "{value}": allowed {allowed}.',
    "invalidpackage": "The SCORM package was rejected: {}",
    "manifestunreadable": "Moodle could not read the imsmanifest.xml of this package.",
    "packagerequired": 'Activity "{}" does not exist yet: a package (draftitemid) is required to create it.',
    "usermissing": "The row names no learner: give useridnumber or userid.",
    "usernotenrolled": "User {} is not enrolled in this course; enrol the learner first. Nothing was stored.",
    "useridnumberduplicate": "Several users have the idnumber {}; make user idnumbers unique. Nothing was stored.",
    "warning_apponlineonly": "The package is {}: the Moodle app plays it online only (it downloads SCORM 1.2 "
                             "packages for offline use).",
    "warning_completiondisabled": "Completion tracking is off for this course (or site): the completion rule is "
                                  "stored but not applied.",
    "warning_completionrecalculated": "The completion rule changed: Moodle recalculates the completion of every "
                                      "learner of this activity.",
    "warning_packagedownloadsprotected": "Package downloads are protected on this site: the Moodle app cannot "
                                         "download the package for offline use (Site administration > Plugins > "
                                         "Activity modules > SCORM package > Protect package downloads).",
    "badarchive": "You must provide a valid zip file",
    "nomanifest": "Incorrect file package - missing imsmanifest.xml or AICC structure",
    "badimsmanifestlocation": "An imsmanifest.xml file was found but it was not in the root of your zip file, "
                              "please re-package your SCORM",
}
# Set with sb.db.set_config(PROTECT_DOWNLOADS, "1"): the site setting scorm/protectpackagedownloads.
PROTECT_DOWNLOADS = "scorm/protectpackagedownloads"
MANIFEST_MAX_BYTES = 16 * 1024 * 1024  # a manifest larger than this is treated as unreadable (zip bombs)


class PluginError(MoodleException):
    """A moodle_exception of module local_lmsbridge (set_grades tells its own row errors from the rest by it)."""


def _error(code: str, *args: Any, **kw: Any) -> MoodleException:
    """moodle_exception($code, 'local_lmsbridge', '', $a): the message is the plugin's string filled in."""
    return PluginError(code, STRINGS[code].format(*args, **kw))


def _php(value: Any) -> str:
    """A number as PHP prints it into a string (150.0 -> "150", 150.5 -> "150.5")."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.14G}"
    return str(value)


def _trimmed(value: str, *path: str) -> None:
    """validate_parameters() for PARAM_RAW_TRIMMED: white space around the value is an invalid parameter."""
    if value != value.strip():
        info = f'Invalid external api parameter: the value is "{value}", the server was expecting "{RAW_TRIMMED}" type'
        for key in reversed(path):
            info = f"{key} => Invalid parameter value detected: {info}"
        raise InvalidParameter(info)


def _course(call: Call, courseid: int) -> dict[str, Any]:
    """lookup::enter(): the course once validate_context() let the caller in. A course that does not exist and
    one the caller may not enter answer alike (coursenotfound), so a token of one course learns nothing of others."""
    course = call.store.one("SELECT * FROM course WHERE id = ?", courseid)
    if course is None or courseid == 1:
        raise _error("coursenotfound", courseid)
    caps = call.token.capabilities
    if caps is not None:
        enrolled = call.store.is_enrolled(courseid, call.userid)
        hidden_ok = course["visible"] or "moodle/course:viewhiddencourses" in caps
        if not hidden_ok or not (enrolled or "moodle/course:view" in caps):
            raise _error("coursenotfound", courseid)
    return course


def _require(call: Call, capability: str) -> None:
    call.require(capability, CAPABILITY_LABELS[capability])


def _course_module(store: Store, courseid: int, idnumber: str) -> dict[str, Any] | None:
    """lookup::course_module(): the course module with this idnumber (compared exactly), or None."""
    rows = store.q("SELECT * FROM course_modules WHERE course = ? AND idnumber = ?", courseid, idnumber)
    if len(rows) > 1:
        raise _error("idnumberduplicate", idnumber=idnumber, count=len(rows))
    return rows[0] if rows else None


def _manual_item(store: Store, courseid: int, idnumber: str) -> dict[str, Any] | None:
    """lookup::manual_grade_item(): the manual item with this idnumber, refusing one held by something else."""
    items = store.q("SELECT * FROM grade_items WHERE courseid = ? AND idnumber = ?", courseid, idnumber)
    manual = [i for i in items if i["itemtype"] == "manual"]
    if len(items) > len(manual) or (not manual and _course_module(store, courseid, idnumber)):
        raise _error("idnumbertaken", idnumber)
    if len(manual) > 1:
        raise _error("idnumberduplicate", idnumber=idnumber, count=len(manual))
    return manual[0] if manual else None


# --- the package ------------------------------------------------------------------------------------------------


def _validate_package(content: bytes) -> str | None:
    """scorm_validate_package(): None when Moodle accepts the zip, else Moodle's message."""
    try:
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return STRINGS["badarchive"]
    misplaced = False
    for name in names:
        if name == "imsmanifest.xml" or name.endswith(".cst"):
            return None
        misplaced = misplaced or "imsmanifest.xml" in name
    return STRINGS["badimsmanifestlocation" if misplaced else "nomanifest"]


def _local(el: Any) -> str:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _title(el: Any) -> str:
    t = _children(el, "title")
    return (t[0].text or "").strip() if t else ""


def _schema_version(text: str) -> str:
    """scorm_get_manifest()'s reading of metadata/schemaversion."""
    m = re.fullmatch(r"(1\.2)|(?:CAM )?(1\.3)", text)
    if m:
        return "SCORM_" + (m.group(1) or m.group(2))
    return "SCORM_1.3" if re.fullmatch(r"2004 (3rd|4th) Edition", text) else "SCORM_1.2"


def parse_package(content: bytes) -> tuple[str, list[dict[str, str]], str] | None:
    """scorm_parse_scorm() on a zip that passed _validate_package(): (version, SCO rows in Moodle's order, default
    organisation), or None when the manifest cannot be read (the plugin then refuses the package)."""
    zf = zipfile.ZipFile(io.BytesIO(content))
    if "imsmanifest.xml" not in zf.namelist():
        return "AICC", [], ""  # an AICC package (.cst): accepted, its course structure is not read here
    info = zf.getinfo("imsmanifest.xml")
    if info.file_size > MANIFEST_MAX_BYTES:
        return None
    data = re.sub(rb"&(?!\w{2,6};)", b"&amp;", zf.read(info))  # Moodle's repair of bare ampersands
    root = parse_manifest(data, Findings())
    if root is None or _local(root) != "manifest":
        return None
    manifest = root.get("identifier", "")
    version = ""
    for meta in _children(root, "metadata"):
        for sv in _children(meta, "schemaversion"):
            version = version or _schema_version((sv.text or "").strip())
    resources: dict[str, dict[str, str]] = {}
    for group in _children(root, "resources"):
        for res in _children(group, "resource"):
            attrs = {etree.QName(k).localname.lower(): v for k, v in res.attrib.items()}
            resources[res.get("identifier", "")] = {
                "href": attrs.get("href", ""), "scormtype": attrs.get("scormtype", ""),
                "base": res.get("{http://www.w3.org/XML/1998/namespace}base", "")}
    groups: dict[str, list[dict[str, str]]] = {}  # rows by organisation, in first-seen order (PHP array order)

    def add(org: str, row: dict[str, str]) -> None:
        groups.setdefault(org, []).append(dict(row, manifest=manifest, organization=org))

    def items(parent: Any, org: str) -> None:
        for item in _children(parent, "item"):
            ref = item.get("identifierref")
            if ref is None:
                launch, scormtype = "", "asset"
            elif ref in resources:
                res = resources[ref]
                launch, scormtype = res["base"] + res["href"], res["scormtype"] or "asset"
            else:
                launch, scormtype = "", ""
            add(org, {"identifier": item.get("identifier", ""), "parent": parent.get("identifier", ""),
                      "launch": launch, "scormtype": scormtype, "title": _title(item)})
            items(item, org)

    default_org = ""
    for orgs in _children(root, "organizations"):
        default_org = default_org or orgs.get("default", "")
        for org in _children(orgs, "organization"):
            ident = org.get("identifier", "")
            add("", {"identifier": ident, "parent": "/", "launch": "", "scormtype": "", "title": _title(org)})
            items(org, ident)
    if not groups:  # no organisation: every resource with an href becomes a SCO
        for ident, res in resources.items():
            if res["href"]:
                add("", {"identifier": ident, "parent": "/", "launch": res["href"], "scormtype": res["scormtype"],
                         "title": ident})
    rows = [r for g in groups.values() for r in g]
    if not rows:
        return None
    if not default_org:
        default_org = next((r["identifier"] for r in rows if r["organization"] == ""), "")
    return version or "SCORM_1.2", rows, default_org


def _draft_package(call: Call, draftitemid: int) -> dict[str, Any]:
    """The one file in the token user's draft area `draftitemid`, checked as Moodle's form checks it."""
    ctx = call.store.context_id(CONTEXT_USER, call.userid)
    files = call.store.q("SELECT * FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' "
                         "AND itemid = ? AND filename != '.' ORDER BY id", ctx, draftitemid)
    if not files:
        raise _error("draftfilemissing", draftitemid)
    if len(files) > 1:
        raise _error("draftfilemultiple", itemid=draftitemid, count=len(files))
    problem = _validate_package(files[0]["content"])
    if problem:
        raise _error("invalidpackage", problem)
    return files[0]


def _store_package(call: Call, scormid: int, cmid: int, package: dict[str, Any]) -> str:
    """Put the package into the activity (new revision, SCO tree by identifier); returns the version read."""
    store = call.store
    content = package["content"]
    parsed = parse_package(content)
    if parsed is None:
        # Moodle would store the activity with version ERROR; the plugin refuses it (the call rolls back).
        raise _error("invalidpackage", STRINGS["manifestunreadable"])
    version, rows, default_org = parsed
    ctx = store.context_id(CONTEXT_MODULE, cmid)
    store.execute("DELETE FROM files WHERE contextid = ? AND component = 'mod_scorm' AND filearea = 'package'", ctx)
    store.add_file(ctx, "mod_scorm", "package", 0, package["filename"], content, userid=call.userid)
    store.replace_scoes(scormid, rows, default_org)
    revision = int(store.scalar("SELECT revision FROM scorm WHERE id = ?", scormid) or 0)
    store.update("scorm", scormid, version=version, reference=package["filename"], revision=revision + 1,
                 sha1hash=hashlib.sha1(content).hexdigest(), packagesize=len(content))
    return version


# --- local_lmsbridge_upsert_scorm ---------------------------------------------------------------------------------


def _settings(p: dict[str, Any]) -> dict[str, Any]:
    """upsert_scorm::settings(): named options to stored values, refusing unknown names and numbers out of range."""

    def pick(param: str, allowed: dict[str, int]) -> int:
        if p[param] not in allowed:
            raise _error("invalidoption", name=param, value=p[param], allowed=", ".join(allowed))
        return allowed[p[param]]

    if p["idnumber"] == "" or len(p["idnumber"]) > 100:
        raise _error("invalidoption", name="idnumber", value=p["idnumber"], allowed="1 to 100 characters")
    if p["name"].strip() == "":
        raise _error("invalidoption", name="name", value="", allowed="a non-empty name")
    for param, (low, high) in {"maxgrade": (0, 100), "completionscore": (0, 100000), "maxattempt": (0, 1000),
                               "section": (0, 10000)}.items():
        if p[param] < low or p[param] > high:
            raise _error("invalidoption", name=param, value=_php(p[param]), allowed=f"{low} to {high}")
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
        raise _error("invalidoption", name="section", value=section, allowed=f"0 to {allowed}")


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
        _require(call, "moodle/course:activityvisibility")
    fields = {k: v for k, v in settings.items() if k != "completion"}
    scormid = store.insert("scorm", course=course["id"], name=p["name"], intro=p["intro"], revision=0,
                           reference=package["filename"], timemodified=now(), **fields)
    # add_moduleinfo() stores the completion mode only where completion is enabled.
    completion = settings["completion"] if course["enablecompletion"] else 0
    cmid = store.add_module(course["id"], "scorm", scormid, section=0, idnumber=p["idnumber"],
                            completion=completion, visible=int(p["visible"]))
    _place(store, cmid, course["id"], p["section"])
    _store_package(call, scormid, cmid, package)
    _sync_grade_item(store, store.one("SELECT * FROM scorm WHERE id = ?", scormid) or {}, p["idnumber"])
    return cmid, "created", True


def _update(call: Call, course: dict[str, Any], cm: dict[str, Any], p: dict[str, Any], settings: dict[str, Any],
            package: dict[str, Any] | None, warnings: list[dict[str, str]]) -> tuple[int, str, bool]:
    store = call.store
    _require(call, "moodle/course:manageactivities")  # in the module's context: the same grant here
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
        _require(call, "moodle/course:activityvisibility")
    if completion_changed and store.scalar("SELECT 1 FROM course_modules_completion WHERE cmid = ?", cm["id"]):
        warnings.append(_warning("completionrecalculated", p["idnumber"]))
    store.update("scorm", scorm["id"], timemodified=now(), **wanted)
    store.update("course_modules", cm["id"], visible=int(p["visible"]),
                 **({"completion": settings["completion"]} if completion_changed else {}))
    if package_changed and package is not None:
        _store_package(call, scorm["id"], cm["id"], package)
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
    _trimmed(p["idnumber"], "idnumber")
    if re.search(r"[^a-zA-Z_-]", p["completionstatus"]):  # PARAM_ALPHAEXT, which params.clean() does not know
        raise InvalidParameter(f'completionstatus => Invalid parameter value detected: Invalid external api '
                               f'parameter: the value is "{p["completionstatus"]}", the server was expecting '
                               f'"{ALPHAEXT}" type')
    settings = _settings(p)
    p["intro"] = clean_html(p["intro"])  # clean_text(): no script planted through the token
    course = _course(call, p["courseid"])
    _require(call, "moodle/course:manageactivities")
    _check_section(store, course["id"], p["section"])
    cm = _course_module(store, course["id"], p["idnumber"])
    if cm and cm["modname"] != "scorm":
        raise _error("idnumbertaken", p["idnumber"])
    if not cm:
        _require(call, "mod/scorm:addinstance")
        if store.scalar("SELECT 1 FROM grade_items WHERE courseid = ? AND idnumber = ?", course["id"],
                        p["idnumber"]):  # grade_verify_idnumber()
            raise _error("idnumbertaken", p["idnumber"])
    package = _draft_package(call, p["draftitemid"]) if p["draftitemid"] else None
    if not cm and package is None:
        raise _error("packagerequired", p["idnumber"])

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
    course = _course(call, courseid)
    _require(call, "moodle/course:manageactivities")
    return {"courseid": course["id"], "scorms": _scorms(call.store, course["id"], idnumberprefix),
            "gradeitems": _gradeitems(call.store, course["id"], idnumberprefix)}


# course_state (classes/local/course_state.php): one query per part. Prefixes are compared with Python's
# startswith: Moodle's LIKE is case-sensitive, SQLite's is not.


def _scorms(store: Store, courseid: int, prefix: str) -> list[dict[str, Any]]:
    return [{
        "idnumber": r["idnumber"], "cmid": r["cmid"], "instance": r["instance"], "section": r["section"],
        "name": r["name"], "visible": bool(r["visible"]), "sha1hash": r["sha1hash"] or "", "revision": r["revision"],
        "version": r["version"], "packagefilename": r["reference"] or ""}
        for r in store.q("SELECT cm.id AS cmid, cm.idnumber, cm.visible, cs.section, s.id AS instance, s.name, "
                         "s.sha1hash, s.revision, s.version, s.reference FROM course_modules cm "
                         "JOIN scorm s ON s.id = cm.instance JOIN course_sections cs ON cs.id = cm.section "
                         "WHERE cm.course = ? AND cm.modname = 'scorm' AND cm.idnumber != '' "
                         "ORDER BY cs.section, cm.id", courseid)
        if r["idnumber"].startswith(prefix)]


def _gradeitems(store: Store, courseid: int, prefix: str) -> list[dict[str, Any]]:
    return [{"idnumber": r["idnumber"], "itemid": r["id"], "name": r["itemname"] or "",
             "grademin": float(r["grademin"]), "grademax": float(r["grademax"]), "hidden": bool(r["hidden"])}
            for r in store.q("SELECT * FROM grade_items WHERE courseid = ? AND itemtype = 'manual' AND "
                             "idnumber != '' ORDER BY sortorder, id", courseid)
            if r["idnumber"].startswith(prefix)]


def _enrolments(call: Call, courseid: int) -> list[dict[str, Any]]:
    """course_state::enrolments(): the idnumber only to a caller who may see it (course_state::idnumbers_visible)."""
    store = call.store
    rows = store.q(f"SELECT u.id, u.idnumber, MAX(CASE WHEN {active_sql(call.now)} THEN 1 ELSE 0 END) AS active "
                   "FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid AND e.courseid = ? JOIN user u ON "
                   "u.id = ue.userid AND u.deleted = 0 GROUP BY u.id ORDER BY u.id", courseid)
    roles: dict[int, list[int]] = {}
    for ra in store.q("SELECT userid, roleid FROM role_assignments WHERE courseid = ? ORDER BY userid, roleid",
                      courseid):
        roles.setdefault(ra["userid"], []).append(ra["roleid"])
    return [{"userid": r["id"], "idnumber": (r["idnumber"] or "") if idnumber_visible(call, r["id"]) else "",
             "active": bool(r["active"]), "roles": roles.get(r["id"], [])} for r in rows]


def _grades(call: Call, courseid: int, prefix: str) -> list[dict[str, Any]]:
    """course_state::grades(): a caller who may not see idnumbers gets every user's grades, useridnumber empty."""
    visible = idnumber_visible(call, 0)
    rows = call.store.q("SELECT u.id AS userid, u.idnumber AS useridnumber, gi.idnumber AS itemidnumber, "
                        "gg.finalgrade, gg.feedback FROM grade_items gi JOIN grade_grades gg ON gg.itemid = gi.id "
                        "JOIN user u ON u.id = gg.userid AND u.deleted = 0 WHERE gi.courseid = ? AND "
                        "gi.idnumber != '' AND gg.finalgrade IS NOT NULL ORDER BY u.id, gi.sortorder, gi.id",
                        courseid)
    return [{"userid": r["userid"],
             "useridnumber": (r["useridnumber"] or "") if visible or r["userid"] == call.userid else "",
             "itemidnumber": r["itemidnumber"], "grade": float(r["finalgrade"]), "feedback": r["feedback"] or ""}
            for r in rows if r["itemidnumber"].startswith(prefix)
            and (not visible or (r["useridnumber"] or "") != "" and r["useridnumber"].startswith(prefix))]


def _competencies(store: Store, courseid: int) -> list[str]:
    return [r["idnumber"] for r in store.q("SELECT c.idnumber FROM course_competency cc JOIN competency c ON "
                                           "c.id = cc.competencyid WHERE cc.courseid = ? ORDER BY cc.sortorder, "
                                           "cc.id", courseid)]


# --- local_lmsbridge_read_courses ---------------------------------------------------------------------------------


@function("local_lmsbridge_read_courses", {"courses": Multiple(Single({
    "id": Value(INT), "enrolments": Value(BOOL, DEFAULT, False), "activities": Value(BOOL, DEFAULT, False),
    "grades": Value(BOOL, DEFAULT, False), "competencies": Value(BOOL, DEFAULT, False)})),
    "idnumberprefix": Value(RAW, DEFAULT, "")}, write=False, component=PLUGIN_COMPONENT)
def read_courses(call: Call, courses: list[dict[str, Any]], idnumberprefix: str) -> dict[str, Any]:
    store, out = call.store, []
    for want in courses:
        course = _course(call, want["id"])
        state: dict[str, Any] = {"courseid": course["id"]}
        if want["enrolments"]:
            _require(call, "moodle/course:viewparticipants")
            _require(call, "moodle/course:enrolreview")
            state["enrolments"] = _enrolments(call, course["id"])
        if want["activities"]:
            _require(call, "moodle/course:manageactivities")
            state["scorms"] = _scorms(store, course["id"], idnumberprefix)
            state["gradeitems"] = _gradeitems(store, course["id"], idnumberprefix)
        if want["grades"]:
            _require(call, "moodle/grade:viewall")
            state["grades"] = _grades(call, course["id"], idnumberprefix)
        if want["competencies"]:
            _require(call, "moodle/competency:coursecompetencyview")
            state["competencies"] = _competencies(store, course["id"])
        out.append(state)
    return {"courses": out}


# --- local_lmsbridge_upsert_grade_items ---------------------------------------------------------------------------


@function("local_lmsbridge_upsert_grade_items", {"courseid": Value(INT), "items": Multiple(Single({
    "idnumber": Value(RAW_TRIMMED), "name": Value(TEXT), "grademax": Value(FLOAT, DEFAULT, 100.0),
    "grademin": Value(FLOAT, DEFAULT, 0.0), "hidden": Value(BOOL, DEFAULT, False)}))},
    write=True, rows="items", component=PLUGIN_COMPONENT)
def upsert_grade_items(call: Call, courseid: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    for item in items:
        _trimmed(item["idnumber"], "items", "idnumber")
    course = _course(call, courseid)
    _require(call, "moodle/grade:manage")
    seen: set[str] = set()
    for item in items:
        if item["idnumber"] == "" or len(item["idnumber"]) > 100 or item["idnumber"] in seen:
            raise _error("invaliditem", idnumber=item["idnumber"],
                         reason="the idnumber must be 1 to 100 characters and unique in the call")
        seen.add(item["idnumber"])
        if item["name"].strip() == "" or item["grademax"] <= item["grademin"]:
            raise _error("invaliditem", idnumber=item["idnumber"],
                         reason="the name must not be empty and grademax must be above grademin")
    results = []
    for item in items:
        row = _manual_item(store, course["id"], item["idnumber"])
        hidden = 1 if item["hidden"] else 0
        if row is None:
            cat = store.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", course["id"])
            order = int(store.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM grade_items WHERE courseid = ?",
                                     course["id"]))
            itemid = store.insert("grade_items", courseid=course["id"], categoryid=cat, itemname=item["name"],
                                  itemtype="manual", idnumber=item["idnumber"], grademax=item["grademax"],
                                  grademin=item["grademin"], hidden=hidden, sortorder=order + 1)
            status = "created"
        else:
            itemid = row["id"]
            differs = (row["itemname"] != item["name"] or abs(row["grademax"] - item["grademax"]) > 1e-5
                       or abs(row["grademin"] - item["grademin"]) > 1e-5 or bool(row["hidden"]) != bool(hidden))
            if differs:
                store.update("grade_items", itemid, itemname=item["name"], grademax=item["grademax"],
                             grademin=item["grademin"], hidden=hidden)
            status = "updated" if differs else "unchanged"
        stored = store.one("SELECT * FROM grade_items WHERE id = ?", itemid) or {}
        results.append({"idnumber": item["idnumber"], "itemid": itemid, "status": status,
                        "grademin": float(stored["grademin"]), "grademax": float(stored["grademax"]),
                        "hidden": bool(stored["hidden"])})
    return {"items": results}


# --- local_lmsbridge_set_grades -----------------------------------------------------------------------------------

FORMAT_PLAIN = 2
_PHP_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _learner(store: Store, courseid: int, row: dict[str, Any]) -> dict[str, Any]:
    """set_grades::learner(): among the users enrolled in the course only; absent and elsewhere answer alike."""
    if row["useridnumber"] != "":
        where, arg, who = "u.idnumber = ?", row["useridnumber"], row["useridnumber"]
    elif row["userid"] > 0:
        where, arg, who = "u.id = ?", row["userid"], f"#{row['userid']}"
    else:
        raise _error("usermissing")
    users = store.q("SELECT DISTINCT u.id, u.idnumber FROM user u JOIN user_enrolments ue ON ue.userid = u.id "
                    f"JOIN enrol e ON e.id = ue.enrolid AND e.courseid = ? WHERE {where} AND u.deleted = 0",
                    courseid, arg)
    if not users:
        raise _error("usernotenrolled", who)
    if len(users) > 1:
        raise _error("useridnumberduplicate", who)
    return users[0]


def _store_grade(store: Store, item: dict[str, Any], userid: int, row: dict[str, Any]) -> bool:
    """set_grades::store(): True when grade or feedback was written, False when they already were so."""
    grade: float | None = None
    if row["grade"] != "":
        if not _PHP_NUMERIC.fullmatch(row["grade"]):
            raise _error("gradenotanumber", html.escape(row["grade"], quote=True).replace("&#x27;", "&#039;"))
        grade = float(row["grade"])
        if grade < item["grademin"] or grade > item["grademax"]:
            # Moodle would clamp silently; a results file with an impossible grade is a mistake to report.
            raise _error("gradeoutofrange", grade=_php(grade), min=_php(float(item["grademin"])),
                         max=_php(float(item["grademax"])))
    before = store.one("SELECT * FROM grade_grades WHERE itemid = ? AND userid = ?", item["id"], userid)
    if before and before["locked"]:
        raise _error("gradelocked")
    same_grade = (before is not None and (before["finalgrade"] is None) == (grade is None)
                  and (grade is None or abs(before["finalgrade"] - grade) < 1e-5))
    if same_grade and before is not None and (before["feedback"] or "") == row["feedback"] \
            and before["feedbackformat"] == FORMAT_PLAIN:
        return False
    if before:
        store.update("grade_grades", before["id"], finalgrade=grade, feedback=row["feedback"],
                     feedbackformat=FORMAT_PLAIN, timemodified=now())
    else:
        store.insert("grade_grades", itemid=item["id"], userid=userid, rawgrade=None, finalgrade=grade,
                     feedback=row["feedback"], feedbackformat=FORMAT_PLAIN, timemodified=now())
    return True


@function("local_lmsbridge_set_grades", {"courseid": Value(INT), "itemidnumber": Value(RAW_TRIMMED),
                                         "grades": Multiple(Single({
                                             "useridnumber": Value(RAW_TRIMMED, DEFAULT, ""),
                                             "userid": Value(INT, DEFAULT, 0),
                                             "grade": Value(RAW_TRIMMED, DEFAULT, ""),
                                             "feedback": Value(RAW, DEFAULT, "")}))},
          write=True, rows="grades", component=PLUGIN_COMPONENT)
def set_grades(call: Call, courseid: int, itemidnumber: str, grades: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    _trimmed(itemidnumber, "itemidnumber")
    for row in grades:
        _trimmed(row["useridnumber"], "grades", "useridnumber")
        _trimmed(row["grade"], "grades", "grade")
    course = _course(call, courseid)
    _require(call, "moodle/grade:edit")
    item = _manual_item(store, course["id"], itemidnumber)
    if item is None:
        raise _error("gradeitemnotfound", itemidnumber)
    if item["locked"]:
        raise _error("gradeitemlocked", itemidnumber)
    results = []
    for row in grades:
        result: dict[str, Any] = {"useridnumber": row["useridnumber"], "userid": 0, "status": "error",
                                  "changed": False, "errorcode": "", "message": "", "grade": None, "feedback": ""}
        user: dict[str, Any] | None = None
        try:
            user = _learner(store, course["id"], row)
            store.execute("SAVEPOINT learner")  # one transaction per learner
            try:
                result["changed"] = _store_grade(store, item, user["id"], row)
            except BaseException:
                store.execute("ROLLBACK TO learner")
                store.execute("RELEASE learner")
                raise
            store.execute("RELEASE learner")
            result["userid"], result["status"] = user["id"], "ok"
            stored = store.one("SELECT * FROM grade_grades WHERE itemid = ? AND userid = ?", item["id"], user["id"])
            result["grade"] = None if stored is None or stored["finalgrade"] is None else float(stored["finalgrade"])
            result["feedback"] = (stored or {}).get("feedback") or ""
        except PluginError as e:
            result["userid"] = user["id"] if user else 0
            result["errorcode"], result["message"] = e.errorcode or "", e.message
        except sqlite3.Error as e:
            # Not the row's fault: the call fails, the learners before stay stored (as Moodle's dml_write_exception
            # in debug mode, the SQL and its parameters in debuginfo).
            raise DmlWrite(f"{e}\nINSERT INTO mdl_grade_grades (itemid, userid, finalgrade, feedback) "
                           f"VALUES ($1,$2,$3,$4)\n[array (\n  'itemid' => {item['id']},\n  'userid' => "
                           f"{user['id'] if user else 0},\n  'feedback' => '{row['feedback']}',\n)]") from e
        results.append(result)
    return {"itemid": item["id"], "grademin": float(item["grademin"]), "grademax": float(item["grademax"]),
            "results": results}


# --- local_lmsbridge_check_capabilities ---------------------------------------------------------------------------


@function("local_lmsbridge_check_capabilities", {"capabilities": Multiple(Value(RAW_TRIMMED))}, write=False,
          component=PLUGIN_COMPONENT)
def check_capabilities(call: Call, capabilities: list[str]) -> dict[str, Any]:
    """Which of the capabilities the token's own user has in the system context (for lmsbridge doctor)."""
    for name in capabilities:
        _trimmed(name, "capabilities")
    return {"capabilities": [{"name": name, "known": _known_capability(name),
                              "allowed": _known_capability(name) and call.has(name)} for name in capabilities]}


def _known_capability(name: str) -> bool:
    """get_capability_info() !== null, for the names the sandbox knows of (lmsbridge's list and the plugin's)."""
    return name in SYNC_USER_CAPABILITIES or name in CAPABILITY_LABELS
