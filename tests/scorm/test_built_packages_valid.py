"""Every package the builder makes from the real course_packages/ validates with zero errors and zero warnings:
both SCORM versions, every language and the multilingual package, with the schema set copied in and checked.

Modules are found on disk at collection time, so the test covers whatever modules exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorm.build import build_packages
from scorm.validate import format_report, validate_package

SOURCE = Path(__file__).resolve().parents[2] / "course_packages"
MODULES = sorted(p.parent.name for p in SOURCE.glob("*/*/module.toml"))


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("built")


def test_there_are_modules() -> None:
    assert MODULES, f"no module.toml under {SOURCE}"


@pytest.mark.parametrize("multilingual", [False, True], ids=["per-language", "multilingual"])
@pytest.mark.parametrize("module", MODULES)
def test_built_packages_validate_clean(shared: Path, out: Path, module: str, multilingual: bool) -> None:
    schemas = shared / "scorm-schemas"
    target = out / ("multi" if multilingual else "single") / module
    packages = build_packages(SOURCE, target, versions=("1.2", "2004"), modules=[module], schemas=schemas,
                              multilingual=multilingual)
    assert {p.version for p in packages} == {"1.2", "2004"}
    unclean = []
    for p in packages:
        report = validate_package(p.path, schemas=schemas)
        assert report.schemas_checked, format_report(report)
        assert report.version == ("1.2" if p.version == "1.2" else "2004 4th")
        if report.findings:
            unclean.append(format_report(report))
    assert not unclean, "\n\n".join(unclean)
