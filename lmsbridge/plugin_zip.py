"""The companion Moodle plugin (local_lmsbridge) as an installable zip, and what an administrator must know.

The plugin's PHP lives in ``lmsbridge/moodle_plugin/`` (that folder is the plugin root) and ships as package
data. Moodle's plugin installer wants a zip with one top folder named like the plugin (``lmsbridge/``) for
``local/lmsbridge``. The zip is reproducible: same files, same bytes (sorted entries, fixed dates and modes),
so its SHA-1 says whether two copies hold the same plugin. Entries are stored, not deflated: the plugin is
small, and deflate output may differ between zlib builds, which would break the same-bytes promise.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from pydantic import BaseModel

from lmsbridge.moodle import PLUGIN_SERVICE_FUNCTIONS as SERVICE_FUNCTIONS

PLUGIN_ROOT = Path(__file__).resolve().parent / "moodle_plugin"
COMPONENT = "local_lmsbridge"
TOP_FOLDER = "lmsbridge"  # Moodle installs local_lmsbridge into <moodle>/local/lmsbridge

# The plugin's web-service functions, PLUGIN_FUNCTIONS, are named with the others in lmsbridge.moodle.

# Least privilege for the sync user's role, with why. Course-level ones can be granted at system level (a
# system role) or per course category. Checked live by tests/plugin/test_plugin_real_moodle.py.
SYNC_CAPABILITIES: dict[str, str] = {
    "webservice/rest:use": "call the REST protocol",
    "moodle/course:view": "enter courses the sync user is not enrolled in (web-service context check)",
    "moodle/course:viewhiddencourses": "enter courses that are hidden from learners",
    "moodle/course:manageactivities": "create and update the SCORM activities; list them",
    "mod/scorm:addinstance": "add a SCORM activity",
    "moodle/course:activityvisibility": "show or hide an activity",
    "moodle/grade:manage": "create and update manual grade items",
    "moodle/grade:edit": "set grades and feedback",
    "moodle/course:viewparticipants": "read who is enrolled, many courses per call",
    "moodle/course:enrolreview": "see suspended enrolments too",
    "moodle/user:viewalldetails": "see learners' idnumbers when reading enrolments and grades (as core shows them)",
    "moodle/grade:viewall": "read grades back",
    "moodle/competency:coursecompetencyview": "read competency links (authenticated users have it by default)",
    "moodle/user:create": "create many participants in one call",
    "enrol/manual:enrol": "enrol many participants in one call",
    "moodle/role:assign": "give the enrolled participants their role",
    "moodle/site:viewuseridentity": "find many participants by idnumber or e-mail in one call",
    "moodle/cohort:assign": "add many participants to cohorts in one call",
}

# One line for `lmsbridge doctor` when the plugin's functions are absent.
DOCTOR_HINT = ("install the companion plugin: `lmsbridge moodle-plugin --out local_lmsbridge.zip`, upload it in "
               "Site administration > Plugins > Install plugins, then add its functions ("
               + ", ".join(SERVICE_FUNCTIONS) + ") to the token's external service")

# 1980-01-01, the earliest date a zip can hold: no build time leaks into the bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__"}


class PluginZip(BaseModel):
    path: Path
    size: int
    sha1: str
    version: int
    release: str
    files: int


class PluginError(Exception):
    """The plugin's source folder is missing or incomplete (a broken installation of lmsbridge)."""


def plugin_files(root: Path = PLUGIN_ROOT) -> list[Path]:
    """The plugin's files, relative to its root, in zip order (sorted; caches and hidden files left out)."""
    if not (root / "version.php").is_file():
        raise PluginError(f"the companion plugin's sources are missing: no version.php in {root}; "
                          "reinstall lmsbridge")
    files = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not any(p.startswith(".") or p in _SKIP_DIRS for p in rel.parts) \
                and path.suffix != ".pyc":
            files.append(rel)
    return sorted(files, key=lambda p: p.as_posix())


def plugin_version(root: Path = PLUGIN_ROOT) -> tuple[str, int, str]:
    """(component, version, release) as version.php declares them."""
    text = (root / "version.php").read_text(encoding="utf-8")

    def field(name: str) -> str:
        match = re.search(rf"\$plugin->{name}\s*=\s*'?([^';]+)'?\s*;", text)
        if not match:
            raise PluginError(f"{root / 'version.php'}: no $plugin->{name}")
        return match.group(1).strip()

    return field("component"), int(field("version")), field("release")


def write_plugin_zip(out: Path, root: Path = PLUGIN_ROOT) -> PluginZip:
    """Write the installable zip to ``out`` (folders created as needed); the same sources give the same bytes."""
    component, version, release = plugin_version(root)
    files = plugin_files(root)
    dirs = sorted({parent.as_posix() for rel in files for parent in rel.parents if parent != Path(".")})
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in [TOP_FOLDER] + [f"{TOP_FOLDER}/{d}" for d in dirs]:
            info = zipfile.ZipInfo(name + "/", date_time=_EPOCH)
            info.external_attr = (0o40755 << 16) | 0x10  # a folder, rwxr-xr-x
            info.create_system = 3  # unix, so the modes above are read back
            zf.writestr(info, b"")
        for rel in files:
            info = zipfile.ZipInfo(f"{TOP_FOLDER}/{rel.as_posix()}", date_time=_EPOCH)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            zf.writestr(info, (root / rel).read_bytes())
    data = out.read_bytes()
    return PluginZip(path=out, size=len(data), sha1=hashlib.sha1(data).hexdigest(), version=version,
                     release=release, files=len(files))


def install_instructions(zip_path: Path) -> str:
    """What an administrator does with the zip, step by step (printed by `lmsbridge moodle-plugin`)."""
    caps = "\n".join(f"     - {cap}  ({why})" for cap, why in SYNC_CAPABILITIES.items())
    return f"""\
To install the companion plugin {COMPONENT} (Moodle 4.5 LTS or 5.0+):
  1. Site administration > Plugins > Install plugins: upload {zip_path.name}, then follow the upgrade screens.
     (Or unzip it into <moodle>/local/ so that <moodle>/local/lmsbridge/version.php exists, then run
     `php admin/cli/upgrade.php --non-interactive` or visit Site administration > Notifications.)
  2. Site administration > Server > Web services > External services: in the sync user's service, tick
     'Can upload files' and add the functions {', '.join(SERVICE_FUNCTIONS)}.
  3. The sync user's role needs (least privilege; no plugin capability of its own):
{caps}
  4. Check with: lmsbridge doctor"""
