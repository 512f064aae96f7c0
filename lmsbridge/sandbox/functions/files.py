"""Files: the token user's private area (core_user_add_user_private_files, core_files_get_files)."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.functions._shapes import fullname
from lmsbridge.sandbox.params import ALPHA, DEFAULT, INT, OPTIONAL, RAW, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_SYSTEM, CONTEXT_USER


@function("core_user_add_user_private_files", {"draftid": Value(INT)}, write=True)
def add_user_private_files(call: Call, draftid: int) -> None:
    ctx = call.store.context_id(CONTEXT_USER, call.userid)
    for f in call.store.q("SELECT * FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' "
                          "AND itemid = ?", ctx, draftid):
        call.store.execute("DELETE FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'private' "
                           "AND itemid = 0 AND filepath = ? AND filename = ?", ctx, f["filepath"], f["filename"])
        call.store.add_file(ctx, "user", "private", 0, f["filename"], f["content"], filepath=f["filepath"],
                            userid=call.userid, author=f["author"])
    return None


@function("core_files_get_files", {
    "contextid": Value(INT), "component": Value(RAW), "filearea": Value(RAW), "itemid": Value(INT),
    "filepath": Value(RAW), "filename": Value(RAW), "modified": Value(INT, DEFAULT, None),
    "contextlevel": Value(ALPHA, OPTIONAL), "instanceid": Value(INT, OPTIONAL)}, write=False)
def get_files(call: Call, contextid: int, component: str, filearea: str, itemid: int, filepath: str, filename: str,
              modified: int | None = None, contextlevel: str | None = None,
              instanceid: int | None = None) -> dict[str, Any]:
    store = call.store
    if contextid == -1 and contextlevel == "user":
        contextid = store.context_id(CONTEXT_USER, instanceid or call.userid)
    user = store.one("SELECT * FROM user WHERE id = ?", call.userid) or {}
    sql = "SELECT * FROM files WHERE contextid = ? AND component = ? AND filearea = ? AND itemid = ?"
    args: list[Any] = [contextid, component, filearea, itemid]
    if filepath:
        sql += " AND filepath = ?"
        args.append(filepath)
    if filename:
        sql += " AND filename = ?"
        args.append(filename)
    files = [{"contextid": f["contextid"], "component": f["component"], "filearea": f["filearea"],
              "itemid": f["itemid"], "filepath": f["filepath"], "filename": f["filename"], "isdir": False,
              "url": f"{call.site_url}/pluginfile.php/{f['contextid']}/{f['component']}/{f['filearea']}"
                     f"{f['filepath']}{f['filename']}",
              "timemodified": f["timecreated"], "timecreated": f["timecreated"], "filesize": f["filesize"],
              "author": f["author"], "license": "unknown"} for f in store.q(sql + " ORDER BY id", *args)]
    parents = [{"contextid": store.context_id(CONTEXT_SYSTEM, 0), "component": None, "filearea": None,
                "itemid": None, "filepath": None, "filename": "System"},
               {"contextid": contextid, "component": None, "filearea": None, "itemid": None, "filepath": None,
                "filename": fullname(user) if user else ""}]
    return {"parents": parents, "files": files}


