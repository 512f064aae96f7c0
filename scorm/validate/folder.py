"""A package as an unpacked folder, or only its manifest: how ADL's suite and authors on their own machines check one.

The folder is walked without following links (a link is reported, as in a zip, and not read); sizes and counts
are held to the same Limits as a zip, and files are read bounded, one at a time. Nothing is written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from scorm.validate.findings import Findings
from scorm.validate.ziprules import (CHUNK, MANIFEST, Limits, Visitor, Wants, ZipContents, check_case_clashes,
                                     check_manifest_place, is_clutter)


class Unreadable(Exception):
    pass


def _read(path: Path, cap: int) -> bytes | None:
    """At most cap bytes; None when the file is larger (it is not read further). Unreadable: the OS refused."""
    chunks, used = [], 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(min(CHUNK, cap + 1 - used)):
                used += len(chunk)
                if used > cap:
                    return None
                chunks.append(chunk)
    except OSError as e:
        raise Unreadable(e.strerror or str(e)) from None
    return b"".join(chunks)


def inspect_folder(folder: Path, limits: Limits, findings: Findings, *, visit: Visitor | None = None,
                   wants: Wants | None = None) -> ZipContents:
    contents = ZipContents(unpacked_bytes=0)
    names: list[str] = []
    too_many = False
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for entry in sorted(filenames) + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / entry
            name = path.relative_to(folder).as_posix()
            if len(names) >= limits.max_entries:
                too_many = True
                break
            names.append(name)
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                findings.add("ZIP005", f"{name!r} is a symbolic link (not followed)", file=name,
                             hint="Zipped, a link either becomes a link entry (refused by LMSs) or silently "
                                  "copies what it points to. Replace the link by the file it points to.")
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if is_clutter(name):
                contents.clutter.add(name)
                continue
            contents.unpacked_bytes = (contents.unpacked_bytes or 0) + st.st_size
            if contents.unpacked_bytes > limits.max_total_bytes:
                findings.add("ZIP009", f"the folder holds more than {limits.max_total_bytes:,} bytes (stopped at "
                                       f"{name!r})", file=name)
                return contents
            try:
                if name == MANIFEST:
                    data = _read(path, limits.max_manifest_bytes)
                    if data is None:
                        findings.add("ZIP009", f"{MANIFEST} is larger than {limits.max_manifest_bytes:,} bytes",
                                     file=MANIFEST)
                    contents.manifest = data
                elif visit is not None and wants is not None and wants(name):
                    data = _read(path, limits.max_manifest_bytes)
                    if data is None:
                        findings.add("NET002", f"{name!r} is larger than {limits.max_manifest_bytes:,} bytes; "
                                               "not scanned for internet references", file=name)
                    else:
                        visit(name, data)
            except Unreadable as e:
                findings.add("ZIP011", f"{name!r} cannot be read: {e}", file=name,
                             hint="Make the file readable (its permissions), or remove it from the package.")
                continue
            contents.files.add(name)
        if too_many:
            findings.add("ZIP008", f"more than {limits.max_entries} files; the limit is {limits.max_entries}",
                         hint="Point the validator at the package's folder (the one holding imsmanifest.xml), "
                              "not at a folder above it; or remove unused files.")
            break
    if contents.clutter:
        shown = sorted(contents.clutter)
        findings.add("ZIP014", f"{len(shown)} clutter files: {', '.join(shown[:5])}{' ...' if len(shown) > 5 else ''}",
                     file=shown[0], hint="Files such as .DS_Store and Thumbs.db are not content; leave them out "
                                         "when you zip the folder.")
    check_case_clashes(names, findings, what="files")
    if MANIFEST not in names:
        check_manifest_place(names, findings, folder=True)
    return contents


def read_manifest_only(path: Path, limits: Limits, findings: Findings) -> ZipContents:
    """Only the manifest: nothing else of the package is seen (complete=False)."""
    contents = ZipContents(complete=False)
    try:
        data = _read(path, limits.max_manifest_bytes)
    except Unreadable as e:
        findings.add("ZIP011", f"{path.name} cannot be read: {e}", file=MANIFEST,
                     hint="Make the file readable (its permissions).")
        return contents
    if data is None:
        findings.add("ZIP009", f"{path.name} is larger than {limits.max_manifest_bytes:,} bytes", file=MANIFEST,
                     hint="A manifest is a few kilobytes to a few megabytes; this one is not a plausible manifest.")
    contents.manifest = data
    return contents
