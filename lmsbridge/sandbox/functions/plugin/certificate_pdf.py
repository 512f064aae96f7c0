"""local_lmsbridge_store_certificate_pdf and the plugin's file area `certificate`: the PDF its learner downloads.

Mirrors classes/external/store_certificate_pdf.php and lib.php's local_lmsbridge_pluginfile(): the one file of
the caller's draft area moves to (system context, local_lmsbridge, certificate, itemid = the certificate's id) as
<number>.pdf; webservice/pluginfile.php serves it only to that learner (or to a token that may award badges), and
not once the certificate is revoked.
"""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.params import INT, Value
from lmsbridge.sandbox.registry import Call, TokenInfo, function
from lmsbridge.sandbox.store import CONTEXT_SYSTEM, CONTEXT_USER, Store

from lmsbridge.sandbox.functions.plugin.certificates import TABLE
from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, RAW_TRIMMED, plugin_error, require_cap

AREA = ("local_lmsbridge", "certificate")


@function("local_lmsbridge_store_certificate_pdf", {"number": Value(RAW_TRIMMED), "draftitemid": Value(INT)},
          write=True, component=PLUGIN_COMPONENT)
def store_certificate_pdf(call: Call, number: str, draftitemid: int) -> dict[str, Any]:
    require_cap(call, "moodle/badges:awardbadge")
    store = call.store
    store.execute(TABLE)
    cert = store.one("SELECT * FROM local_lmsbridge_cert WHERE number = ?", number)
    if cert is None:
        raise plugin_error("certificatenotpublished", number)
    draft = store.context_id(CONTEXT_USER, call.userid)
    files = store.q("SELECT * FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' AND "
                    "itemid = ? AND filename != '.'", draft, draftitemid)
    if len(files) != 1:
        raise plugin_error("certificatepdfdraft", draftitemid)
    system = store.context_id(CONTEXT_SYSTEM, 0)
    old = store.q("SELECT content FROM files WHERE contextid = ? AND component = ? AND filearea = ? AND itemid = ?",
                  system, *AREA, cert["id"])
    same = len(old) == 1 and bytes(old[0]["content"]) == bytes(files[0]["content"])
    if not same:
        store.execute("DELETE FROM files WHERE contextid = ? AND component = ? AND filearea = ? AND itemid = ?",
                      system, *AREA, cert["id"])
        store.add_file(system, *AREA, cert["id"], f"{cert['number']}.pdf", bytes(files[0]["content"]),
                       userid=cert["userid"])
    store.execute("DELETE FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' AND "
                  "itemid = ?", draft, draftitemid)
    return {"number": cert["number"], "status": "unchanged" if same else "stored"}


def may_download(store: Store, token: TokenInfo, itemid: int) -> bool:
    """local_lmsbridge_pluginfile(): the certificate's learner, or whoever may award badges; never once revoked."""
    store.execute(TABLE)
    cert = store.one("SELECT userid, revoked FROM local_lmsbridge_cert WHERE id = ?", itemid)
    caps = token.capabilities
    return cert is not None and not cert["revoked"] and (
        cert["userid"] == token.userid or caps is None or "moodle/badges:awardbadge" in caps)
