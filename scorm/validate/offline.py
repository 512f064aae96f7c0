"""Will the Moodle app play the package offline? A verdict from what the validator saw.

The app (moodlehq/moodleapp, mod_scorm) downloads a SCORM activity for offline use only when Moodle reports it as
SCORM_1.2: SCORM 2004 packages are SCORM_1.3 there and play online only (errorinvalidversion). Offline, nothing
can come from the internet: a page that loads a script, style sheet, font or video from another site breaks.
Size: the app asks before downloading more than 10 MB on mobile data and more than 100 MB on Wi-Fi
(CoreConstants.DOWNLOAD_THRESHOLD / WIFI_DOWNLOAD_THRESHOLD), then keeps the zip and its unpacked copy on the
phone; we say "no" above MAX_UNPACKED, where that no longer fits the free space of a typical learner's phone
(the app itself treats under 500 MB free on iOS as short of space).
"""

from __future__ import annotations

from scorm.validate.findings import Findings, OfflineVerdict
from scorm.validate.ziprules import ZipContents

ASKS_ON_MOBILE_DATA = 10 * 1024**2    # the app's DOWNLOAD_THRESHOLD
ASKS_ON_WIFI = 100 * 1024**2          # the app's WIFI_DOWNLOAD_THRESHOLD
MAX_UNPACKED = 500 * 1024**2          # our line: zip + unpacked copy must fit beside the learner's own data
REMOTE_CODES = ("NET001", "CAM008")   # fetched from the internet by a page / launched from the internet


def _mib(n: int) -> str:
    return f"{n / 1024**2:.1f} MiB"


def offline_verdict(version: str | None, ok: bool, contents: ZipContents | None, findings: Findings,
                    source: str) -> OfflineVerdict:
    reasons: list[str] = []
    notes: list[str] = []
    if not ok:
        reasons.append("the package has errors")
    if version is None:
        reasons.append("its SCORM version is unknown")
    elif version != "1.2":
        reasons.append(f"SCORM {version}, which the app plays online only (offline it plays SCORM 1.2)")
    remote = sum(findings.total(c) for c in REMOTE_CODES)
    if remote:
        reasons.append(f"{remote} reference{'s' if remote != 1 else ''} to the internet (NET001/CAM008) "
                       "would fail offline")
    unpacked = contents.unpacked_bytes if contents is not None else None
    download = contents.download_bytes if contents is not None else None
    if unpacked is not None and unpacked > MAX_UNPACKED:
        reasons.append(f"it unpacks to {_mib(unpacked)}, more than the {_mib(MAX_UNPACKED)} a phone can be "
                       "expected to hold for one activity")
    size = download if download is not None else unpacked
    if size is not None and size > ASKS_ON_WIFI:
        notes.append(f"{_mib(size)}: the app asks every learner to confirm the download, even on Wi-Fi")
    elif size is not None and size > ASKS_ON_MOBILE_DATA:
        notes.append(f"{_mib(size)}: the app asks learners on mobile data to confirm the download")
    if reasons:
        playable = "no"
    elif source == "manifest":
        playable = "unknown"
        reasons.append("only the manifest was given: what the pages load and the package's size were not seen")
    else:
        playable = "yes"
    return OfflineVerdict(playable=playable, reasons=reasons, notes=notes, download_bytes=download,
                          unpacked_bytes=unpacked)
