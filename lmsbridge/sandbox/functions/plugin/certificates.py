"""local_lmsbridge_publish_certificates and the public page local/lmsbridge/v.php: certificates anyone can verify.

Mirrors classes/external/publish_certificates.php and v.php: one row per certificate number in the plugin's
table (created, updated, or unchanged when the data is the same), and a page without login that finds a
certificate by its code and says valid or revoked (with date and reason), or that no such certificate exists.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from lmsbridge.sandbox.functions.badges import sync_certificate_badge
from lmsbridge.sandbox.params import INT, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import Store, now

from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, RAW_TRIMMED, plugin_error, require_cap

TABLE = """CREATE TABLE IF NOT EXISTS local_lmsbridge_cert (id INTEGER PRIMARY KEY, number TEXT UNIQUE, code TEXT
    UNIQUE, userid INTEGER, fullname TEXT, title TEXT, programme TEXT, issuer TEXT, lang TEXT, issued TEXT,
    completed TEXT, revoked INTEGER, revokedon TEXT, reason TEXT, timecreated INTEGER, timemodified INTEGER)"""
FIELDS = ("code", "userid", "fullname", "title", "programme", "issuer", "lang", "issued", "completed", "revoked",
          "revokedon", "reason")
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")
LANG = Path(__file__).resolve().parents[3] / "moodle_plugin" / "lang"
PHP_STRING = re.compile(r"^\$string\['([^']+)'\] = '((?:[^'\\]|\\.)*)';$", re.M)


@cache
def strings(lang: str) -> dict[str, str]:
    """The plugin's own strings (lang/<lang>/local_lmsbridge.php over lang/en/), as v.php reads them."""
    out: dict[str, str] = {}
    for code in dict.fromkeys(("en", lang)):
        path = LANG / code / "local_lmsbridge.php"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            out |= {k: re.sub(r"\\(.)", r"\1", v) for k, v in PHP_STRING.findall(text)}
    return out


@function("local_lmsbridge_publish_certificates", {"certificates": Multiple(Single({
    "number": Value(RAW_TRIMMED), "code": Value(RAW_TRIMMED), "userid": Value(INT), "fullname": Value(TEXT),
    "title": Value(TEXT), "programme": Value(TEXT), "issuer": Value(TEXT), "lang": Value(RAW_TRIMMED),
    "issued": Value(RAW_TRIMMED), "completed": Value(RAW_TRIMMED), "revoked": Value(INT),
    "revokedon": Value(RAW_TRIMMED), "reason": Value(TEXT)}))},
    write=True, rows="certificates", component=PLUGIN_COMPONENT)
def publish_certificates(call: Call, certificates: list[dict[str, Any]]) -> dict[str, Any]:
    require_cap(call, "moodle/badges:awardbadge")
    store = call.store
    store.execute(TABLE)
    for c in certificates:
        if not re.match(r"^[A-Za-z0-9-]{1,40}$", c["number"]) or not re.match(r"^[A-Z0-9]{20}$", c["code"]) \
                or not DATE.match(c["issued"]) or not c["issued"] or not DATE.match(c["completed"]) \
                or not DATE.match(c["revokedon"]) or c["fullname"].strip() == "":
            raise plugin_error("invalidcertificate", c["number"])
    out = []
    for c in certificates:
        row = store.one("SELECT * FROM local_lmsbridge_cert WHERE number = ?", c["number"])
        values = {k: (1 if c[k] else 0) if k == "revoked" else c[k] for k in FIELDS}
        if row is None:
            store.insert("local_lmsbridge_cert", number=c["number"], **values, timecreated=now(),
                         timemodified=now())
            status = "created"
        elif any(row[k] != v for k, v in values.items()):
            store.update("local_lmsbridge_cert", row["id"], **values, timemodified=now())
            status = "updated"
        else:
            status = "unchanged"
        out.append({"number": c["number"], "status": status})
    for c in certificates:  # the programme's core badge, issued or revoked with the certificate
        sync_certificate_badge(store, call.site_url, c)
    return {"certificates": out}


def public_page(store: Store, code: str) -> tuple[int, str]:
    """v.php?c=CODE: (HTTP status, page) in the certificate's language. Readable on a phone; nothing but this
    certificate is shown."""
    store.execute(TABLE)
    wanted = "".join(ch for ch in code.upper() if ch.isalnum())
    row = store.one("SELECT * FROM local_lmsbridge_cert WHERE code = ?", wanted) if len(wanted) == 20 else None
    if row is None:
        text = strings("en")
        return 404, page(text["verify_notfoundtitle"], f'<p class="status invalid">{escape(text["verify_notfound"])}'
                         "</p>")
    lang = row["lang"] if (LANG / str(row["lang"])).is_dir() else "en"
    text = strings(lang)
    if row["revoked"]:
        said = text["verify_revoked"].replace("{$a->date}", row["revokedon"]).replace("{$a->reason}", row["reason"])
        status = f'<p class="status revoked">{escape(said)}</p>'
    else:
        status = f'<p class="status valid">{escape(text["verify_valid"])}</p>'
    facts = [(text["verify_awardedto"], row["fullname"]), (text["verify_certificate"], row["title"]),
             (text["verify_programme"], row["programme"]), (text["verify_issuer"], row["issuer"]),
             (text["verify_issued"], row["issued"]), (text["verify_completed"], row["completed"]),
             (text["verify_number"], row["number"])]
    body = status + '<dl class="facts">' + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                                                   for k, v in facts if v) + "</dl>"
    return 200, page(text["verify_title"].replace("{$a}", row["number"]), body, lang)


CSS = """body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#1f2328;background:#f6f8fa}
main{max-width:40rem;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem 1.25rem}
h1{font-size:1.4rem;margin:0 0 .75rem}.status{font-weight:600;padding:.6rem .8rem;border-radius:4px}
.valid{background:#dafbe1;color:#116329}.revoked,.invalid{background:#ffebe9;color:#a40e26}
dt{color:#57606a;font-size:.85rem;margin-top:.6rem}dd{margin:0;font-size:1.05rem;overflow-wrap:anywhere}"""


def page(title: str, body: str, lang: str = "en") -> str:
    return (f'<!doctype html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title><style>{CSS}</style>'
            f'</head><body><main id="certificate-verification"><h1>{escape(title)}</h1>{body}</main></body></html>\n')
