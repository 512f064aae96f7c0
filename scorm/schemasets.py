"""Which XML Schema files a package of each SCORM version carries at its root, and where its manifest says they are.

ADL requires every control document a manifest references (xsi:schemaLocation) to sit at the package root, with
everything those documents import or include. The sets are taken from a schema directory laid out like
shared/scorm-schemas (scorm12/, scorm2004_4th/, ...); this module follows the references, so a package carries
what it needs and nothing else.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"

# version -> (folder in the schema directory, [(namespace, root schema file)] as written in xsi:schemaLocation)
SETS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "1.2": ("scorm12", [
        ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "adlcp_rootv1p2.xsd"),
    ]),
    "2004": ("scorm2004_4th", [
        ("http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd"),
        ("http://www.adlnet.org/xsd/adlcp_v1p3", "adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "imsss_v1p0.xsd"),
    ]),
}
_DTD_REF = re.compile(r"""["']([^"'\s]+\.dtd)["']""")


def schema_location(version: str) -> str:
    """The xsi:schemaLocation value: namespace/file pairs."""
    return " ".join(f"{ns} {file}" for ns, file in SETS[version][1])


def _references(path: Path) -> list[str]:
    """Files a schema or DTD refers to: xs:import/include/redefine, its DOCTYPE, a DTD's external entities."""
    if path.suffix == ".dtd":
        return _DTD_REF.findall(path.read_text(encoding="utf-8", errors="replace"))
    # recover: ims_xml.xsd (1.2) breaks a namespace rule libxml2 enforces; we only read its references.
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False, recover=True)
    tree = etree.parse(str(path), parser)
    refs = [el.get("schemaLocation") for el in tree.iter(f"{XS}import", f"{XS}include", f"{XS}redefine")]
    refs.append(tree.docinfo.system_url)
    return [r for r in refs if r]


def schema_files(schemas: Path, version: str) -> dict[str, Path]:
    """The files of one version's set a package needs: package path -> file in the schema directory.

    A reference to a remote copy (ADL's imscp_v1p1.xsd imports http://www.w3.org/2001/xml.xsd) is satisfied by
    the local file of that name in the set, which the package then carries too.
    """
    folder_name, roots = SETS[version]
    folder = schemas / folder_name
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder: --schemas must name a directory laid out like "
                                "shared/scorm-schemas (scorm12/, scorm2004_4th/, ...)")
    found: dict[str, Path] = {}
    todo = [PurePosixPath(file) for _, file in roots]
    while todo:
        rel = todo.pop()
        if str(rel) in found:
            continue
        path = folder / rel
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing from the schema set ({version} needs it)")
        found[str(rel)] = path
        for ref in _references(path):
            if urlsplit(ref).scheme:
                local = PurePosixPath(urlsplit(ref).path).name
                if (folder / local).is_file():
                    todo.append(PurePosixPath(local))
                continue
            todo.append(PurePosixPath(posixpath.normpath(str(rel.parent / ref))))
    return dict(sorted(found.items()))
