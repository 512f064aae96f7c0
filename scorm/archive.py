"""Byte-for-byte reproducible zips: the same files give the same bytes, on any machine, at any time.

Everything a zip records besides the content is fixed: entry order (sorted), timestamps, permissions, the
creating system, compression method and level. Only relative POSIX paths are accepted.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
UNIX = 3                             # create_system: the same on every build machine
FILE_MODE = 0o100644                 # regular file, rw-r--r--


def write_zip(path: Path, files: dict[str, bytes]) -> None:
    """Writes files (package path -> bytes) to path, atomically (a reader never sees half a zip)."""
    for name in files:
        p = PurePosixPath(name)
        if p.is_absolute() or ".." in p.parts or "\\" in name or not name or name.endswith("/"):
            raise ValueError(f"{name!r}: a package path must be relative, use / and stay inside the package")
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, path)
