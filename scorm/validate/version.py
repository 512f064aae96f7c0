"""Which SCORM version a manifest is: from <schemaversion>, checked against the namespaces it uses."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from scorm.validate.findings import Findings

CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
CP2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
ADLCP2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# <schemaversion> text -> version. SCORM 1.2 has no vocabulary for it ("1.2" is what everyone writes).
SCHEMAVERSIONS = {"1.2": "1.2", "CAM 1.3": "2004 2nd", "2004 3rd Edition": "2004 3rd",
                  "2004 4th Edition": "2004 4th"}
VERSIONS = ("1.2", "2004 2nd", "2004 3rd", "2004 4th")


@dataclass(frozen=True)
class Detected:
    version: str   # one of VERSIONS
    cp: str        # the IMS CP namespace of the manifest
    adlcp: str     # the ADL CP namespace that version uses

    @property
    def is12(self) -> bool:
        return self.version == "1.2"


def family(version: str) -> str:
    return "1.2" if version == "1.2" else "2004"


def detect_version(root: etree._Element, findings: Findings, *, file: str = "imsmanifest.xml") -> Detected | None:
    """The version, or None (with a finding saying why) when the manifest is not one we can check."""
    qname = etree.QName(root)
    if qname.localname != "manifest" or qname.namespace not in (CP12, CP2004):
        findings.add("XML004", f"the root element is {{{qname.namespace or ''}}}{qname.localname}, not an IMS "
                               "content package <manifest>", file=file, line=root.sourceline)
        return None
    by_namespace = "1.2" if qname.namespace == CP12 else "2004"
    # An ADL namespace of the other version, declared on the root, makes the namespaces disagree.
    declared = set(root.nsmap.values())
    other = ({ADLCP2004, ADLSEQ, ADLNAV, IMSSS} if by_namespace == "1.2" else {ADLCP12}) & declared
    if other:
        findings.add("VER003", f"the manifest uses the SCORM {by_namespace} content-packaging namespace but "
                               f"also declares {', '.join(sorted(other))} (SCORM "
                               f"{'2004' if by_namespace == '1.2' else '1.2'})", file=file, line=root.sourceline)

    scorm12 = by_namespace == "1.2"
    metadata = root.find(f"{{{qname.namespace}}}metadata")
    schema = metadata.find(f"{{{qname.namespace}}}schema") if metadata is not None else None
    schemaversion = metadata.find(f"{{{qname.namespace}}}schemaversion") if metadata is not None else None
    if schema is None or (schema.text or "").strip() != "ADL SCORM":
        found = "missing" if schema is None else f"{(schema.text or '').strip()!r}"
        findings.add("VER005", f"<schema> is {found}, not 'ADL SCORM'", scorm12=scorm12, file=file,
                             line=(schema if schema is not None else metadata if metadata is not None else root
                                   ).sourceline)

    if schemaversion is None:
        guess = "1.2" if scorm12 else "2004 4th"
        findings.add("VER002", f"the manifest has no <metadata><schemaversion>; the namespaces say SCORM "
                                       f"{by_namespace}, checked as {guess}", scorm12=scorm12, file=file,
                             line=(metadata if metadata is not None else root).sourceline)
        return _detected(guess)

    text = " ".join((schemaversion.text or "").split())
    line = schemaversion.sourceline
    version = SCHEMAVERSIONS.get(text)
    if version is None:
        guess = "1.2" if scorm12 else "2004 4th"
        findings.add("VER004", f"<schemaversion>{text}</schemaversion> is not a SCORM {by_namespace} "
                                       f"value; checked as {guess}", scorm12=scorm12, file=file, line=line)
        return _detected(guess)
    if family(version) != by_namespace:
        findings.add("VER003", f"<schemaversion> says {text!r} but the manifest's namespace is SCORM "
                               f"{by_namespace}'s ({qname.namespace}); checked as {by_namespace}",
                     file=file, line=line)
        return _detected("1.2" if by_namespace == "1.2" else "2004 4th")
    return _detected(version)


def _detected(version: str) -> Detected:
    if version == "1.2":
        return Detected(version, CP12, ADLCP12)
    return Detected(version, CP2004, ADLCP2004)
