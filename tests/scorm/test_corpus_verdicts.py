"""Every third-party package in shared/scorm-corpus gets the verdict its MANIFEST.md gives, for the stated reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scorm.validate import validate_package

# file -> (verdict, codes that must be among the findings). Verdicts: "valid" (no errors), "warn" (no errors and
# the expected warnings), "invalid" (errors, including these codes). Reasons are MANIFEST.md's "why" column.
CORPUS: dict[str, tuple[str, set[str]]] = {
    "moodle/moodle_singlescobasic.zip": ("valid", set()),
    "moodle/moodle_singlesco_scorm12.zip": ("valid", set()),
    "moodle/moodle_RuntimeMinimumCalls_SCORM12.zip": ("valid", set()),
    "moodle/moodle_RuntimeMinimumCalls_SCORM12-mini.zip": ("valid", set()),
    "moodle/moodle_RuntimeBasicCalls_SCORM20043rdEdition.zip": ("valid", set()),
    # organizations/@default names no organization
    "moodle/moodle_complexscorm.zip": ("invalid", {"CAM003"}),
    # <organizations/> empty
    "moodle/moodle_singlescobasic_missingorg.zip": ("warn", {"CAM017"}),
    # manifest in a sub-folder
    "moodle/moodle_badscorm.zip": ("invalid", {"ZIP013"}),
    # a single HTML file, no manifest
    "moodle/moodle_invalid.zip": ("invalid", {"ZIP012"}),
    # 'imsmanifest.xml' whose content is not XML
    "moodle/moodle_validscorm.zip": ("invalid", {"XML001"}),
    # AICC package, no manifest
    "moodle/moodle_validaicc.zip": ("invalid", {"ZIP012"}),
    # 4th-ed. completionThreshold attributes in a 3rd-ed. manifest; no scormType; no files
    "fixtures/emp_AdlAttributes_SCORM20043rdEdition.zip": ("invalid", {"CAM016", "CAM011", "CAM007"}),
    # organizations/@default='NONEXISTENT_ORG'
    "fixtures/emp_CM-01-broken-default-org.zip": ("invalid", {"CAM003"}),
    # manifest only: referenced files absent
    "fixtures/emp_ComplexNestedOrganization_SCORM12.zip": ("invalid", {"CAM007", "CAM006"}),
    # no <schema>/<schemaversion>; no scormType (it is in a namespace that is not adlcp_v1p3)
    "fixtures/emp_ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip": ("invalid", {"VER002", "CAM013"}),
    # hrefs to non-existent files
    "fixtures/emp_InvalidFileReferences_SCORM12.zip": ("invalid", {"CAM006", "CAM007"}),
    # organization without identifier + dangling default
    "fixtures/emp_InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip": ("invalid", {"CAM002", "CAM003"}),
    # identifierref to a missing resource
    "fixtures/emp_ItemWithNonExistentResourceId_SCORM12.zip": ("invalid", {"CAM004"}),
    "fixtures/emp_LaunchUrlFromNestedItem_SCORM12.zip": ("valid", set()),
    # not well-formed XML
    "fixtures/emp_MalformedXml_SCORM12.zip": ("invalid", {"XML001"}),
    # lacks adlcp:scormType and index.html
    "fixtures/emp_MinimalValid_SCORM20043rdEdition.zip": ("invalid", {"CAM011", "CAM007"}),
    # SCO resource without href
    "fixtures/emp_MissingLaunchUrl_SCORM12.zip": ("invalid", {"CAM010"}),
    # content file absent (manifest only)
    "fixtures/emp_MissingRequiredFields_SCORM12.zip": ("invalid", {"CAM007"}),
    "fixtures/emp_MultipleItemsWithIdentifierRef_SCORM12.zip": ("valid", set()),
    # adlcp:dataFromLMS (2004 camelCase) in the 1.2 namespace
    "fixtures/emp_PrerequisitesTest_SCORM12.zip": ("invalid", {"CAM019"}),
}
# With the official XSDs the schema-level reasons show up as XSD001 as well.
XSD_CODES = {
    "fixtures/emp_PrerequisitesTest_SCORM12.zip": {"XSD001"},
    "fixtures/emp_InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip": {"XSD001"},
    "fixtures/emp_AdlAttributes_SCORM20043rdEdition.zip": {"XSD001"},
}
MANIFEST_VERDICT = {"valid": "valid", "valid-but-warn": "warn", "INVALID": "invalid"}


def manifest_rows(corpus: Path) -> dict[str, str]:
    """file -> verdict, from MANIFEST.md's table (its 'expected' column)."""
    rows = {}
    for line in (corpus / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`"):
            word = re.match(r"(valid-but-warn|valid|INVALID)", cells[3])
            assert word, f"MANIFEST.md: unknown verdict {cells[3]!r} for {cells[0]}"
            rows[cells[0].split("`")[1]] = MANIFEST_VERDICT[word.group(1)]
    return rows


@pytest.fixture(scope="module")
def corpus(shared: Path) -> Path:
    return shared / "scorm-corpus"


def test_table_matches_manifest_md(corpus: Path) -> None:
    """Our table covers every package of the corpus with the verdict MANIFEST.md gives."""
    on_disk = {str(p.relative_to(corpus)) for p in corpus.glob("*/*.zip")}
    assert set(manifest_rows(corpus)) == on_disk
    assert {f: v for f, (v, _) in CORPUS.items()} == manifest_rows(corpus)


@pytest.mark.parametrize("with_schemas", [True, False], ids=["xsd", "cam-only"])
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_verdict(shared: Path, corpus: Path, name: str, with_schemas: bool) -> None:
    verdict, codes = CORPUS[name]
    report = validate_package(corpus / name, schemas=shared / "scorm-schemas" if with_schemas else None)
    shown = "\n".join(f"{f.severity} {f.code} {f.where} {f.message}" for f in report.findings)
    if verdict == "invalid":
        assert not report.ok, f"{name} should be rejected:\n{shown}"
        expected = codes | (XSD_CODES.get(name, set()) if with_schemas else set())
        assert expected <= {f.code for f in report.errors}, f"{name}: expected {expected}:\n{shown}"
    else:
        assert report.ok, f"{name} should be accepted:\n{shown}"
        assert codes <= {f.code for f in report.warnings}, f"{name}: expected warnings {codes}:\n{shown}"
        assert report.version is not None
        assert report.schemas_checked is with_schemas


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_offline_verdict(corpus: Path, name: str) -> None:
    """None of these packages loads anything from the internet (golf examples only link to scorm.com): the
    Moodle app plays exactly the valid SCORM 1.2 ones offline."""
    report = validate_package(corpus / name)
    assert not {f.code for f in report.findings} & {"NET001", "CAM008"}
    expected = "yes" if CORPUS[name][0] != "invalid" and report.version == "1.2" else "no"
    assert report.offline is not None and report.offline.playable == expected, report.offline
