"""The manifest read as a stream, in two passes, so a manifest at the size cap stays within bounded memory.

Pass 1 (read_head) checks that the XML is well-formed and declares no entities, and keeps only the root element
and its <metadata>: enough to detect the version and read the root's attributes. Pass 2 (walk) feeds every
element to the CAM checker as it opens and closes and, with a schema, validates the stream against the official
XSDs at the same time; elements are cleared once checked. Same parser safety as safexml: no entity expansion,
no DTD loading, no network, libxml2's size limits on.
"""

from __future__ import annotations

import io

from lxml import etree

from scorm.validate.cam import CamChecker
from scorm.validate.findings import Findings
from scorm.validate.safexml import checked_root, not_well_formed, refused
from scorm.validate.ziprules import MANIFEST

SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
        "huge_tree": False}
MAX_XSD_REPORTED = 50


def read_head(data: bytes, findings: Findings, *, file: str = MANIFEST) -> etree._Element | None:
    """The root with its <metadata> children only, or None after recording why the manifest cannot be used."""
    if refused(data, findings, file):
        return None
    it = etree.iterparse(io.BytesIO(data), events=("start", "end"), **SAFE)
    depth, in_metadata = 0, False
    try:
        for event, el in it:
            if event == "start":
                depth += 1
                if depth == 2 and etree.QName(el).localname == "metadata":
                    in_metadata = True
                continue
            depth -= 1
            if depth == 1:
                in_metadata = False
            if depth >= 1 and not in_metadata and etree.QName(el).localname != "metadata":
                el.clear()  # checked for well-formedness; its content is pass 2's
    except etree.XMLSyntaxError as e:
        not_well_formed(e, findings, file)
        return None
    return checked_root(it.root, data, findings, file)


class _LineReader:
    """A file whose every read() returns one line: iterparse then hands out each line's events before reading
    on, so an XSD error can be given the line of the element the validator had just read (libxml2 gives no
    line when it validates a stream)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        chunk, self.pos = self.data[self.pos:end], end
        return chunk


def walk(data: bytes, checker: CamChecker, findings: Findings, *, schema: etree.XMLSchema | None = None,
         file: str = MANIFEST) -> None:
    """Pass 2: every element through the checker (and the schema); checked elements are cleared."""
    kwargs = dict(SAFE, schema=schema) if schema is not None else SAFE
    it = etree.iterparse(_LineReader(data), events=("start", "end"), **kwargs)
    resource = checker.q("resource")
    reported = xsd_errors = 0
    root_line = line = None
    try:
        for event, el in it:
            if event == "start":
                checker.start(el)
                line = el.sourceline
                root_line = root_line or line
            else:
                checker.end(el)
                parent = el.getparent()
                # A resource's own <file>/<dependency> children are read when the resource closes.
                if parent is not None and parent.tag != resource:
                    el.clear()
                    while el.getprevious() is not None:
                        del parent[0]
            if schema is None or xsd_errors >= MAX_XSD_REPORTED:
                continue  # past the reported ones, the rest are only counted at the end
            log = it.error_log
            if len(log) > reported:
                for err in list(log)[reported:]:
                    if err.domain_name.startswith("SCHEMAS") and xsd_errors < MAX_XSD_REPORTED:
                        xsd_errors += 1
                        findings.add("XSD001", err.message, file=file, line=line)
                reported = len(log)
    except etree.XMLSyntaxError:
        pass  # the schema's verdict, raised at the end (well-formedness was pass 1's): its errors are recorded
    if schema is not None and xsd_errors >= MAX_XSD_REPORTED:
        more = sum(e.domain_name.startswith("SCHEMAS") for e in it.error_log) - xsd_errors
        if more > 0:
            findings.add("XSD001", f"... and {more} more schema errors", file=file)
    checker.finish(root_line)
