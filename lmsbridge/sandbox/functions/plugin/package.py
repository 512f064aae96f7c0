"""The SCORM package a call uploads: checked as scorm_validate_package() does, its manifest read as
scorm_parse_scorm() reads it."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any

from lxml import etree

from lmsbridge.sandbox.registry import Call
from lmsbridge.sandbox.store import CONTEXT_MODULE, CONTEXT_USER
from scorm.validate.findings import Findings
from scorm.validate.safexml import parse_manifest

from lmsbridge.sandbox.functions.plugin.lookup import MANIFEST_MAX_BYTES, STRINGS, plugin_error

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


def draft_package(call: Call, draftitemid: int) -> dict[str, Any]:
    """The one file in the token user's draft area `draftitemid`, checked as Moodle's form checks it."""
    ctx = call.store.context_id(CONTEXT_USER, call.userid)
    files = call.store.q("SELECT * FROM files WHERE contextid = ? AND component = 'user' AND filearea = 'draft' "
                         "AND itemid = ? AND filename != '.' ORDER BY id", ctx, draftitemid)
    if not files:
        raise plugin_error("draftfilemissing", draftitemid)
    if len(files) > 1:
        raise plugin_error("draftfilemultiple", itemid=draftitemid, count=len(files))
    problem = _validate_package(files[0]["content"])
    if problem:
        raise plugin_error("invalidpackage", problem)
    return files[0]


def store_package(call: Call, scormid: int, cmid: int, package: dict[str, Any]) -> str:
    """Put the package into the activity (new revision, SCO tree by identifier); returns the version read."""
    store = call.store
    content = package["content"]
    parsed = parse_package(content)
    if parsed is None:
        # Moodle would store the activity with version ERROR; the plugin refuses it (the call rolls back).
        raise plugin_error("invalidpackage", STRINGS["manifestunreadable"])
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
