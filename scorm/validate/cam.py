"""Content Aggregation Model rules of SCORM 1.2 and 2004, written as our own checks.

The XSDs cannot see most of these (IDREFs of the wrong element type, files missing from the zip, ranges that are
plain strings in the schema, misspelled ADL attributes that IMS CP 1.1.4's lax wildcards let through), and they
must hold even when no schema directory is at hand. Rules that SCORM 2004 makes mandatory but SCORM 1.2 only
recommends are errors in 2004 and warnings in 1.2 (codes.LENIENT_IN_12).

Attribute values are compared the way the XSDs type them: identifier (xs:ID), organizations/@default and
imsss IDRef (xs:IDREF) and every href, xml:base and objective ID (xs:anyURI) are whitespace-collapsed (leading and
trailing spaces dropped, inner runs made one), as a schema-aware parser hands them on; item and dependency
identifierref are xs:string, compared exactly as written. ADL's conformance manifests use both.

The checker is driven element by element (start and end events of a streaming parse, see stream.py) and keeps
only what later checks need (identifiers, references, file names), so memory stays a small multiple of the
manifest's size, not the several-fold of a full tree.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlsplit

from lxml import etree

from scorm.validate.findings import Findings
from scorm.validate.version import ADLCP12, ADLCP2004, ADLNAV, ADLSEQ, IMSSS, Detected
from scorm.validate.ziprules import MANIFEST, ZipContents

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_SPACE = re.compile(r"[ \t\r\n]+")
NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
CONTROL_DOCUMENTS = (".xsd", ".dtd")  # XML control documents: ADL wants them at the root, unlisted
MAX_UNLISTED_SHOWN = 20

# Elements each ADL namespace defines, per version family; anything else there is an error.
ADL_ELEMENTS: dict[str, dict[str, set[str]]] = {
    "1.2": {ADLCP12: {"location", "prerequisites", "maxtimeallowed", "timelimitaction", "datafromlms",
                      "masteryscore"}},
    "2004": {ADLCP2004: {"location", "dataFromLMS", "timeLimitAction", "completionThreshold", "data", "map"},
             ADLSEQ: {"constrainedChoiceConsiderations", "rollupConsiderations", "objectives", "objective",
                      "mapInfo"},
             ADLNAV: {"presentation", "navigationInterface", "hideLMSUI"}},
}
FOURTH_ONLY_ELEMENTS = {(ADLCP2004, "data"), (ADLCP2004, "map"), (ADLSEQ, "objectives"), (ADLSEQ, "objective"),
                        (ADLSEQ, "mapInfo")}
FOURTH_ONLY_THRESHOLD_ATTRS = ("completedByMeasure", "minProgressMeasure", "progressWeight")
TIME_LIMIT_ACTIONS = {"exit,message", "exit,no message", "continue,message", "continue,no message"}
HIDE_LMS_UI = {"previous", "continue", "exit", "exitAll", "abandon", "abandonAll", "suspendAll"}
SCORMTYPES = ("sco", "asset")


def collapse(value: str) -> str:
    """XML Schema's whiteSpace="collapse" (xs:ID, xs:IDREF, xs:anyURI, xs:token): XML spaces only, not Unicode's."""
    return _XML_SPACE.sub(" ", value).strip(" ")


def _ident(el: etree._Element) -> str | None:
    """The element's identifier as the schema reads it (collapsed), for messages."""
    raw = el.get("identifier")
    return collapse(raw) if raw is not None else None


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@dataclass
class _Open:
    """An open <organization> or <item>: what its end needs to know of its children (they are gone by then)."""

    titled: bool = False
    has_item: bool = False


@dataclass(frozen=True)
class _Target:
    kind: str          # "manifest", "organization", "item", "resource"
    line: int | None
    raw: str | None    # the identifier as written, when that differs from its collapsed form
    href: bool = False  # resources: has an href


