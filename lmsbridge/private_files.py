"""The state dir holds names, e-mails and every before/after value of every run: only its owner may read it.
Directories are made 0700 and files 0600 (an existing one from an older version is tightened)."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing, owner-only either way (before SQLite opens it: its -wal and -shm files
    take the database file's mode)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` owner-only and atomically (a reader sees the old file or the new one, never half)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
