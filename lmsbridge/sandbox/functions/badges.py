"""core_badges_get_user_badges, and the programme badges the companion plugin issues into core's badge tables.

The plugin's publish_certificates issues (or revokes) one site badge per programme
(classes/local/certificate_badge.php); `sync_certificate_badge` mirrors it here so that the learner sees the badge
the way Moodle shows it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from lmsbridge.sandbox.params import BOOL, DEFAULT, INT, RAW, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import Store, now

TABLES = ("""CREATE TABLE IF NOT EXISTS badge (id INTEGER PRIMARY KEY, name TEXT, description TEXT, language TEXT,
    issuername TEXT, issuerurl TEXT, programme_key TEXT UNIQUE, status INTEGER, timecreated INTEGER)""",
          """CREATE TABLE IF NOT EXISTS badge_issued (id INTEGER PRIMARY KEY, badgeid INTEGER, userid INTEGER,
    uniquehash TEXT, dateissued INTEGER, UNIQUE (badgeid, userid))""")
SITE, ACTIVE_LOCKED = 1, 3  # BADGE_TYPE_SITE, BADGE_STATUS_ACTIVE_LOCKED


def tables(store: Store) -> None:
    for sql in TABLES:
        store.execute(sql)


def sync_certificate_badge(store: Store, site_url: str, c: dict[str, Any]) -> str:
    """certificate_badge::sync(): issued, revoked or '' (nothing changed)."""
    tables(store)
    if store.one("SELECT id FROM user WHERE id = ?", c["userid"]) is None:
        return ""
    key = re.sub(r"[^A-Za-z0-9]", "", re.sub(r"-\d{4}-\d+$", "", c["number"]))
    badge = store.one("SELECT * FROM badge WHERE programme_key = ?", key)
    if badge is None:
        store.insert("badge", name=f"{c['title']} — {c['programme']}"[:255], language=c["lang"],
                     description=f"{c['title']}: {c['programme']} ({c['issuer']})", issuername=c["issuer"][:255],
                     issuerurl=site_url, programme_key=key, status=ACTIVE_LOCKED, timecreated=now())
        badge = store.one("SELECT * FROM badge WHERE programme_key = ?", key)
        assert badge is not None
    issued = store.one("SELECT id FROM badge_issued WHERE badgeid = ? AND userid = ?", badge["id"], c["userid"])
    if c["revoked"]:
        if issued is None:
            return ""
        store.execute("DELETE FROM badge_issued WHERE id = ?", issued["id"])
        return "revoked"
    if issued is not None:
        return ""
    store.insert("badge_issued", badgeid=badge["id"], userid=c["userid"], dateissued=now(),
                 uniquehash=hashlib.sha1(f"{badge['id']}-{c['userid']}-{now()}".encode()).hexdigest())
    return "issued"


@function("core_badges_get_user_badges", {
    "userid": Value(INT, DEFAULT, 0), "courseid": Value(INT, DEFAULT, 0), "page": Value(INT, DEFAULT, 0),
    "perpage": Value(INT, DEFAULT, 0), "search": Value(RAW, DEFAULT, ""), "onlypublic": Value(BOOL, DEFAULT, False)},
    write=False)
def get_user_badges(call: Call, userid: int, courseid: int, page: int, perpage: int, search: str,
                    onlypublic: bool) -> dict[str, Any]:
    userid = userid or call.userid
    if userid != call.userid:
        call.require("moodle/badges:viewotherbadges", "View public badges in other users' profiles")
    tables(call.store)
    rows = call.store.q("SELECT b.*, bi.id AS issuedid, bi.uniquehash, bi.dateissued FROM badge b JOIN badge_issued "
                        "bi ON bi.badgeid = b.id WHERE bi.userid = ? ORDER BY bi.dateissued DESC, bi.id DESC",
                        userid)
    return {"badges": [{
        "id": r["id"], "name": r["name"], "description": r["description"], "issuername": r["issuername"],
        "issuerurl": r["issuerurl"], "type": SITE, "status": r["status"], "language": r["language"],
        "issuedid": r["issuedid"], "uniquehash": r["uniquehash"], "dateissued": r["dateissued"], "dateexpire": None,
        "visible": 1, "badgeurl": f"{call.site_url}/pluginfile.php/1/badges/badgeimage/{r['id']}/f3",
    } for r in rows if not search or search.lower() in r["name"].lower()], "warnings": []}
