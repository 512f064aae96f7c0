"""A manifest at the 16 MiB cap validates in bounded memory: under 300 MB peak RSS for the whole `lmsbridge
validate` process, with the official XSDs, on a generated manifest of ~80,000 items and resources whose files
are all missing (so every check fires, and the findings are capped per code)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from scorm.validate import Limits

LIMIT_KB = 300 * 1000  # ru_maxrss is in kilobytes on Linux
# Runs the command as its own child and reports that child's peak: a fresh parent has no other children, so
# RUSAGE_CHILDREN is exactly the validating process's high-water mark.
MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "print(json.dumps({'rc': r.returncode, 'out': r.stdout[-4000:], 'err': r.stderr[-4000:], "
           "'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")


def manifest_at_cap(cap: int) -> bytes:
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="M" version="1" '
            'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">\n'
            '<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>\n'
            '<organizations default="O"><organization identifier="O"><title>Generated</title>\n')
    middle = "</organization></organizations>\n<resources>\n"
    tail = "</resources>\n</manifest>\n"
    items, resources = [], []
    size, i = len(head) + len(middle) + len(tail), 0
    while True:
        item = f'<item identifier="I{i}" identifierref="R{i}"><title>Page {i}</title></item>\n'
        res = (f'<resource identifier="R{i}" type="webcontent" adlcp:scormtype="sco" href="p/{i}.html">'
               f'<file href="p/{i}.html"/></resource>\n')
        if size + len(item) + len(res) > cap:
            break
        items.append(item)
        resources.append(res)
        size += len(item) + len(res)
        i += 1
    return (head + "".join(items) + middle + "".join(resources) + tail).encode()


def test_manifest_at_the_cap_validates_under_300_mb(tmp_path: Path, shared: Path) -> None:
    cap = Limits().max_manifest_bytes
    data = manifest_at_cap(cap)
    assert cap - 512 < len(data) <= cap
    pkg = tmp_path / "huge.zip"
    with zipfile.ZipFile(pkg, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", data)
    del data
    cmd = [sys.executable, "-c", "from lmsbridge.cli import main; main()", "validate",
           "--schemas", str(shared / "scorm-schemas"), str(pkg)]
    run = subprocess.run([sys.executable, "-c", "import json; " + MEASURE, *cmd], capture_output=True, text=True,
                         timeout=600, check=True)
    result = json.loads(run.stdout)
    assert result["rc"] == 1, result["err"]  # every file is missing: rejected, as it must be
    lines = result["out"].splitlines()
    assert lines[-1].startswith("  => REJECTED (SCORM 1.2, XSD checked; "), lines[-3:]
    assert any(re.search(r"\.\.\. and [\d,]{6} more CAM006 findings like the ones above$", line) for line in lines)
    print(f"peak RSS {result['maxrss_kb'] / 1000:.0f} MB")
    assert result["maxrss_kb"] < LIMIT_KB, f"peak {result['maxrss_kb'] / 1000:.0f} MB"
