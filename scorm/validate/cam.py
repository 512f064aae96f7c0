"""Content Aggregation Model rules of SCORM 1.2 and 2004, written as our own checks.

The XSDs cannot see most of these (IDREFs of the wrong element type, files missing from the zip, ranges that are
plain strings in the schema, misspelled ADL attributes that IMS CP 1.1.4's lax wildcards let through), and they
must hold even when no schema directory is at hand. Rules that SCORM 2004 makes mandatory but SCORM 1.2 only
recommends are errors in 2004 and warnings in 1.2 (codes.LENIENT_IN_12).

Attribute values are compared the way the XSDs type them: identifier (xs:ID), organizations/@default and
imsss IDRef (xs:IDREF) and every href, xml:base and objective ID (xs:anyURI) are whitespace-collapsed (leading and
trailing spaces dropped, inner runs made one), as a schema-aware parser hands them on; item and dependency
identifierref are xs:string, compared exactly as written. ADL's conformance manifests use both.
"""

from __future__ import annotations

import posixpath
import re
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


def _decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class _Checker:
    def __init__(self, root: etree._Element, det: Detected, contents: ZipContents, findings: Findings,
                 file: str) -> None:
        self.root, self.det, self.contents, self.f, self.file = root, det, contents, findings, file
        self.listed: set[str] = set()
        self._folded: dict[str, str] | None = None  # lower-case name -> name, built at the first missing file

    def q(self, tag: str) -> str:
        return f"{{{self.det.cp}}}{tag}"

    def add(self, code: str, message: str, el: etree._Element | None = None, *, hint: str | None = None) -> None:
        self.f.add(code, message, file=self.file, line=el.sourceline if el is not None else None, hint=hint,
                   scorm12=self.det.is12)

    # --- identifiers and structure ---
    def identifiers(self) -> dict[str, etree._Element]:
        """Collapsed identifier -> its element."""
        seen: dict[str, etree._Element] = {}
        for el in self.root.iter(self.q("manifest"), self.q("organization"), self.q("item"), self.q("resource")):
            kind = etree.QName(el).localname
            raw = el.get("identifier")
            ident = collapse(raw) if raw is not None else None
            if ident is None:
                self.add("CAM002", f"<{kind}> has no identifier", el)
            elif not NCNAME.match(ident):
                self.add("CAM029", f"<{kind}> identifier {ident!r} is not an XML name", el)
            elif ident in seen:
                self.add("CAM001", f"identifier {ident!r} of this <{kind}> is already used by the "
                                   f"<{etree.QName(seen[ident]).localname}> on line {seen[ident].sourceline}", el)
            else:
                seen[ident] = el
        return seen

    def organizations(self, ids: dict[str, etree._Element]) -> None:
        organizations = self.root.find(self.q("organizations"))
        if organizations is None:
            self.add("CAM028", "<manifest> has no <organizations>", self.root)
            return
        orgs = organizations.findall(self.q("organization"))
        org_ids = [collapse(o.get("identifier", "")) for o in orgs if o.get("identifier")]
        raw_default = organizations.get("default")
        default = collapse(raw_default) if raw_default is not None else None
        if not orgs:
            self.add("CAM017", "<organizations> is empty: the package has no table of contents", organizations)
        elif default is None:
            self.add("CAM020", "<organizations> has no default attribute", organizations)
        if default is not None and default not in org_ids:
            other = ids.get(default)
            what = (f"the <{etree.QName(other).localname}> on line {other.sourceline}, not an organization"
                    if other is not None else "no element of the manifest")
            choices = f" (the organizations are: {', '.join(org_ids)})" if org_ids else ""
            self.add("CAM003", f"organizations/@default is {default!r}, which names {what}{choices}", organizations)
        elif default is not None:
            target = next(o for o in orgs if collapse(o.get("identifier", "")) == default)
            self.as_written(raw_default or "", target, "organizations/@default", organizations)
        for org in orgs:
            self.title(org)
            if org.find(self.q("item")) is None:
                self.add("CAM027", f"organization {org.get('identifier')!r} has no <item>", org)

    def title(self, el: etree._Element) -> None:
        title = el.find(self.q("title"))
        if title is None or not (title.text or "").strip():
            kind = etree.QName(el).localname
            self.add("CAM021", f"<{kind}> {el.get('identifier')!r} has no title", el)

    def items(self, resources: dict[str, etree._Element], manifests: set[str]) -> None:
        for item in self.root.iter(self.q("item")):
            ident = item.get("identifier")
            self.title(item)
            has_children = item.find(self.q("item")) is not None
            ref = item.get("identifierref")
            if ref is not None:
                if has_children:
                    self.add("CAM022", f"item {ident!r} has child items and also references {ref!r}", item)
                resource = resources.get(ref)
                if resource is None and ref not in manifests:
                    self.add("CAM004", f"item {ident!r} references {ref!r}, but no resource has that identifier"
                                       f"{self.spaced(ref, resources)}", item)
                elif resource is not None and not collapse(resource.get("href") or ""):
                    self.add("CAM023", f"item {ident!r} launches resource {ref!r}, which has no href", item)
                elif resource is not None:
                    self.as_written(ref, resource, f"item {ident!r} identifierref", item)
            elif not has_children:
                self.add("CAM024", f"leaf item {ident!r} has no identifierref", item)

    @staticmethod
    def spaced(ref: str, targets: dict[str, etree._Element]) -> str:
        """The explanation when an xs:string reference misses only because of spaces around it."""
        if collapse(ref) in targets:
            return (f" (identifierref is an xs:string, compared as written: {ref!r} names {collapse(ref)!r} only "
                    "without its spaces; remove them)")
        return ""

    def as_written(self, ref: str, target: etree._Element, what: str, el: etree._Element) -> None:
        """CAM030: the reference holds once the target's identifier is collapsed, but not as written."""
        raw = target.get("identifier") or ""
        if raw != ref:
            self.add("CAM030", f"{what} {ref!r} names the <{etree.QName(target).localname}> on line "
                               f"{target.sourceline}, whose identifier is written {raw!r}", el)

    def sequencing_refs(self) -> None:
        """imsss:sequencing/@IDRef (xs:IDREF) names an imsss:sequencing/@ID (xs:ID) of the sequencingCollection."""
        shared = {collapse(s.get("ID", "")) for s in self.root.iter(f"{{{IMSSS}}}sequencing") if s.get("ID")}
        for seq in self.root.iter(f"{{{IMSSS}}}sequencing"):
            ref = seq.get("IDRef")
            if ref is not None and collapse(ref) not in shared:
                self.add("CAM031", f"imsss:sequencing IDRef {ref!r} names no <imsss:sequencing ID> of the "
                                   "sequencingCollection", seq)

    # --- ADL extension elements and values ---
    def adl_elements(self) -> None:
        fam = "1.2" if self.det.is12 else "2004"
        known = ADL_ELEMENTS[fam]
        foreign = ADL_ELEMENTS["2004" if fam == "1.2" else "1.2"]
        for el in self.root.iter(etree.Element):
            qn = etree.QName(el)
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

    def values(self) -> None:
        adlcp = self.det.adlcp
        if self.det.is12:
            for el in self.root.iter(f"{{{adlcp}}}masteryscore"):
                value = _decimal(el.text)
                if value is None or not 0 <= value <= 100:
                    self.add("CAM014", f"adlcp:masteryscore is {(el.text or '').strip()!r}, not a number from "
                                       "0 to 100", el)
            for el in self.root.iter(f"{{{adlcp}}}timelimitaction"):
                self._vocab(el, "adlcp:timelimitaction", TIME_LIMIT_ACTIONS)
            return
        for el in self.root.iter(f"{{{adlcp}}}timeLimitAction"):
            self._vocab(el, "adlcp:timeLimitAction", TIME_LIMIT_ACTIONS)
        for el in self.root.iter(f"{{{ADLNAV}}}hideLMSUI"):
            self._vocab(el, "adlnav:hideLMSUI", HIDE_LMS_UI)
        for el in self.root.iter(f"{{{IMSSS}}}minNormalizedMeasure"):
            value = _decimal(el.text)
            if value is None or not -1 <= value <= 1:
                self.add("CAM015", f"imsss:minNormalizedMeasure is {(el.text or '').strip()!r}, not a decimal "
                                   "from -1 to 1", el)
        for el in self.root.iter(f"{{{adlcp}}}completionThreshold"):
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
        shared = f"{{{adlcp}}}sharedDataGlobalToSystem"
        if self.det.version != "2004 4th":
            for el in self.root.iter(etree.Element):
                if el.get(shared) is not None:
                    self.add("CAM016", "@adlcp:sharedDataGlobalToSystem is new in SCORM 2004 4th Edition; this "
                                       f"manifest declares {self.det.version}", el)

    def _vocab(self, el: etree._Element, name: str, allowed: set[str]) -> None:
        text = (el.text or "").strip()
        if text not in allowed:
            self.add("CAM026", f"{name} is {text!r}; allowed: {', '.join(sorted(allowed))}", el)

    # --- resources and files ---
    def resources(self, resources: dict[str, etree._Element]) -> None:
        if self.root.find(self.q("resources")) is None:
            self.add("CAM028", "<manifest> has no <resources>", self.root)
        spelled = "scormtype" if self.det.is12 else "scormType"
        wanted = f"{{{self.det.adlcp}}}{spelled}"
        for res in self.root.iter(self.q("resource")):
            rid = res.get("identifier")
            if res.get("type") != "webcontent":
                self.add("CAM025", f"resource {rid!r} has type {res.get('type')!r}", res)
            scormtype = res.get(wanted)
            if scormtype is None:
                near = [(k, v) for k, v in res.attrib.items() if etree.QName(k).localname.lower() == "scormtype"]
                if near:
                    qn = etree.QName(near[0][0])
                    self.add("CAM013", f"resource {rid!r} has {qn.localname!r} in namespace {qn.namespace!r}; "
                                       f"this SCORM {self.det.version} manifest needs {spelled!r} in "
                                       f"{self.det.adlcp!r}", res)
                    scormtype = near[0][1]
                else:
                    self.add("CAM011", f"resource {rid!r} has no adlcp:{spelled}", res)
            elif scormtype not in SCORMTYPES:
                self.add("CAM012", f"resource {rid!r} has adlcp:{spelled}={scormtype!r}; allowed: sco, asset", res)
            href = collapse(res.get("href") or "")
            if scormtype == "sco" and not href:
                self.add("CAM010", f"SCO resource {rid!r} has no href", res)
            bases = [b for b in (collapse(e.get(XML_BASE) or "") for e in (self.root, res.getparent(), res)) if b]
            if href:
                self.reference(href, bases, res, "CAM007", f"resource {rid!r} href")
            for f in res.findall(self.q("file")):
                if f.get("href") is not None:
                    self.reference(collapse(f.get("href") or ""), bases, f, "CAM006", f"resource {rid!r} file")
            for dep in res.findall(self.q("dependency")):
                ref = dep.get("identifierref")
                if ref not in resources:
                    self.add("CAM005", f"resource {rid!r} depends on {ref!r}, but no resource has that "
                                       f"identifier{self.spaced(ref or '', resources)}", dep)
                else:
                    self.as_written(ref, resources[ref], f"resource {rid!r} dependency", dep)
        for loc in self.root.iter(f"{{{self.det.adlcp}}}location"):
            if (loc.text or "").strip():
                self.reference(loc.text.strip(), [], loc, "CAM006", "adlcp:location")

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


def check_cam(root: etree._Element, det: Detected, contents: ZipContents, findings: Findings, *,
              file: str = MANIFEST) -> None:
    c = _Checker(root, det, contents, findings, file)
    ids = c.identifiers()
    resources = {collapse(r.get("identifier", "")): r for r in root.iter(c.q("resource")) if r.get("identifier")}
    manifests = {collapse(m.get("identifier", "")) for m in root.iter(c.q("manifest"))
                 if m is not root and m.get("identifier")}
    c.organizations(ids)
    c.items(resources, manifests)
    c.sequencing_refs()
    c.adl_elements()
    c.values()
    c.resources(resources)
    c.unlisted()
