"""Zip safety, checked without extracting anything.

Names are judged from the central directory; sizes are not taken on trust: every entry is read back through a
bounded stream (decompressed bytes counted against a per-entry and a total budget), so a zip that lies in its
headers is caught by what it actually holds. Nothing is written to disk.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from scorm.validate.findings import Findings

MANIFEST = "imsmanifest.xml"
CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_AICC = (".crs", ".au", ".des", ".cst")


class Limits(BaseModel):
    """Ceilings for untrusted packages. Generous for real courses (video included), far below what a bomb needs."""

    max_entries: int = 20_000
    max_total_bytes: int = 4 * 1024**3         # unpacked size of the whole package
    max_ratio: int = 100                       # uncompressed / compressed, per entry ...
    ratio_floor: int = 1024**2                 # ... for entries above 1 MiB (small text compresses very well)
    max_manifest_bytes: int = 16 * 1024**2       # also the largest page, style sheet or script scanned (NET)


@dataclass
class ZipContents:
    """What the later checks need to know of a package, whether it came as a zip, a folder or a bare manifest."""

    files: set[str] = field(default_factory=set)      # names of file entries that are safe to reference
    clutter: set[str] = field(default_factory=set)    # __MACOSX/, .DS_Store, ...
    manifest: bytes | None = None                     # imsmanifest.xml at the root, when present and readable
    complete: bool = True                             # False: only the manifest was given, no file was seen
    unpacked_bytes: int | None = None                 # the files' total size (None: not seen)
    download_bytes: int | None = None                 # the zip's own size (None: not a zip)


# Called with each readable file's name and bytes when wants(name) said so: the internet-reference scan.
Visitor = Callable[[str, bytes], None]
Wants = Callable[[str], bool]


def is_directory(info: zipfile.ZipInfo) -> bool:
    return info.filename.endswith("/")


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def unsafe_name(name: str) -> tuple[str, str] | None:
    """(code, message) when the name could place a file outside the package or is not portable."""
    parts = re.split(r"[\\/]", name)
    if ".." in parts:
        return "ZIP002", f"entry {name!r} climbs out of the package with '..'"
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return "ZIP003", f"entry {name!r} is an absolute path"
    if "\\" in name:
        return "ZIP004", f"entry {name!r} uses backslashes as folder separators"
    if not name or "\x00" in name:
        return "ZIP003", f"entry name {name!r} is empty or contains a NUL byte"
    return None


def is_clutter(name: str) -> bool:
    parts = name.rstrip("/").split("/")
    return parts[0] == "__MACOSX" or parts[-1].lower() in _JUNK_NAMES or parts[-1].startswith("._")


def inspect_zip(path: Path, limits: Limits, findings: Findings, *, visit: Visitor | None = None,
                wants: Wants | None = None) -> ZipContents | None:
    """Checks the archive; returns what later checks need, or None when it is not a readable zip at all.
    visit(name, data) is called for each readable entry that wants(name) accepts (bounded like every read)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as e:
        findings.add("ZIP001", f"{path.name} is not a readable zip archive ({e})")
        return None
    with zf:
        contents = _inspect(zf, limits, findings, visit, wants)
    contents.download_bytes = path.stat().st_size
    return contents


def check_case_clashes(names: list[str], findings: Findings, what: str = "entries") -> None:
    """Names that differ only in letter case (sorted by their folded form: no dictionary of sets per name)."""
    ordered = sorted(set(names), key=lambda n: (n.lower(), n))
    i = 0
    while i < len(ordered):
        j = i + 1
        while j < len(ordered) and ordered[j].lower() == ordered[i].lower():
            j += 1
        if j - i > 1:
            group = sorted(ordered[i:j])
            findings.add("ZIP015", f"{what} {', '.join(map(repr, group))} differ only in letter case", file=group[0])
        i = j


