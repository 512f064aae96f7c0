"""The sandbox's state: a SQLite database (":memory:" or a file) shaped after Moodle's own tables.

Every web-service call runs inside one transaction (`Store.transaction()`), so a call that fails leaves nothing
behind, as Moodle's delegated transactions do; one lock serialises calls (SQLite has one writer anyway).
The entity helpers (create_user, create_course, enrol, ...) are shared by the web-service functions and by tests
that seed state directly, so a seeded course looks exactly like one made through the API.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Every id column AUTOINCREMENT (below): ids never reused after a delete, as with Moodle's database sequences.
SCHEMA = """
CREATE TABLE IF NOT EXISTS config (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS context (id INTEGER PRIMARY KEY, contextlevel INTEGER, instanceid INTEGER,
    UNIQUE (contextlevel, instanceid));
CREATE TABLE IF NOT EXISTS user (id INTEGER PRIMARY KEY, username TEXT UNIQUE, auth TEXT DEFAULT 'manual',
    suspended INTEGER DEFAULT 0, confirmed INTEGER DEFAULT 1, deleted INTEGER DEFAULT 0, password TEXT DEFAULT '',
    firstname TEXT, lastname TEXT, email TEXT, idnumber TEXT DEFAULT '', institution TEXT DEFAULT '',
    department TEXT DEFAULT '', city TEXT DEFAULT '', country TEXT DEFAULT '', lang TEXT DEFAULT 'en',
    timezone TEXT DEFAULT '99', description TEXT DEFAULT '', mailformat INTEGER DEFAULT 1,
    firstaccess INTEGER DEFAULT 0, lastaccess INTEGER DEFAULT 0, timecreated INTEGER, timemodified INTEGER);
CREATE TABLE IF NOT EXISTS token (token TEXT PRIMARY KEY, userid INTEGER, functions TEXT, rest_use INTEGER,
    capabilities TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS course_categories (id INTEGER PRIMARY KEY, name TEXT, idnumber TEXT DEFAULT '',
    description TEXT DEFAULT '', descriptionformat INTEGER DEFAULT 1, parent INTEGER DEFAULT 0, sortorder INTEGER,
    visible INTEGER DEFAULT 1, timemodified INTEGER, depth INTEGER, path TEXT, theme TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS course (id INTEGER PRIMARY KEY, category INTEGER, fullname TEXT, shortname TEXT,
    idnumber TEXT DEFAULT '', summary TEXT DEFAULT '', summaryformat INTEGER DEFAULT 1, format TEXT DEFAULT 'topics',
    startdate INTEGER DEFAULT 0, enddate INTEGER DEFAULT 0, visible INTEGER DEFAULT 1, lang TEXT DEFAULT '',
    enablecompletion INTEGER DEFAULT 1, showgrades INTEGER DEFAULT 1, newsitems INTEGER DEFAULT 5,
    groupmode INTEGER DEFAULT 0, groupmodeforce INTEGER DEFAULT 0, sortorder INTEGER DEFAULT 0,
    timecreated INTEGER, timemodified INTEGER);
CREATE TABLE IF NOT EXISTS course_sections (id INTEGER PRIMARY KEY, course INTEGER, section INTEGER,
    name TEXT, summary TEXT DEFAULT '', visible INTEGER DEFAULT 1);
CREATE TABLE IF NOT EXISTS course_modules (id INTEGER PRIMARY KEY, course INTEGER, modname TEXT, instance INTEGER,
    section INTEGER, idnumber TEXT DEFAULT '', visible INTEGER DEFAULT 1, completion INTEGER DEFAULT 0,
    added INTEGER, sortorder INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS forum (id INTEGER PRIMARY KEY, course INTEGER, name TEXT);
CREATE TABLE IF NOT EXISTS enrol (id INTEGER PRIMARY KEY, courseid INTEGER, enrol TEXT DEFAULT 'manual',
    status INTEGER DEFAULT 0, roleid INTEGER DEFAULT 5);
CREATE TABLE IF NOT EXISTS user_enrolments (id INTEGER PRIMARY KEY, enrolid INTEGER, userid INTEGER,
    status INTEGER DEFAULT 0, timestart INTEGER DEFAULT 0, timeend INTEGER DEFAULT 0, timecreated INTEGER,
    timemodified INTEGER, UNIQUE (enrolid, userid));
CREATE TABLE IF NOT EXISTS role_assignments (courseid INTEGER, userid INTEGER, roleid INTEGER,
    PRIMARY KEY (courseid, userid, roleid));
CREATE TABLE IF NOT EXISTS cohort (id INTEGER PRIMARY KEY, contextid INTEGER, name TEXT, idnumber TEXT,
    description TEXT DEFAULT '', descriptionformat INTEGER DEFAULT 1, visible INTEGER DEFAULT 1,
    theme TEXT DEFAULT '', timecreated INTEGER);
CREATE TABLE IF NOT EXISTS cohort_members (cohortid INTEGER, userid INTEGER, timeadded INTEGER,
    PRIMARY KEY (cohortid, userid));
CREATE TABLE IF NOT EXISTS groups (id INTEGER PRIMARY KEY, courseid INTEGER, name TEXT, idnumber TEXT DEFAULT '',
    description TEXT DEFAULT '', descriptionformat INTEGER DEFAULT 1, enrolmentkey TEXT DEFAULT '',
    visibility INTEGER DEFAULT 0, participation INTEGER DEFAULT 1, timecreated INTEGER);
CREATE TABLE IF NOT EXISTS groups_members (groupid INTEGER, userid INTEGER, timeadded INTEGER,
    PRIMARY KEY (groupid, userid));
CREATE TABLE IF NOT EXISTS scorm (id INTEGER PRIMARY KEY, course INTEGER, name TEXT, intro TEXT DEFAULT '',
    version TEXT DEFAULT 'SCORM_1.2', maxgrade REAL DEFAULT 100, grademethod INTEGER DEFAULT 1,
    whatgrade INTEGER DEFAULT 0, maxattempt INTEGER DEFAULT 0, revision INTEGER DEFAULT 1, reference TEXT,
    sha1hash TEXT DEFAULT '', packagesize INTEGER DEFAULT 0, launch INTEGER DEFAULT 0, popup INTEGER DEFAULT 0,
    completionstatusrequired INTEGER, completionscorerequired INTEGER, completionstatusallscos INTEGER DEFAULT 0,
    timemodified INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS scorm_scoes (id INTEGER PRIMARY KEY, scorm INTEGER, manifest TEXT, organization TEXT,
    parent TEXT, identifier TEXT, launch TEXT, scormtype TEXT, title TEXT, sortorder INTEGER);
CREATE TABLE IF NOT EXISTS scorm_tracks (id INTEGER PRIMARY KEY, userid INTEGER, scormid INTEGER, scoid INTEGER,
    attempt INTEGER, element TEXT, value TEXT, timemodified INTEGER, UNIQUE (userid, scoid, attempt, element));
CREATE TABLE IF NOT EXISTS grade_items (id INTEGER PRIMARY KEY, courseid INTEGER, categoryid INTEGER,
    itemname TEXT, itemtype TEXT, itemmodule TEXT, iteminstance INTEGER, itemnumber INTEGER, idnumber TEXT,
    grademax REAL DEFAULT 100, grademin REAL DEFAULT 0, hidden INTEGER DEFAULT 0, sortorder INTEGER DEFAULT 0,
    locked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS grade_grades (id INTEGER PRIMARY KEY, itemid INTEGER, userid INTEGER, rawgrade REAL,
    finalgrade REAL, feedback TEXT, timemodified INTEGER, feedbackformat INTEGER DEFAULT 0, locked INTEGER DEFAULT 0,
    UNIQUE (itemid, userid));
CREATE TABLE IF NOT EXISTS competency_framework (id INTEGER PRIMARY KEY, shortname TEXT, idnumber TEXT UNIQUE,
    description TEXT DEFAULT '', descriptionformat INTEGER DEFAULT 1, visible INTEGER DEFAULT 1, scaleid INTEGER,
    scaleconfiguration TEXT, contextid INTEGER, taxonomies TEXT DEFAULT '', timecreated INTEGER,
    timemodified INTEGER, usermodified INTEGER);
CREATE TABLE IF NOT EXISTS competency (id INTEGER PRIMARY KEY, shortname TEXT, idnumber TEXT,
    description TEXT DEFAULT '', descriptionformat INTEGER DEFAULT 1, sortorder INTEGER DEFAULT 0,
    parentid INTEGER DEFAULT 0, path TEXT DEFAULT '/0/', ruleoutcome INTEGER DEFAULT 0, ruletype TEXT,
    ruleconfig TEXT, scaleid INTEGER, scaleconfiguration TEXT, competencyframeworkid INTEGER, timecreated INTEGER,
    timemodified INTEGER, usermodified INTEGER);
CREATE TABLE IF NOT EXISTS course_competency (id INTEGER PRIMARY KEY, courseid INTEGER, competencyid INTEGER,
    sortorder INTEGER, ruleoutcome INTEGER DEFAULT 1, timecreated INTEGER, timemodified INTEGER,
    usermodified INTEGER, UNIQUE (courseid, competencyid));
CREATE TABLE IF NOT EXISTS course_modules_completion (cmid INTEGER, userid INTEGER, completionstate INTEGER,
    timemodified INTEGER, PRIMARY KEY (cmid, userid));
CREATE TABLE IF NOT EXISTS course_completion_criteria (courseid INTEGER, cmid INTEGER);
CREATE TABLE IF NOT EXISTS course_completions (courseid INTEGER, userid INTEGER, timecompleted INTEGER,
    PRIMARY KEY (courseid, userid));
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, contextid INTEGER, component TEXT, filearea TEXT,
    itemid INTEGER, filepath TEXT, filename TEXT, content BLOB, filesize INTEGER, userid INTEGER, author TEXT,
    timecreated INTEGER);
""".replace("(id INTEGER PRIMARY KEY,", "(id INTEGER PRIMARY KEY AUTOINCREMENT,")

# Columns added after the first release: a state file made before them gets them on open.
ADDED_COLUMNS = (("grade_items", "locked", "INTEGER DEFAULT 0"),
                 ("grade_grades", "feedbackformat", "INTEGER DEFAULT 0"),
                 ("grade_grades", "locked", "INTEGER DEFAULT 0"))

CONTEXT_SYSTEM, CONTEXT_USER, CONTEXT_COURSECAT, CONTEXT_COURSE, CONTEXT_MODULE = 10, 30, 40, 50, 70
ROLES = {1: ("manager", "Manager"), 3: ("editingteacher", "Teacher"), 4: ("teacher", "Non-editing teacher"),
         5: ("student", "Student"), 7: ("user", "Authenticated user")}
ADMIN_ID, WS_USER_ID = 2, 3


def now() -> int:
    return int(time.time())


class Store:
    """SQLite state with Moodle-shaped tables and the entity operations both the API and tests use."""

    def __init__(self, path: str = ":memory:", *, site_name: str = "lmsbridge sandbox") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self._depth = 0
        with self.lock:
            self.conn.executescript(SCHEMA)
            for table, column, decl in ADDED_COLUMNS:
                if column not in {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
            if self.config("installed") is None:
                with self.transaction():
                    self._install(site_name)

    # --- plumbing -------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One all-or-nothing unit (nested calls join the outer one, like delegated transactions)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException as exc:
                # An error after inner transactions committed (DmlWrite.keep_committed) keeps what they wrote.
                self.conn.execute("COMMIT" if getattr(exc, "keep_committed", False) else "ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def q(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.conn.execute(sql, args).fetchall()]

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        rows = self.q(sql, *args)
        return rows[0] if rows else None

    def scalar(self, sql: str, *args: Any) -> Any:
        with self.lock:
            row = self.conn.execute(sql, args).fetchone()
        return row[0] if row else None

    def insert(self, table: str, **values: Any) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.lock:
            cur = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(values.values()))
            return int(cur.lastrowid or 0)

    def update(self, table: str, id: int, **values: Any) -> None:
        if not values:
            return
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.lock:
            self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), id))

    def execute(self, sql: str, *args: Any) -> None:
        with self.lock:
            self.conn.execute(sql, args)

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {table}"))

    def config(self, name: str) -> str | None:
        return self.scalar("SELECT value FROM config WHERE name = ?", name)

    def set_config(self, name: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO config (name, value) VALUES (?, ?)", name, value)

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def context_id(self, level: int, instanceid: int) -> int:
        row = self.scalar("SELECT id FROM context WHERE contextlevel = ? AND instanceid = ?", level, instanceid)
        if row is None:
            return self.insert("context", contextlevel=level, instanceid=instanceid)
        return int(row)

    def _install(self, site_name: str) -> None:
        """A fresh Moodle: guest (1), admin (2), the web-service user (3), "Category 1" and the site course."""
        self.set_config("installed", "1")
        self.set_config("sitename", site_name)
        self.context_id(CONTEXT_SYSTEM, 0)
        self.create_user(username="guest", firstname="Guest user", lastname=" ", email="root@localhost")
        self.create_user(username="admin", firstname="Admin", lastname="User", email="admin@example.com")
        self.create_user(username="wssync", firstname="WS", lastname="Sync", email="wssync@example.com")
        self.insert("course", id=1, category=0, fullname=site_name, shortname="sandbox", timecreated=now(),
                    timemodified=now())
        self.context_id(CONTEXT_COURSE, 1)
        self.create_category(name="Category 1")

    # --- tokens -----------------------------------------------------------------------------------------------

    def add_token(self, token: str | None = None, *, userid: int = WS_USER_ID, functions: list[str] | None = None,
                  rest_use: bool = True, capabilities: list[str] | None = None, name: str = "") -> str:
        """A token for `userid`. functions None = the sandbox's whole service; capabilities None = all."""
        token = token or secrets.token_hex(16)
        self.execute("INSERT OR REPLACE INTO token VALUES (?, ?, ?, ?, ?, ?)", token, userid,
                     None if functions is None else json.dumps(sorted(functions)), int(rest_use),
                     None if capabilities is None else json.dumps(sorted(capabilities)), name)
        return token

    # --- entities ---------------------------------------------------------------------------------------------

    def create_user(self, *, username: str, firstname: str, lastname: str, email: str, **fields: Any) -> int:
        t = now()
        uid = self.insert("user", username=username, firstname=firstname, lastname=lastname, email=email,
                          timecreated=t, timemodified=t, **fields)
        self.context_id(CONTEXT_USER, uid)
        return uid

    def create_category(self, *, name: str, parent: int = 0, idnumber: str = "", description: str = "",
                        descriptionformat: int = 1, theme: str = "") -> int:
        parent_row = self.one("SELECT * FROM course_categories WHERE id = ?", parent) if parent else None
        depth = parent_row["depth"] + 1 if parent_row else 1
        sortorder = (int(self.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM course_categories")) // 10000 + 1) \
            * 10000
        cid = self.insert("course_categories", name=name, idnumber=idnumber, description=description,
                          descriptionformat=descriptionformat, parent=parent, sortorder=sortorder, visible=1,
                          timemodified=now(), depth=depth, path="", theme=theme)
        self.update("course_categories", cid, path=(parent_row["path"] if parent_row else "") + f"/{cid}")
        self.context_id(CONTEXT_COURSECAT, cid)
        return cid

    def create_course(self, *, fullname: str, shortname: str, category: int, numsections: int = 1,
                      **fields: Any) -> int:
        """A course as Moodle makes one: sections 0..numsections, an Announcements forum, a manual instance."""
        t = now()
        sortorder = int(self.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM course WHERE category = ?",
                                    category) or 0) or int(category) * 10000
        cid = self.insert("course", fullname=fullname, shortname=shortname, category=category,
                          sortorder=sortorder + 1, timecreated=t, timemodified=t, **fields)
        self.context_id(CONTEXT_COURSE, cid)
        for n in range(numsections + 1):
            self.insert("course_sections", course=cid, section=n, name=None)
        forum = self.insert("forum", course=cid, name="Announcements")
        self.add_module(cid, "forum", forum, section=0)
        self.insert("enrol", courseid=cid, enrol="manual", status=0, roleid=5)
        self.insert("grade_items", courseid=cid, itemtype="course", iteminstance=cid, itemname=None,
                    idnumber=None, sortorder=1)
        return cid

    def section_id(self, courseid: int, section: int) -> int:
        sid = self.scalar("SELECT id FROM course_sections WHERE course = ? AND section = ?", courseid, section)
        if sid is None:
            sid = self.insert("course_sections", course=courseid, section=section, name=None)
        return int(sid)

    def add_module(self, courseid: int, modname: str, instance: int, *, section: int = 1, idnumber: str = "",
                   completion: int = 0, visible: int = 1) -> int:
        sid = self.section_id(courseid, section)
        order = int(self.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM course_modules WHERE section = ?", sid))
        cmid = self.insert("course_modules", course=courseid, modname=modname, instance=instance, section=sid,
                           idnumber=idnumber, visible=visible, completion=completion, added=now(),
                           sortorder=order + 1)
        self.context_id(CONTEXT_MODULE, cmid)
        return cmid

    def manual_instance(self, courseid: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM enrol WHERE courseid = ? AND enrol = 'manual' ORDER BY id", courseid)

    def enrol(self, courseid: int, userid: int, roleid: int = 5, *, timestart: int = 0, timeend: int = 0,
              suspended: bool = False) -> None:
        """enrol_plugin::enrol_user(): a second enrolment updates times and status and adds the role."""
        inst = self.manual_instance(courseid)
        assert inst is not None, f"course {courseid} has no manual enrolment instance"
        status = 1 if suspended else 0
        ue = self.one("SELECT * FROM user_enrolments WHERE enrolid = ? AND userid = ?", inst["id"], userid)
        if ue:
            self.update("user_enrolments", ue["id"], timestart=timestart, timeend=timeend, status=status,
                        timemodified=now())
        else:
            self.insert("user_enrolments", enrolid=inst["id"], userid=userid, status=status, timestart=timestart,
                        timeend=timeend, timecreated=now(), timemodified=now())
        if roleid:
            self.execute("INSERT OR IGNORE INTO role_assignments VALUES (?, ?, ?)", courseid, userid, roleid)

    def unenrol(self, courseid: int, userid: int) -> None:
        inst = self.manual_instance(courseid)
        if inst:
            self.execute("DELETE FROM user_enrolments WHERE enrolid = ? AND userid = ?", inst["id"], userid)
        self.execute("DELETE FROM role_assignments WHERE courseid = ? AND userid = ?", courseid, userid)
        self.execute("DELETE FROM groups_members WHERE userid = ? AND groupid IN "
                     "(SELECT id FROM groups WHERE courseid = ?)", userid, courseid)

    def is_enrolled(self, courseid: int, userid: int) -> bool:
        return self.scalar("SELECT 1 FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid "
                           "WHERE e.courseid = ? AND ue.userid = ?", courseid, userid) is not None

    def create_cohort(self, *, name: str, idnumber: str = "", contextid: int | None = None, **fields: Any) -> int:
        return self.insert("cohort", name=name, idnumber=idnumber,
                           contextid=contextid or self.context_id(CONTEXT_SYSTEM, 0), timecreated=now(), **fields)

    def add_scorm(self, courseid: int, name: str, *, section: int = 1, idnumber: str = "",
                  version: str = "SCORM_1.2", scoes: list[dict[str, Any]] | None = None, maxgrade: float = 100,
                  completionstatusrequired: int | None = None, reference: str = "package.zip",
                  package: bytes | None = None) -> dict[str, int]:
        """A SCORM activity with its SCO tree, grade item and (optionally) package file.

        scoes: [{"identifier", "title", "launch"}]; an organisation row is added first, as Moodle's parser does.
        Returns {"cmid", "scormid", "launch"} (launch = the first SCO's id)."""
        import hashlib

        scoes = scoes or [{"identifier": "item_1", "title": name, "launch": "index.html"}]
        sha1 = hashlib.sha1(package).hexdigest() if package else ""
        sid = self.insert("scorm", course=courseid, name=name, version=version, maxgrade=maxgrade,
                          reference=reference, sha1hash=sha1, packagesize=len(package or b""),
                          completionstatusrequired=completionstatusrequired, timemodified=0)
        cmid = self.add_module(courseid, "scorm", sid, section=section, idnumber=idnumber,
                               completion=2 if completionstatusrequired else 0)
        launch = self.set_scoes(sid, scoes, manifest=f"{idnumber or 'manifest'}", org=f"{idnumber or 'org'}_org",
                                title=name)
        cat = self.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", courseid)
        self.insert("grade_items", courseid=courseid, categoryid=cat, itemname=name, itemtype="mod",
                    itemmodule="scorm", iteminstance=sid, itemnumber=0, idnumber=idnumber or None,
                    grademax=maxgrade, sortorder=cmid + 1)
        if package is not None:
            self.add_file(self.context_id(CONTEXT_MODULE, cmid), "mod_scorm", "package", 0, reference, package)
        return {"cmid": cmid, "scormid": sid, "launch": launch}

    def set_scoes(self, scormid: int, scoes: list[dict[str, Any]], *, manifest: str, org: str, title: str) -> int:
        """Replace the SCO tree of a SCORM (a package update) with one organisation holding `scoes`."""
        rows = [{"manifest": manifest, "organization": "", "parent": "/", "identifier": org, "launch": "",
                 "scormtype": "", "title": title}]
        rows += [{"manifest": manifest, "organization": org, "parent": org, "identifier": s["identifier"],
                  "launch": s.get("launch", ""), "scormtype": "sco", "title": s.get("title", s["identifier"])}
                 for s in scoes]
        return self.replace_scoes(scormid, rows)

    def replace_scoes(self, scormid: int, rows: list[dict[str, Any]], default_org: str = "") -> int:
        """scorm_parse_scorm(): rows in manifest order; a SCO whose identifier remains keeps its id (and so its
        learners' tracks), the others' rows and tracks go. Returns the launch SCO id (scorm.launch)."""
        old = {r["identifier"]: r["id"] for r in self.q("SELECT id, identifier FROM scorm_scoes WHERE scorm = ?",
                                                        scormid)}
        ids = []
        for n, row in enumerate(rows, start=1):
            cols = {k: row.get(k, "") for k in ("manifest", "organization", "parent", "identifier", "launch",
                                                 "scormtype", "title")}
            if row["identifier"] in old:
                scoid = old.pop(row["identifier"])
                self.update("scorm_scoes", scoid, sortorder=n, **cols)
            else:
                scoid = self.insert("scorm_scoes", scorm=scormid, sortorder=n, **cols)
            ids.append(scoid)
        for scoid in old.values():
            self.execute("DELETE FROM scorm_scoes WHERE id = ?", scoid)
            self.execute("DELETE FROM scorm_tracks WHERE scoid = ?", scoid)
        # The first launchable SCO of the default organisation, else the first launchable one at all.
        launchable = [(i, r) for i, r in zip(ids, rows) if r.get("launch")]
        in_default = [i for i, r in launchable if default_org and r.get("organization") == default_org]
        launch = (in_default or [i for i, _ in launchable] or [0])[0]
        self.update("scorm", scormid, launch=launch)
        return launch

    def add_track(self, userid: int, scoid: int, element: str, value: str, *, attempt: int = 1) -> int:
        """Seed SCORM tracking data (what a learner's SCO would have stored)."""
        scormid = self.scalar("SELECT scorm FROM scorm_scoes WHERE id = ?", scoid)
        self.execute("INSERT OR REPLACE INTO scorm_tracks (userid, scormid, scoid, attempt, element, value, "
                     "timemodified) VALUES (?, ?, ?, ?, ?, ?, ?)", userid, scormid, scoid, attempt, element,
                     str(value), now())
        return int(self.scalar("SELECT id FROM scorm_tracks WHERE userid = ? AND scoid = ? AND attempt = ? "
                               "AND element = ?", userid, scoid, attempt, element))

    def set_grade(self, itemid: int, userid: int, rawgrade: float | None, *, feedback: str | None = None) -> None:
        item = self.one("SELECT * FROM grade_items WHERE id = ?", itemid)
        assert item is not None
        final = None if rawgrade is None else max(item["grademin"], min(item["grademax"], rawgrade))
        self.execute("INSERT OR REPLACE INTO grade_grades (itemid, userid, rawgrade, finalgrade, feedback, "
                     "timemodified) VALUES (?, ?, ?, ?, ?, ?)", itemid, userid, rawgrade, final, feedback, now())

    def set_completion(self, cmid: int, userid: int, state: int = 1, when: int | None = None) -> None:
        self.execute("INSERT OR REPLACE INTO course_modules_completion VALUES (?, ?, ?, ?)", cmid, userid, state,
                     now() if when is None else when)
        course = self.scalar("SELECT course FROM course_modules WHERE id = ?", cmid)
        if course is not None:
            self.aggregate_course_completion(int(course), [userid])

    def aggregate_course_completion(self, courseid: int, userids: list[int] | None = None) -> None:
        """What Moodle's completion_regular_task does (here at once, not on the next cron run): a learner with
        every activity criterion of the course complete (or passed; all of them: aggregation "all") is course-
        complete, at the time of the last of them. Once complete, stays complete, as in Moodle."""
        cmids = [r["cmid"] for r in self.q("SELECT cmid FROM course_completion_criteria WHERE courseid = ?",
                                           courseid)]
        if not cmids:
            return
        if userids is None:
            userids = [r["userid"] for r in self.q(
                "SELECT DISTINCT userid FROM course_modules_completion WHERE cmid IN "
                f"({','.join('?' * len(cmids))})", *cmids)]
        for userid in userids:
            rows = self.q(f"SELECT * FROM course_modules_completion WHERE userid = ? AND cmid IN "
                          f"({','.join('?' * len(cmids))}) AND completionstate IN (1, 2)", userid, *cmids)
            if len(rows) == len(set(cmids)):
                self.execute("INSERT OR IGNORE INTO course_completions VALUES (?, ?, ?)", courseid, userid,
                             max(r["timemodified"] for r in rows))

    def add_file(self, contextid: int, component: str, filearea: str, itemid: int, filename: str, content: bytes,
                 *, filepath: str = "/", userid: int = WS_USER_ID, author: str = "") -> int:
        return self.insert("files", contextid=contextid, component=component, filearea=filearea, itemid=itemid,
                           filepath=filepath, filename=filename, content=content, filesize=len(content),
                           userid=userid, author=author, timecreated=now())
