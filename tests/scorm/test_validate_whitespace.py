"""Identifiers and references follow the XSDs' whitespace rules: one small manifest per case of ADL's SCORM 2004
4th Edition conformance suite that puts spaces around an identifier (adlnet/SCORM-2004-4ed-Test-Suite,
LMSTestPackage_<case>/imsmanifest.xml), each accepted as libxml2's schema validation accepts it, and the
neighbouring cases the schema types decide the other way.

xs:ID, xs:IDREF and xs:anyURI collapse whitespace; item and dependency identifierref are xs:string (as written).
Where a reference holds only after collapsing, Moodle (which compares as written) would miss it: CAM030 warns.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from scorm.validate import validate_package

NS = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
      'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"')


def manifest(*, manifest_id: str = "M", default: str = "ORG", org_id: str = "ORG", item_id: str = "activity_1",
             identifierref: str = "SEQ01", resource_id: str = "SEQ01", href: str = "SequencingTest.htm",
             item_seq: str = "", collection: str = "", dependency: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{manifest_id}" version="1.0" {NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="{default}">
    <organization identifier="{org_id}">
      <title>Test</title>
      <item identifier="{item_id}" identifierref="{identifierref}">
        <title>Activity 1</title>{item_seq}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="{resource_id}" type="webcontent" adlcp:scormType="sco" href="{href}">
      <file href="SequencingTest.htm"/>{dependency}
    </resource>
    <resource identifier="  BROWSERDETECT01   " type="webcontent" adlcp:scormType="asset">
      <file href="browserdetect.js"/>
    </resource>
  </resources>{collection}
</manifest>
"""


def check(tmp_path: Path, shared: Path, xml: str) -> dict[str, list[str]]:
    """Validated with the official XSDs: codes -> messages, and the package must be valid."""
    path = tmp_path / "case.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", xml)
        zf.writestr("SequencingTest.htm", "<p>test</p>")
        zf.writestr("browserdetect.js", "var x = 1;")
    report = validate_package(path, schemas=shared / "scorm-schemas")
    assert report.schemas_checked
    found: dict[str, list[str]] = {}
    for f in report.findings:
        found.setdefault(f.code, []).append(f.message)
    return found


def test_cm_07e_organization_identifier_with_spaces(tmp_path: Path, shared: Path) -> None:
    # CM-07e: <organization identifier="   CASETEST   ">, default="CASETEST".
    found = check(tmp_path, shared, manifest(default="CASETEST", org_id="   CASETEST   "))
    assert set(found) <= {"CAM030"}, found
    assert found["CAM030"] == ["organizations/@default 'CASETEST' names the <organization> on line 5, whose "
                               "identifier is written '   CASETEST   '"]


def test_cm_08_item_identifier_and_sequencing_idref_with_spaces(tmp_path: Path, shared: Path) -> None:
    # CM-08: <item identifier="  activity_1  ">, <imsss:sequencing IDRef="  GeneralSequencing  "> naming
    # <imsss:sequencing ID="GeneralSequencing       "> of the sequencingCollection.
    found = check(tmp_path, shared, manifest(
        item_id="  activity_1  ", item_seq='<imsss:sequencing IDRef="  GeneralSequencing  "/>',
        collection='<imsss:sequencingCollection><imsss:sequencing ID="GeneralSequencing       ">'
                   '<imsss:controlMode flow="true"/></imsss:sequencing></imsss:sequencingCollection>'))
    assert found == {}, found


def test_ob_02a_manifest_default_and_organization_with_spaces(tmp_path: Path, shared: Path) -> None:
    # OB-02a: manifest identifier "  LMSTestPackage_OB-02a  ", default "  OB-02a  ", organization
    # "         OB-02a ", and an objective referenced through spaced anyURIs.
    seq = ('<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>'
           '<imsss:ruleCondition referencedObjective="  %20obj%20%201%20  " condition="satisfied"/>'
           '</imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>'
           '</imsss:sequencingRules><imsss:objectives><imsss:primaryObjective objectiveID="%20obj%20%201%20"/>'
           '</imsss:objectives></imsss:sequencing>')
    found = check(tmp_path, shared, manifest(manifest_id="  LMSTestPackage_OB-02a  ", default="  OB-02a  ",
                                             org_id="         OB-02a ", item_seq=seq))
    assert set(found) <= {"CAM030"}, found
    assert len(found["CAM030"]) == 1 and "organizations/@default '  OB-02a  '" in found["CAM030"][0]


def test_ob_02b_resource_identifiers_with_spaces(tmp_path: Path, shared: Path) -> None:
    # OB-02b: <resource identifier="   SEQ01     ">, referenced as "SEQ01" by the item, and a dependency on
    # "BROWSERDETECT01", whose resource is written "  BROWSERDETECT01   ".
    found = check(tmp_path, shared, manifest(resource_id="   SEQ01     ",
                                             dependency='<dependency identifierref="BROWSERDETECT01"/>'))
    assert set(found) == {"CAM030"}, found  # valid; but Moodle would launch nothing and miss the dependency
    assert sorted(m.split(" names ")[0] for m in found["CAM030"]) == [
        "item 'activity_1' identifierref 'SEQ01'", "resource 'SEQ01' dependency 'BROWSERDETECT01'"]


def test_ob_11a_and_ob_12a_objective_ids_with_spaces(tmp_path: Path, shared: Path) -> None:
    # OB-11a / OB-12a: adlseq objectiveID="   obj   ", mapInfo targetObjectiveID="  %20gAdlObj%20-%20OB11a  ".
    seq = ('<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="   obj   ">'
           '<imsss:mapInfo targetObjectiveID="  %20gAdlObj%20-%20OB11a  "/></imsss:primaryObjective>'
           '</imsss:objectives></imsss:sequencing>')
    assert check(tmp_path, shared, manifest(item_seq=seq)) == {}


def test_href_with_spaces_around_is_the_file(tmp_path: Path, shared: Path) -> None:
    # href is xs:anyURI: "  SequencingTest.htm " is the file SequencingTest.htm.
    assert check(tmp_path, shared, manifest(href="  SequencingTest.htm ")) == {}


def test_identifierref_with_spaces_is_compared_as_written(tmp_path: Path, shared: Path) -> None:
    # identifierref is an xs:string: " SEQ01 " is not SEQ01 (ADL's validator agrees; libxml2 does not check it).
    path = tmp_path / "case.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest(identifierref=" SEQ01 "))
        zf.writestr("SequencingTest.htm", "x")
        zf.writestr("browserdetect.js", "x")
    report = validate_package(path)
    [error] = report.errors
    assert error.code == "CAM004" and "' SEQ01 ' names 'SEQ01' only without its spaces" in error.message


@pytest.mark.parametrize("ids, code", [
    ({"item_id": "activity 1"}, "CAM029"),                          # inner space: not an NCName after collapsing
    ({"org_id": " ORG", "item_id": "ORG  "}, "CAM001"),             # the same ID once collapsed
    ({"item_seq": '<imsss:sequencing IDRef="Nowhere"/>'}, "CAM031"),  # IDRef with no shared sequencing
])
def test_what_collapsing_does_not_forgive(tmp_path: Path, ids: dict[str, str], code: str) -> None:
    path = tmp_path / "case.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest(**ids))
        zf.writestr("SequencingTest.htm", "x")
        zf.writestr("browserdetect.js", "x")
    assert code in {f.code for f in validate_package(path).errors}
