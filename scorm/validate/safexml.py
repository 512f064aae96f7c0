"""Parsing an untrusted manifest: no entity expansion, no DTD loading, no network, no huge trees.

A DOCTYPE that declares entities is refused before parsing (XXE, billion laughs): the bytes are scanned for
`<!ENTITY` in the encodings XML allows without a declaration, and the parsed tree is checked again, so no entity
is ever expanded or fetched.
"""

from __future__ import annotations

from lxml import etree

from scorm.validate.findings import Findings

_ENTITY_DECL = "<!ENTITY"
_DOCTYPE = "<!DOCTYPE"
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def safe_parser() -> etree.XMLParser:
    # huge_tree stays off (libxml2's depth and size limits apply); comments are kept for line numbers only.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_pis=False)


def _mentions(data: bytes, token: str) -> bool:
    return any(token.encode(enc) in data for enc in _ENCODINGS)


def refused(data: bytes, findings: Findings, file: str) -> bool:
    """True (with XML002) when the bytes declare entities: refused before any parsing."""
    if _mentions(data, _DOCTYPE) and _mentions(data, _ENTITY_DECL):
        at = data.find(_ENTITY_DECL.encode())
        findings.add("XML002", "the manifest's DOCTYPE declares entities; refused without parsing them", file=file,
                     line=data[:at].count(b"\n") + 1 if at >= 0 else None)
        return True
    return False


def not_well_formed(e: etree.XMLSyntaxError, findings: Findings, file: str) -> None:
    line = e.lineno if e.lineno and e.lineno > 0 else None
    findings.add("XML001", f"{file} is not well-formed XML: {e.msg}", file=file, line=line)


def checked_root(root: etree._Element, data: bytes, findings: Findings, file: str) -> etree._Element | None:
    """The parsed root, or None when the second line of defence (an encoding the byte scan does not know) finds
    entity declarations or references; notes a DOCTYPE."""
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if (dtd is not None and any(True for _ in dtd.iterentities())) or any(
            isinstance(n, etree._Entity) for n in root.iter(etree.Entity)):
        findings.add("XML002", "the manifest's DOCTYPE declares entities; refused", file=file)
        return None
    if _mentions(data, _DOCTYPE) or tree.docinfo.doctype:
        findings.add("XML003", "the manifest has a DOCTYPE; it was not loaded", file=file)
    return root


def parse_manifest(data: bytes, findings: Findings, *, file: str = "imsmanifest.xml") -> etree._Element | None:
    """The manifest's root element (the whole tree), or None after recording why it cannot be used."""
    if refused(data, findings, file):
        return None
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as e:
        not_well_formed(e, findings, file)
        return None
    return checked_root(root, data, findings, file)
