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


def parse_manifest(data: bytes, findings: Findings, *, file: str = "imsmanifest.xml") -> etree._Element | None:
    """The manifest's root element, or None after recording why it cannot be used."""
    has_doctype = _mentions(data, _DOCTYPE)
    if has_doctype and _mentions(data, _ENTITY_DECL):
        at = data.find(_ENTITY_DECL.encode())
        findings.add("XML002", "the manifest's DOCTYPE declares entities; refused without parsing them", file=file,
                     line=data[:at].count(b"\n") + 1 if at >= 0 else None)
        return None
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as e:
        line = e.lineno if e.lineno and e.lineno > 0 else None
        findings.add("XML001", f"{file} is not well-formed XML: {e.msg}", file=file, line=line)
        return None
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    # Second line of defence (an encoding the byte scan does not know): entity declarations or references.
    if (dtd is not None and any(True for _ in dtd.iterentities())) or any(
            isinstance(n, etree._Entity) for n in root.iter(etree.Entity)):
        findings.add("XML002", "the manifest's DOCTYPE declares entities; refused", file=file)
        return None
    if has_doctype or tree.docinfo.doctype:
        findings.add("XML003", "the manifest has a DOCTYPE; it was not loaded", file=file)
    return root