def _inspect(zf: zipfile.ZipFile, limits: Limits, findings: Findings, visit: Visitor | None,
             wants: Wants | None) -> ZipContents:
    infos = zf.infolist()
    contents = ZipContents(unpacked_bytes=0)
    if len(infos) > limits.max_entries:
        findings.add("ZIP008", f"{len(infos)} entries; the limit is {limits.max_entries}")

    counts = Counter(i.filename for i in infos)
    for name, n in sorted(counts.items()):
        if n > 1:
            findings.add("ZIP007", f"{n} entries are named {name!r}", file=name)
    check_case_clashes(list(counts), findings)

    claimed = sum(i.file_size for i in infos)
    if claimed > limits.max_total_bytes:
        findings.add("ZIP009", f"the entries claim {claimed:,} bytes unpacked; the limit is "
                               f"{limits.max_total_bytes:,}")
        return contents  # reading it back would only spend the budget on what is already refused

    readable: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        bad = unsafe_name(name)
        if bad:
            findings.add(bad[0], bad[1], file=name)
            continue
        if is_symlink(info):
            findings.add("ZIP005", f"entry {name!r} is a symbolic link", file=name)
            continue
        if info.flag_bits & 0x1:
            findings.add("ZIP006", f"entry {name!r} is encrypted", file=name)
            continue
        if is_clutter(name):
            contents.clutter.add(name)
            continue
        if is_directory(info) or name in seen:
            continue
        seen.add(name)
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            findings.add("ZIP010", f"entry {name!r} claims {info.file_size:,} bytes from {info.compress_size:,} "
                                   f"compressed (ratio over {limits.max_ratio}:1)", file=name)
            continue
        readable.append(info)

    if contents.clutter:
        shown = sorted({c.split("/")[0] + "/" if c.startswith("__MACOSX") else c for c in contents.clutter})
        findings.add("ZIP014", f"{len(contents.clutter)} clutter entries: {', '.join(shown[:5])}"
                               f"{' ...' if len(shown) > 5 else ''}", file=shown[0])

    budget = limits.max_total_bytes
    for info in readable:
        cap = max(limits.ratio_floor, limits.max_ratio * info.compress_size)
        if info.filename == MANIFEST:
            cap = min(cap, limits.max_manifest_bytes)
        scan = visit is not None and wants is not None and wants(info.filename)
        if scan and info.file_size > limits.max_manifest_bytes:  # zipfile reads no more than the declared size
            scan = False
            findings.add("NET002", f"{info.filename!r} is larger than {limits.max_manifest_bytes:,} bytes; not "
                                   "scanned for internet references", file=info.filename)
        data, used, problem = _read_bounded(zf, info, min(cap, budget), keep=info.filename == MANIFEST or scan)
        budget -= used
        contents.unpacked_bytes = (contents.unpacked_bytes or 0) + used
        if problem == "cap" and budget <= 0:
            findings.add("ZIP009", f"the package unpacks to more than {limits.max_total_bytes:,} bytes "
                                   f"(stopped reading at {info.filename!r})", file=info.filename)
            break
        if problem == "cap" and info.filename == MANIFEST and used >= limits.max_manifest_bytes:
            findings.add("ZIP009", f"{MANIFEST} is larger than {limits.max_manifest_bytes:,} bytes",
                         file=MANIFEST, hint="A manifest is a few kilobytes to a few megabytes; this one is not "
                                             "a plausible manifest.")
            continue
        if problem == "cap":
            findings.add("ZIP010", f"entry {info.filename!r} expands beyond {used:,} bytes from "
                                   f"{info.compress_size:,} compressed (ratio over {limits.max_ratio}:1)",
                         file=info.filename)
            continue
        if problem:
            findings.add("ZIP011", f"entry {info.filename!r} cannot be read back: {problem}", file=info.filename)
            continue
        contents.files.add(info.filename)
        if data is not None and info.filename == MANIFEST:
            contents.manifest = data
        elif data is not None and visit is not None:
            visit(info.filename, data)
        del data

    check_manifest_place(list(counts), findings)
    return contents


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, *,
                  keep: bool) -> tuple[bytes | None, int, str | None]:
    """Streams one entry: (bytes if keep, bytes read, None | "cap" | what went wrong). Never reads past cap + 1."""
    used = 0
    chunks: list[bytes] = []
    try:
        with zf.open(info) as stream:
            while True:
                chunk = stream.read(min(CHUNK, cap + 1 - used))
                if not chunk:
                    break
                used += len(chunk)
                if used > cap:
                    return None, used, "cap"
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
        return None, used, str(e) or type(e).__name__
    except NotImplementedError as e:
        return None, used, f"{e} (compression method {info.compress_type})"
    return (b"".join(chunks) if keep else None), used, None


def check_manifest_place(names: list[str], findings: Findings, *, folder: bool = False) -> None:
    """folder: the names are a folder's (validated as a package folder), not a zip's entries."""
    if MANIFEST in names:
        return
    root_other_case = [n for n in names if n.lower() == MANIFEST]
    if root_other_case:
        findings.add("ZIP012", f"the manifest is named {root_other_case[0]!r}; LMSs look for {MANIFEST!r} "
                               "exactly", file=root_other_case[0],
                     hint=f"Rename it to {MANIFEST} (lower case) and re-zip.")
        return
    nested = sorted((n for n in names if posixpath.basename(n).lower() == MANIFEST and not is_clutter(n)),
                    key=lambda n: (n.count("/"), n))
    if nested and folder:
        sub = posixpath.dirname(nested[0])
        findings.add("ZIP013", f"{MANIFEST} is in the sub-folder {sub + '/'!r}, not at the top of the folder given",
                     file=nested[0], hint="Validate the folder that holds imsmanifest.xml; zip that folder's "
                                          "contents (not the folder) to upload it.")
        return
    if nested:
        sub = posixpath.dirname(nested[0])
        findings.add("ZIP013", f"{MANIFEST} is in the folder {sub + '/'!r}, not at the root of the zip: "
                               "zip the folder's contents, not the folder", file=nested[0])
        return
    if any(n.lower().endswith(_AICC) for n in names):
        findings.add("ZIP012", "no imsmanifest.xml: this looks like an AICC package (.crs/.au/.des/.cst files), "
                               "not SCORM", hint="Upload it as AICC (Moodle's SCORM activity accepts AICC "
                                                 "separately), or get the SCORM export of the course.")
        return
    findings.add("ZIP012", f"no {MANIFEST} in the {'folder' if folder else 'zip'}: this is not a SCORM package")
