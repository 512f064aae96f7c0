"""imsmanifest.xml for SCORM 1.2 (IMS CP 1.1.2) and SCORM 2004 4th Edition (IMS CP 1.1.4 + IMS SS), with lxml.

One organization with one item, whose SCO resource (index.html) depends on one asset resource (assets/*).
The two versions share the structure; they differ in namespaces, the spelling of scormtype, and how the pass mark
is stated (1.2: adlcp:masteryscore; 2004: a primary objective satisfied by measure at the scaled passing score).
Element order follows the XSDs. xsi:schemaLocation is always declared, with the standard file names, so a strict
validator knows the controlling documents whether or not the package carries them (build --schemas ships them).
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from scorm.schemasets import schema_location

XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES: dict[str, dict[str | None, str]] = {
    "1.2": {None: "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
            "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2", "xsi": XSI},
    "2004": {None: "http://www.imsglobal.org/xsd/imscp_v1p1", "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
             "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3", "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
             "imsss": "http://www.imsglobal.org/xsd/imsss", "xsi": XSI},
}
SCHEMA_VERSION = {"1.2": "1.2", "2004": "2004 4th Edition"}
SCORMTYPE = {"1.2": "scormtype", "2004": "scormType"}  # the attribute's spelling differs between the versions


def identifiers(module_id: str, lang: str) -> dict[str, str]:
    """NCName identifiers (a letter first, whatever the module id starts with), stable across builds."""
    return {"manifest": f"MANIFEST-{module_id}-{lang}", "organization": f"ORG-{module_id}",
            "item": f"ITEM-{module_id}", "sco": f"RES-{module_id}-sco", "assets": f"RES-{module_id}-assets",
            "objective": f"OBJ-{module_id}-primary"}


def scaled_passing_score(mastery_score: int) -> str:
    """80 -> "0.8": exact decimal text, no float rounding."""
    return str((Decimal(mastery_score) / 100).normalize())


def manifest_xml(*, version: str, module_id: str, lang: str, title: str, module_version: str,
                 mastery_score: int, sco_files: list[str], asset_files: list[str]) -> bytes:
    """The manifest's bytes. sco_files start with the launch file; asset_files are the shared assets."""
    nsmap = NAMESPACES[version]
    cp, adlcp = nsmap[None], nsmap["adlcp"]
    ids = identifiers(module_id, lang)

    def el(parent: etree._Element, tag: str, ns: str = cp, text: str | None = None, **attrs: str) -> etree._Element:
        node = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        node.text = text
        return node

    root = etree.Element(f"{{{cp}}}manifest", nsmap=nsmap, identifier=ids["manifest"], version=module_version)
    root.set(f"{{{XSI}}}schemaLocation", schema_location(version))
    metadata = el(root, "metadata")
    el(metadata, "schema", text="ADL SCORM")
    el(metadata, "schemaversion", text=SCHEMA_VERSION[version])

    organizations = el(root, "organizations", default=ids["organization"])
    organization = el(organizations, "organization", identifier=ids["organization"])
    el(organization, "title", text=title)
    item = el(organization, "item", identifier=ids["item"], identifierref=ids["sco"])
    el(item, "title", text=title)
    if version == "1.2":
        el(item, "masteryscore", adlcp, text=str(mastery_score))
    else:
        ss = nsmap["imsss"]
        sequencing = el(item, "sequencing", ss)
        primary = el(el(sequencing, "objectives", ss), "primaryObjective", ss, objectiveID=ids["objective"],
                     satisfiedByMeasure="true")
        el(primary, "minNormalizedMeasure", ss, text=scaled_passing_score(mastery_score))
        # The SCO reports completion and success itself: without this the LMS may mark it complete on launch.
        el(sequencing, "deliveryControls", ss, completionSetByContent="true", objectiveSetByContent="true")
        el(el(organization, "sequencing", ss), "controlMode", ss, choice="true", flow="true")

    resources = el(root, "resources")
    for key, scormtype, files in (("sco", "sco", sco_files), ("assets", "asset", asset_files)):
        attrs = {"identifier": ids[key], "type": "webcontent", f"{{{adlcp}}}{SCORMTYPE[version]}": scormtype}
        if key == "sco":
            attrs["href"] = files[0]
        resource = el(resources, "resource", **attrs)
        for f in files:
            el(resource, "file", href=f)
        if key == "sco":
            el(resource, "dependency", identifierref=ids["assets"])
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out
