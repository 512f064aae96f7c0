"""core_webservice_get_site_info: who the token belongs to and which functions its service offers."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.functions._shapes import fullname
from lmsbridge.sandbox.params import ALPHANUMEXT, DEFAULT, Multiple, Value
from lmsbridge.sandbox.registry import REGISTRY, Call, function
from lmsbridge.sandbox.store import ADMIN_ID

RELEASE, VERSION = "5.0 (Build: 20250414)", "2025041400"


@function("core_webservice_get_site_info", {"serviceshortnames": Multiple(Value(ALPHANUMEXT), DEFAULT)},
          write=False)
def get_site_info(call: Call, serviceshortnames: list[str]) -> dict[str, Any]:
    u = call.store.one("SELECT * FROM user WHERE id = ?", call.userid) or {}
    names = sorted(REGISTRY) if call.token.functions is None else \
        sorted(f for f in call.token.functions if f in REGISTRY)
    features = ["usecomments", "usetags", "enablenotes", "messaging", "enableblogs", "enablecompletion",
                "enablebadges", "messagingallusers", "enablecustomreports", "enableglobalsearch",
                "mnet_dispatcher_mode", "enablecompetencies"]
    off = {"messagingallusers", "enableglobalsearch", "mnet_dispatcher_mode"}
    return {
        "sitename": call.store.config("sitename"), "username": u.get("username"), "firstname": u.get("firstname"),
        "lastname": u.get("lastname"), "fullname": fullname(u), "lang": u.get("lang"), "userid": call.userid,
        "siteurl": call.site_url, "userpictureurl": f"{call.site_url}/theme/image.php/boost/core/1/u/f1",
        "functions": [{"name": n, "version": VERSION} for n in names],
        "downloadfiles": 1, "uploadfiles": 1, "release": RELEASE, "version": VERSION, "mobilecssurl": "",
        "advancedfeatures": [{"name": f, "value": 0 if f in off else 1} for f in features],
        "usercanmanageownfiles": True, "userquota": 104857600, "usermaxuploadfilesize": 209715200,
        "userhomepage": 1, "userprivateaccesskey": "0" * 32, "siteid": 1, "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian", "userissiteadmin": call.userid == ADMIN_ID, "theme": "boost",
        "limitconcurrentlogins": 0, "policyagreed": 0,
    }