class CamChecker:
    """The CAM rules, fed one element at a time: start(el) when it opens, end(el) when it closes (its children
    are still there), finish() at the end of the document."""

    def __init__(self, det: Detected, contents: ZipContents, findings: Findings, file: str = MANIFEST) -> None:
        self.det, self.contents, self.f, self.file = det, contents, findings, file
        self.cp = det.cp
        self.fam = "1.2" if det.is12 else "2004"
        self.listed: set[str] = set()
        self._folded: dict[str, str] | None = None  # lower-case name -> name, built at the first missing file
        self.ids: dict[str, _Target] = {}           # collapsed identifier -> where it is
        self.resources: dict[str, _Target] = {}
        self.manifests: set[str] = set()            # sub-manifest identifiers (items may reference them)
        self.open: list[_Open] = []                 # open organizations and items, innermost last
        self.path: list[str] = []                   # local names of the open elements in the CP namespace
        self.item_refs: list[tuple[str | None, str, int | None]] = []  # (item identifier, identifierref, line)
        self.dep_refs: list[tuple[str | None, str, int | None]] = []   # (resource identifier, identifierref, line)
        self.org_count = 0                          # <organization>s of the root's <organizations>
        self.org_ids: list[str] = []
        self.org_lines: dict[str, tuple[str, int | None]] = {}  # collapsed -> (as written, line)
        self.organizations: tuple[str | None, int | None] | None = None  # (default as written, line)
        self.seen_resources_element = False
        self.shared_seq: set[str] = set()
        self.seq_refs: list[tuple[str, int | None]] = []
        self.root_base = ""
        self.bases: list[str] = []                  # xml:base of the open <resources>

    def q(self, tag: str) -> str:
        return f"{{{self.cp}}}{tag}"

    def add(self, code: str, message: str, el: etree._Element | None = None, *, line: int | None = None,
            hint: str | None = None) -> None:
        self.f.add(code, message, file=self.file, line=el.sourceline if el is not None else line, hint=hint,
                   scorm12=self.det.is12)

    # --- events ---
    def start(self, el: etree._Element) -> None:
        qn = etree.QName(el)
        local = qn.localname
        self.adl_element(el, qn)
        if self.det.version != "2004 4th" and el.get(f"{{{self.det.adlcp}}}sharedDataGlobalToSystem") is not None:
            self.add("CAM016", "@adlcp:sharedDataGlobalToSystem is new in SCORM 2004 4th Edition; this manifest "
                               f"declares {self.det.version}", el)
        if qn.namespace == IMSSS and local == "sequencing":
            if el.get("ID"):
                self.shared_seq.add(collapse(el.get("ID", "")))
            if el.get("IDRef") is not None:
                self.seq_refs.append((el.get("IDRef", ""), el.sourceline))
        if qn.namespace != self.cp:
            self.path.append("")
            return
        depth = len(self.path)
        self.path.append(local)
        if local in ("manifest", "organization", "item", "resource"):
            self.identifier(el, local)
        if depth == 0:
            self.root_base = collapse(el.get(XML_BASE) or "")
        elif local == "manifest" and el.get("identifier"):
            self.manifests.add(collapse(el.get("identifier", "")))
        top = depth == 1  # a direct child of the root manifest
        if top and local == "organizations" and self.organizations is None:
            self.organizations = (el.get("default"), el.sourceline)
        elif top and local == "resources":
            self.seen_resources_element = True
        if local == "resources":
            self.bases.append(collapse(el.get(XML_BASE) or ""))
        elif local == "organization" and self.path[:2] == ["manifest", "organizations"] and depth == 2:
            self.org_count += 1
            if el.get("identifier"):
                ident = collapse(el.get("identifier", ""))
                self.org_ids.append(ident)
                self.org_lines[ident] = (el.get("identifier", ""), el.sourceline)
            self.open.append(_Open())
        elif local == "item":
            if self.open:
                self.open[-1].has_item = True
            self.open.append(_Open())

    def end(self, el: etree._Element) -> None:
        qn = etree.QName(el)
        local = qn.localname
        self.path.pop()
        if qn.namespace == self.cp:
            if local == "title" and self.open and self.path and self.path[-1] in ("organization", "item"):
                self.open[-1].titled = bool((el.text or "").strip())
            elif local == "item":
                self.item(el, self.open.pop())
            elif local == "organization" and len(self.path) == 2 and self.path[-1] == "organizations":
                self.organization(el, self.open.pop())
            elif local == "resource":
                self.resource(el)
            elif local == "resources":
                self.bases.pop()
        else:
            self.value(el, qn)

    def finish(self, root_line: int | None) -> None:
        if self.organizations is None:
            self.add("CAM028", "<manifest> has no <organizations>", line=root_line)
        else:
            self.default(*self.organizations)
        if not self.seen_resources_element:
            self.add("CAM028", "<manifest> has no <resources>", line=root_line)
        for ident, ref, line in self.item_refs:
            target = self.resources.get(ref)
            if target is None and ref not in self.manifests:
                self.add("CAM004", f"item {ident!r} references {ref!r}, but no resource has that identifier"
                                   f"{self.spaced(ref)}", line=line)
            elif target is not None and not target.href:
                self.add("CAM023", f"item {ident!r} launches resource {ref!r}, which has no href", line=line)
            elif target is not None:
                self.as_written(ref, target, f"item {ident!r} identifierref", line)
        for rid, ref, line in self.dep_refs:
            target = self.resources.get(ref)
            if target is None:
                self.add("CAM005", f"resource {rid!r} depends on {ref!r}, but no resource has that identifier"
                                   f"{self.spaced(ref)}", line=line)
            else:
                self.as_written(ref, target, f"resource {rid!r} dependency", line)
        for ref, line in self.seq_refs:
            if collapse(ref) not in self.shared_seq:
                self.add("CAM031", f"imsss:sequencing IDRef {ref!r} names no <imsss:sequencing ID> of the "
                                   "sequencingCollection", line=line)
        self.unlisted()

    # --- identifiers and references ---
    def identifier(self, el: etree._Element, kind: str) -> None:
        raw = el.get("identifier")
        if raw is None:
            self.add("CAM002", f"<{kind}> has no identifier", el)
            return
        ident = collapse(raw)
        if not NCNAME.match(ident):
            self.add("CAM029", f"<{kind}> identifier {ident!r} is not an XML name", el)
        elif ident in self.ids:
            first = self.ids[ident]
            self.add("CAM001", f"identifier {ident!r} of this <{kind}> is already used by the <{first.kind}> on "
                               f"line {first.line}", el)
        else:
            target = _Target(kind, el.sourceline, raw if raw != ident else None,
                             href=kind == "resource" and bool(collapse(el.get("href") or "")))
            self.ids[ident] = target
            if kind == "resource":
                self.resources[ident] = target

    def spaced(self, ref: str) -> str:
        """The explanation when an xs:string reference misses only because of spaces around it."""
        if collapse(ref) in self.resources:
            return (f" (identifierref is an xs:string, compared as written: {ref!r} names {collapse(ref)!r} only "
                    "without its spaces; remove them)")
        return ""

    def as_written(self, ref: str, target: _Target, what: str, line: int | None) -> None:
        """CAM030: the reference holds once the target's identifier is collapsed, but not as written."""
        if target.raw is not None and target.raw != ref:
            self.add("CAM030", f"{what} {ref!r} names the <{target.kind}> on line {target.line}, whose identifier "
                               f"is written {target.raw!r}", line=line)

    def default(self, raw_default: str | None, line: int | None) -> None:
        default = collapse(raw_default) if raw_default is not None else None
        if not self.org_count:
            self.add("CAM017", "<organizations> is empty: the package has no table of contents", line=line)
        elif default is None:
            self.add("CAM020", "<organizations> has no default attribute", line=line)
        if default is not None and default not in self.org_lines:
            other = self.ids.get(default)
            what = (f"the <{other.kind}> on line {other.line}, not an organization" if other is not None
                    else "no element of the manifest")
            choices = f" (the organizations are: {', '.join(self.org_ids)})" if self.org_ids else ""
            self.add("CAM003", f"organizations/@default is {default!r}, which names {what}{choices}", line=line)
        elif default is not None:
            raw, org_line = self.org_lines[default]
            if raw != raw_default:  # Moodle compares the two as written
                self.add("CAM030", f"organizations/@default {raw_default!r} names the <organization> on line "
                                   f"{org_line}, whose identifier is written {raw!r}", line=line)

    # --- organizations and items ---
    def title(self, el: etree._Element, state: _Open) -> None:
        if not state.titled:
            self.add("CAM021", f"<{etree.QName(el).localname}> {_ident(el)!r} has no title", el)

    def organization(self, org: etree._Element, state: _Open) -> None:
        self.title(org, state)
        if not state.has_item:
            self.add("CAM027", f"organization {_ident(org)!r} has no <item>", org)

    def item(self, item: etree._Element, state: _Open) -> None:
        ident = _ident(item)
        self.title(item, state)
        ref = item.get("identifierref")
        if ref is not None:
            if state.has_item:
                self.add("CAM022", f"item {ident!r} has child items and also references {ref!r}", item)
            self.item_refs.append((ident, ref, item.sourceline))
        elif not state.has_item:
            self.add("CAM024", f"leaf item {ident!r} has no identifierref", item)

    # --- ADL extension elements and values ---
    def adl_element(self, el: etree._Element, qn: etree.QName) -> None:
        fam = self.fam
        known = ADL_ELEMENTS[fam]
        foreign = ADL_ELEMENTS["2004" if fam == "1.2" else "1.2"]
        if qn.namespace in foreign:
            self.add("CAM019", f"<{qn.localname}> is in {qn.namespace}, an ADL namespace of SCORM "
                               f"{'2004' if fam == '1.2' else '1.2'}, in a SCORM {fam} manifest", el)
        elif qn.namespace in known and qn.localname not in known[qn.namespace]:
            near = [n for n in known[qn.namespace] if n.lower() == qn.localname.lower()]
            also = (f"; SCORM {fam} spells it {near[0]!r}" if near else
                    f"; SCORM {'2004' if fam == '1.2' else '1.2'} has it" if any(
                        qn.localname in names for names in foreign.values()) else "")
            self.add("CAM019", f"<{qn.localname}> is not an element of {qn.namespace}{also}", el)
        elif (qn.namespace, qn.localname) in FOURTH_ONLY_ELEMENTS and self.det.version != "2004 4th":
            self.add("CAM016", f"<{qn.localname}> ({qn.namespace}) is new in SCORM 2004 4th Edition; this "
                               f"manifest declares {self.det.version}", el)

    def value(self, el: etree._Element, qn: etree.QName) -> None:
        adlcp, ns, local = self.det.adlcp, qn.namespace, qn.localname
        if ns == adlcp and local == "location" and (el.text or "").strip():
            self.reference(collapse(el.text or ""), [], el, "CAM006", "adlcp:location")
        if self.det.is12:
            if ns == adlcp and local == "masteryscore":
                value = _decimal(el.text)
                if value is None or not 0 <= value <= 100:
                    self.add("CAM014", f"adlcp:masteryscore is {(el.text or '').strip()!r}, not a number from "
                                       "0 to 100", el)
            elif ns == adlcp and local == "timelimitaction":
                self._vocab(el, "adlcp:timelimitaction", TIME_LIMIT_ACTIONS)
            return
        if ns == adlcp and local == "timeLimitAction":
            self._vocab(el, "adlcp:timeLimitAction", TIME_LIMIT_ACTIONS)
        elif ns == ADLNAV and local == "hideLMSUI":
            self._vocab(el, "adlnav:hideLMSUI", HIDE_LMS_UI)
        elif ns == IMSSS and local == "minNormalizedMeasure":
            value = _decimal(el.text)
            if value is None or not -1 <= value <= 1:
                self.add("CAM015", f"imsss:minNormalizedMeasure is {(el.text or '').strip()!r}, not a decimal "
                                   "from -1 to 1", el)
        elif ns == adlcp and local == "completionThreshold":
            attrs = [a for a in FOURTH_ONLY_THRESHOLD_ATTRS if el.get(a) is not None]
            if attrs and self.det.version != "2004 4th":
                self.add("CAM016", f"adlcp:completionThreshold has {', '.join('@' + a for a in attrs)}, new in "
                                   f"SCORM 2004 4th Edition; this manifest declares {self.det.version}", el)
            checks = [(a, el.get(a)) for a in ("minProgressMeasure", "progressWeight") if el.get(a) is not None]
            if (el.text or "").strip():
                checks.append(("value", el.text))
            for name, text in checks:
                value = _decimal(text)
                if value is None or not 0 <= value <= 1:
                    self.add("CAM015", f"adlcp:completionThreshold {name} is {(text or '').strip()!r}, not a "
                                       "decimal from 0 to 1", el)

    def _vocab(self, el: etree._Element, name: str, allowed: set[str]) -> None:
        text = (el.text or "").strip()
        if text not in allowed:
            self.add("CAM026", f"{name} is {text!r}; allowed: {', '.join(sorted(allowed))}", el)

    # --- resources and files ---
    def resource(self, res: etree._Element) -> None:
        spelled = "scormtype" if self.det.is12 else "scormType"
        rid = _ident(res)
        if res.get("type") != "webcontent":
            self.add("CAM025", f"resource {rid!r} has type {res.get('type')!r}", res)
        scormtype = res.get(f"{{{self.det.adlcp}}}{spelled}")
        if scormtype is None:
            near = [(k, v) for k, v in res.attrib.items() if etree.QName(k).localname.lower() == "scormtype"]
            if near:
                qn = etree.QName(near[0][0])
                self.add("CAM013", f"resource {rid!r} has {qn.localname!r} in namespace {qn.namespace!r}; this "
                                   f"SCORM {self.det.version} manifest needs {spelled!r} in {self.det.adlcp!r}", res)
                scormtype = near[0][1]
            else:
                self.add("CAM011", f"resource {rid!r} has no adlcp:{spelled}", res)
        elif scormtype not in SCORMTYPES:
            self.add("CAM012", f"resource {rid!r} has adlcp:{spelled}={scormtype!r}; allowed: sco, asset", res)
        href = collapse(res.get("href") or "")
        if scormtype == "sco" and not href:
            self.add("CAM010", f"SCO resource {rid!r} has no href", res)
        bases = [b for b in (self.root_base, self.bases[-1] if self.bases else "",
                             collapse(res.get(XML_BASE) or "")) if b]
        if href:
            self.reference(href, bases, res, "CAM007", f"resource {rid!r} href")
        for child in res:
            if child.tag == self.q("file") and child.get("href") is not None:
                self.reference(collapse(child.get("href") or ""), bases, child, "CAM006", f"resource {rid!r} file")
            elif child.tag == self.q("dependency"):
                self.dep_refs.append((rid, child.get("identifierref") or "", child.sourceline))

    def reference(self, href: str, bases: list[str], el: etree._Element, code: str, what: str) -> None:
        joined = href.strip()
        for base in reversed(bases):
            if urlsplit(joined).scheme:
                break
            joined = posixpath.join(base, joined)
        parts = urlsplit(joined)
        if parts.scheme or parts.netloc:
            self.add("CAM008", f"{what} {href!r} is an external URL ({joined})", el)
            return
        path = unquote(parts.path)
        if not path:
            return
        norm = posixpath.normpath(path)
        if path.startswith("/") or norm == ".." or norm.startswith("../"):
            self.add("CAM009", f"{what} {href!r} points outside the package", el)
            return
        self.listed.add(norm)
        if not self.contents.complete:
            self.add("CAM032", f"{what} {href!r}: not checked, only the manifest was given", el)
            return
        if norm in self.contents.files:
            return
        if self._folded is None:
            self._folded = {n.lower(): n for n in sorted(self.contents.files, reverse=True)}
        other_case = self._folded.get(norm.lower())
        detail = f"; the package has {other_case!r}, which differs in letter case" if other_case else ""
        self.add(code, f"{what} {href!r} is not in the package{detail}", el)

    def unlisted(self) -> None:
        if not self.contents.complete:
            return
        extra = sorted(n for n in self.contents.files - self.listed
                       if n != MANIFEST and not n.lower().endswith(CONTROL_DOCUMENTS))
        for name in extra[:MAX_UNLISTED_SHOWN]:
            self.f.add("CAM018", f"{name!r} is in the zip but no resource lists it", file=name)
        if len(extra) > MAX_UNLISTED_SHOWN:
            self.f.add("CAM018", f"... and {len(extra) - MAX_UNLISTED_SHOWN} more files that no resource lists")
