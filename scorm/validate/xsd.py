"""Validation against the official SCORM XML Schemas, offline.

The schema directory is laid out like shared/scorm-schemas (scorm12/, scorm2004_2nd|3rd|4th/, w3c/, patched/) and
is read in place. A small driver schema, built in memory, imports every namespace of the detected version from
local files; a Resolver maps the W3C xml.xsd (and SCORM 1.2's ims_xml.xsd, which libxml2 cannot read: it makes
the xml namespace the default one) to w3c/xml.xsd and refuses every other remote URL. IMS MD 1.2.1 comes from
patched/ (its ##any wildcard breaks Unique Particle Attribution, which libxml2 always checks; IMS fixed it the
same way in 1.2.2).
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from scorm.validate.findings import Findings
from scorm.validate.version import ADLCP12, ADLCP2004, ADLNAV, ADLSEQ, CP12, CP2004, IMSSS, XSI
from scorm.validate.ziprules import MANIFEST, ZipContents

IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
W3C_XML_XSD = {"http://www.w3.org/2001/xml.xsd", "http://www.w3.org/2001/03/xml.xsd"}


class SchemaSetError(Exception):
    """The schema directory cannot give a usable schema for a version."""


def _imports(version: str) -> list[tuple[str, str]]:
    """(namespace, file relative to the schema directory) the driver imports for a version."""
    if version == "1.2":
        return [(CP12, "scorm12/imscp_rootv1p1p2.xsd"), (ADLCP12, "scorm12/adlcp_rootv1p2.xsd"),
                (IMSMD, "patched/imsmd_rootv1p2p1.xsd")]
    folder = {"2004 2nd": "scorm2004_2nd", "2004 3rd": "scorm2004_3rd", "2004 4th": "scorm2004_4th"}[version]
    found = [(CP2004, f"{folder}/imscp_v1p1.xsd"), (ADLCP2004, f"{folder}/adlcp_v1p3.xsd"),
             (ADLSEQ, f"{folder}/adlseq_v1p3.xsd"), (ADLNAV, f"{folder}/adlnav_v1p3.xsd"),
             (IMSSS, f"{folder}/imsss_v1p0.xsd"), (LOM, f"{folder}/lom.xsd")]
    if version == "2004 2nd":  # 2nd-edition packages may still carry IMS MD 1.2.1 metadata
        found.append((IMSMD, "patched/imsmd_rootv1p2p1.xsd"))
    return found


class _OfflineResolver(etree.Resolver):  # type: ignore[misc]  # lxml ships no type stubs
    def __init__(self, schemas: Path) -> None:
        super().__init__()
        self.xml_xsd = schemas / "w3c" / "xml.xsd"

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if url in W3C_XML_XSD or url.rsplit("/", 1)[-1] == "ims_xml.xsd":
            return self.resolve_filename(str(self.xml_xsd), context)
        if urlsplit(url).scheme not in ("", "file"):
            raise SchemaSetError(f"refused to fetch {url}: schema validation is offline")
        return None  # a local file: libxml2 reads it


@functools.lru_cache(maxsize=16)
def load_schema(schemas: Path, version: str) -> etree.XMLSchema:
    """The compiled schema of a version (cached: compiling the 2004 set takes a moment)."""
    imports = _imports(version)
    missing = [f for _, f in imports if not (schemas / f).is_file()]
    if not (schemas / "w3c" / "xml.xsd").is_file():
        missing.append("w3c/xml.xsd")
    if missing:
        raise SchemaSetError(f"{schemas} lacks {', '.join(missing)}")
    driver = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:lmsbridge:driver">'
              + "".join(f'<xs:import namespace="{ns}" schemaLocation="{(schemas / f).resolve().as_uri()}"/>'
                        for ns, f in imports) + "</xs:schema>")
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    parser.resolvers.add(_OfflineResolver(schemas))
    doc = etree.fromstring(driver.encode(), parser, base_url=(schemas.resolve() / "driver.xsd").as_uri())
    try:
        return etree.XMLSchema(etree.ElementTree(doc))
    except etree.XMLSchemaParseError as e:
        raise SchemaSetError(f"the {version} schema set in {schemas} does not load: {e}") from None


# namespace -> the file name its official schema has in every SCORM package (ADL's and IMS's own names)
STANDARD_LOCATIONS = {CP12: "imscp_rootv1p1p2.xsd", ADLCP12: "adlcp_rootv1p2.xsd", IMSMD: "imsmd_rootv1p2p1.xsd",
                      CP2004: "imscp_v1p1.xsd", ADLCP2004: "adlcp_v1p3.xsd", ADLSEQ: "adlseq_v1p3.xsd",
                      ADLNAV: "adlnav_v1p3.xsd", IMSSS: "imsss_v1p0.xsd", LOM: "lom.xsd"}


def check_schema_locations(root: etree._Element, contents: ZipContents, findings: Findings, *,
                           file: str = MANIFEST) -> None:
    """ADL: every XSD that xsi:schemaLocation names sits at the package root. A standard schema under its
    standard name that the package does not carry is only noted (XSD004): every validator has its own copy."""
    pairs = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
    for namespace, location in zip(pairs[0::2], pairs[1::2]):
        if not contents.complete:
            findings.add("CAM032", f"xsi:schemaLocation names {location!r}: not checked, only the manifest was "
                                   "given", file=file, line=root.sourceline)
        elif location in contents.files and "/" not in location:
            continue
        elif STANDARD_LOCATIONS.get(namespace) == location:
            findings.add("XSD004", f"xsi:schemaLocation names {location!r}, the standard schema of {namespace}, "
                                   "which the package does not carry", file=file, line=root.sourceline)
        else:
            where = "is a remote URL" if urlsplit(location).scheme else (
                "is not at the package root" if location in contents.files else "is not in the package")
            findings.add("XSD003", f"xsi:schemaLocation names {location!r}, which {where}", file=file,
                         line=root.sourceline)
