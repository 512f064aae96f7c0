"""The catalogue of finding codes: each code's default severity, what it means and what to do about it.

Codes are stable: tools and people grep for them, so a code is never reused for another meaning. CODES.md (next to
this module) is the table for readers; a test keeps the two in step.
Families: ZIP (the archive, or the folder), XML (the manifest as XML), VER (SCORM version), CAM (content aggregation
rules of the specifications, written as our own checks), NET (what the content would fetch from the internet), XSD
(the official schemas, offline). Severities: an error rejects the package, a warning does not, an info only says
what the validator could not see.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "info"]


class Code(NamedTuple):
    severity: Severity   # default; a few CAM/VER rules are errors in SCORM 2004 but warnings in 1.2 (see CODES.md)
    title: str
    hint: str


# Rules that SCORM 2004 makes mandatory and SCORM 1.2 only recommends: errors in 2004, warnings in 1.2.
LENIENT_IN_12 = frozenset({"VER002", "VER004", "VER005", "CAM020", "CAM021", "CAM022", "CAM024", "CAM025"})

CODES: dict[str, Code] = {
    # --- the zip, read without extracting anything ---
    "ZIP001": Code("error", "not a readable zip archive",
                   "Upload a .zip file; re-create it with a standard zip tool if it is damaged."),
    "ZIP002": Code("error", "entry path climbs out of the package (..)",
                   "Zip slip: an LMS unpacking this could write outside the package folder. Rebuild the zip from "
                   "the package folder so that every path is relative and stays inside it."),
    "ZIP003": Code("error", "entry path is absolute or has a drive letter",
                   "Rebuild the zip with paths relative to the package root (no leading / and no C:)."),
    "ZIP004": Code("error", "entry path uses backslashes",
                   "Backslashes are not folder separators in zip files; an LMS on Linux makes odd file names of "
                   "them. Re-zip with a tool that writes / (e.g. 7-Zip, Info-ZIP, Python's zipfile)."),
    "ZIP005": Code("error", "symbolic link entry",
                   "Links can point outside the package when unpacked. Replace the link by the file it points to."),
    "ZIP006": Code("error", "encrypted entry",
                   "An LMS cannot read password-protected entries. Re-zip without encryption."),
    "ZIP007": Code("error", "duplicate entry name",
                   "Two entries with one name: which one an LMS keeps is undefined. Re-zip from the folder."),
    "ZIP008": Code("error", "too many entries",
                   "Remove unused files; packages with this many entries are refused as a safety measure "
                   "(scorm.validate.Limits)."),
    "ZIP009": Code("error", "total uncompressed size over the limit",
                   "The package unpacks to more than the limit (possible zip bomb); remove large unused files. "
                   "The limits are scorm.validate.Limits."),
    "ZIP010": Code("error", "compression ratio bomb",
                   "An entry expands far more than real content does (zip bomb). Do not upload this package."),
    "ZIP011": Code("error", "entry cannot be read back intact",
                   "The entry's data is damaged (CRC or size mismatch) or uses a compression method LMSs do not "
                   "read. Re-zip with the standard deflate method."),
    "ZIP012": Code("error", "no imsmanifest.xml at the package root",
                   "A SCORM package is a zip with imsmanifest.xml (exactly that name, lower case) at its root."),
    "ZIP013": Code("error", "imsmanifest.xml sits in a sub-folder",
                   "Zip the folder's contents, not the folder: select the files inside it (imsmanifest.xml and "
                   "the rest) and zip those."),
    "ZIP014": Code("warning", "operating-system clutter in the zip",
                   "Files such as __MACOSX/, .DS_Store and Thumbs.db are not content; re-zip without them."),
    "ZIP015": Code("warning", "entry names differ only in letter case",
                   "On Windows and macOS these unpack onto one file; rename one of them."),
    # --- the manifest as XML ---
    "XML001": Code("error", "imsmanifest.xml is not well-formed XML",
                   "Fix the XML at the line given (an unclosed tag, a stray &, a wrong encoding) and re-zip."),
    "XML002": Code("error", "DOCTYPE declares entities (refused: XXE / entity expansion)",
                   "A manifest needs no DTD. Remove the <!DOCTYPE ...> and any &entity; references; nothing in "
                   "the file was expanded or fetched."),
    "XML003": Code("warning", "DOCTYPE present (ignored)",
                   "A manifest needs no DTD; the DOCTYPE was not loaded. Remove it."),
    "XML004": Code("error", "root element is not an IMS content package <manifest>",
                   "The root must be <manifest> in the IMS CP namespace of SCORM 1.2 "
                   "(http://www.imsproject.org/xsd/imscp_rootv1p1p2) or 2004 "
                   "(http://www.imsglobal.org/xsd/imscp_v1p1)."),
    # --- SCORM version ---
    "VER001": Code("error", "SCORM version cannot be determined",
                   "Declare the version: <metadata><schema>ADL SCORM</schema><schemaversion>1.2 | "
                   "2004 4th Edition</schemaversion></metadata> and the matching namespaces."),
    "VER002": Code("error", "<schemaversion> missing",
                   "Add <metadata><schema>ADL SCORM</schema><schemaversion>...</schemaversion></metadata> to the "
                   "manifest (required in SCORM 2004; a warning in 1.2)."),
    "VER003": Code("error", "SCORM version is ambiguous",
                   "The schemaversion and the namespaces name different SCORM versions; make them agree "
                   "(1.2: imscp_rootv1p1p2 + adlcp_rootv1p2; 2004: imscp_v1p1 + adlcp_v1p3)."),
    "VER004": Code("error", "unknown <schemaversion> value",
                   "SCORM 2004 allows 'CAM 1.3' (2nd ed.), '2004 3rd Edition' or '2004 4th Edition'; SCORM 1.2 "
                   "expects '1.2' (a warning there)."),
    "VER005": Code("error", "<schema> is not 'ADL SCORM'",
                   "Write <schema>ADL SCORM</schema> in the manifest's <metadata> (a warning in 1.2)."),
    # --- CAM rules (our own checks of the specifications) ---
    "CAM001": Code("error", "duplicate identifier",
                   "Identifiers are XML IDs and must be unique in the manifest; rename one of them."),
    "CAM002": Code("error", "identifier missing",
                   "Give the element an identifier attribute (an XML name: a letter first, no spaces)."),
    "CAM003": Code("error", "organizations/@default names no organization",
                   "Set <organizations default=\"...\"> to the identifier of one of its <organization> elements."),
    "CAM004": Code("error", "item identifierref names no resource",
                   "Point the item's identifierref at the identifier of a <resource>, or add that resource."),
    "CAM005": Code("error", "dependency identifierref names no resource",
                   "Point the <dependency identifierref> at an existing <resource>, or remove the dependency."),
    "CAM006": Code("error", "file listed in the manifest is not in the package",
                   "Add the file to the package, or correct the <file href> (paths are case-sensitive)."),
    "CAM007": Code("error", "resource launch file (href) is not in the package",
                   "Add the launch file to the package, or correct the resource's href (case-sensitive)."),
    "CAM008": Code("warning", "reference to an external URL",
                   "Content loaded from the internet breaks offline use and the Moodle app; ship it in the package."),
    "CAM009": Code("error", "reference climbs out of the package (..)",
                   "References must stay inside the package; put the file in the package and reference it there."),
    "CAM010": Code("error", "SCO resource without href",
                   "A SCO must say which file to launch: add href=\"...\" to the resource."),
    "CAM011": Code("error", "scormtype missing",
                   "Add adlcp:scormtype=\"sco|asset\" (SCORM 1.2) or adlcp:scormType=\"sco|asset\" (2004) to the "
                   "resource."),
    "CAM012": Code("error", "scormtype value not in the vocabulary",
                   "Use exactly 'sco' (it talks to the LMS) or 'asset' (it does not), lower case."),
    "CAM013": Code("error", "scormtype spelled for the other SCORM version or in the wrong namespace",
                   "SCORM 1.2 spells it adlcp:scormtype (adlcp_rootv1p2), SCORM 2004 adlcp:scormType (adlcp_v1p3)."),
    "CAM014": Code("error", "masteryscore out of range",
                   "adlcp:masteryscore is a number from 0 to 100."),
    "CAM015": Code("error", "measure out of range",
                   "imsss:minNormalizedMeasure is a decimal from -1 to 1; completion threshold values from 0 to 1."),
    "CAM016": Code("error", "SCORM 2004 4th Edition feature in an earlier-edition manifest",
                   "Declare <schemaversion>2004 4th Edition</schemaversion>, or remove the 4th-edition feature."),
    "CAM017": Code("warning", "no organization (empty <organizations/>)",
                   "Without an organization Moodle launches the first SCO it finds; add an <organization> with "
                   "an item for each SCO so the table of contents is what you intend."),
    "CAM018": Code("warning", "file in the zip is not listed in the manifest",
                   "List it in a <resource> as <file href=\"...\"> or remove it from the package."),
    "CAM019": Code("error", "unknown element in an ADL namespace",
                   "The element is not part of this SCORM version's ADL schema (often: the other version's "
                   "spelling); correct it or remove it."),
    "CAM020": Code("error", "organizations has no default attribute",
                   "Add default=\"...\" naming the organization to launch (required in 2004; a warning in 1.2)."),
    "CAM021": Code("error", "title missing",
                   "Give the organization or item a <title>: learners and Moodle show it (a warning in 1.2)."),
    "CAM022": Code("error", "item with child items also references a resource",
                   "Only leaf items may launch a resource: move the identifierref to a child item "
                   "(a warning in 1.2)."),
    "CAM023": Code("error", "item references a resource that has no href",
                   "A launched resource needs an href; give it one or reference another resource."),
    "CAM024": Code("error", "leaf item references no resource",
                   "A leaf item must launch something: add identifierref=\"<resource id>\" (a warning in 1.2)."),
    "CAM025": Code("error", "resource type is not 'webcontent'",
                   "SCORM resources have type=\"webcontent\" (a warning in 1.2)."),
    "CAM026": Code("error", "value not in the vocabulary",
                   "Use one of the values the specification lists for this element (see the message)."),
    "CAM027": Code("error", "organization has no item",
                   "An organization needs at least one <item>."),
    "CAM028": Code("error", "required manifest element missing",
                   "A manifest has <organizations> and <resources> (in that order) under <manifest>."),
    "CAM029": Code("error", "identifier is not an XML name",
                   "Identifiers are XML IDs: start with a letter or _, then letters, digits, '.', '-' or '_'."),
    "CAM030": Code("warning", "reference matches only once the schema trims the spaces around an identifier",
                   "Valid (xs:ID and xs:IDREF values are whitespace-collapsed), but Moodle compares identifiers as "
                   "written and will not find the target: remove the spaces around the identifier."),
    "CAM031": Code("error", "sequencing IDRef names no shared sequencing",
                   "Point imsss:sequencing/@IDRef at the ID of an <imsss:sequencing> in the manifest's "
                   "<imsss:sequencingCollection>, or remove the IDRef."),
    "CAM032": Code("info", "file not checked: only the manifest was given",
                   "Validate the package's folder or zip to check that the file is there (and what it loads)."),
    # --- what the content fetches from the internet ---
    "NET001": Code("warning", "resource fetched from the internet",
                   "The page loads this from another site: it fails offline and in the Moodle app's offline mode, "
                   "and tells that site about every learner's visit. Put a copy in the package and reference it "
                   "with a relative path."),
    "NET002": Code("info", "file not scanned for internet references",
                   "The file is too large or not text; check by hand what it loads."),
    # --- XSD, offline ---
    "XSD001": Code("error", "manifest does not validate against the official XML Schema",
                   "Fix the element or attribute at the line given; the message is libxml2's."),
    "XSD002": Code("warning", "not validated against the XML Schemas",
                   "The schema directory lacks the set for this version or could not be loaded; point --schemas "
                   "(LMSBRIDGE_SCHEMAS) at a directory laid out like shared/scorm-schemas."),
    "XSD003": Code("warning", "schemaLocation names a file that is not at the package root",
                   "ADL requires every XSD the manifest references to sit at the package root: add it, or build "
                   "with --schemas so the set is copied in."),
    "XSD004": Code("info", "schemaLocation names the standard schema of its namespace, not carried",
                   "Validators and LMSs use their own copy of the official schema; ADL's conformance test also "
                   "wants the file at the package root (lmsbridge build --schemas ships it)."),
}
