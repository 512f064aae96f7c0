"""The journal: a local SQLite file (`<state dir>/journal.sqlite`) of every run and every action with its
before/after and outcome, and the lock that keeps two syncs from overlapping.

Resume after a crash needs no replay: every run starts by reading the live site by idnumber, so whatever a
killed run managed to create is found and not created again. The journal adds what Moodle cannot say: the
roster size of the last run (truncation check), the users lmsbridge has managed (to find leavers), and the
history for people.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lmsbridge.moodle import redact
from lmsbridge.private_files import private_dir, private_file
from lmsbridge.sync.plan import Action, Plan


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, command TEXT, started_at TEXT, finished_at TEXT, status TEXT, exit_code INTEGER,
    pid INTEGER, site_url TEXT, roster_rows INTEGER, counts TEXT, fingerprint TEXT
);
CREATE TABLE IF NOT EXISTS actions (
    run_id TEXT, seq INTEGER, entity TEXT, key TEXT, op TEXT, before TEXT, after TEXT, source TEXT,
    outcome TEXT, moodle_id INTEGER, error TEXT, at TEXT, PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS managed_users (idnumber TEXT PRIMARY KEY, moodle_id INTEGER, last_run TEXT);
CREATE TABLE IF NOT EXISTS known_ids (entity TEXT, key TEXT, moodle_id INTEGER, PRIMARY KEY (entity, key));
"""


class LockHeld(RuntimeError):
    """Another sync holds the lock."""


class Lock:
    """An exclusive lock on `<state dir>/sync.lock` (flock: the kernel releases it when the holder dies, so a
    lock left by a crashed run is never in the way; the file then still names the dead holder, reported as stale)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "sync.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(private_file(self.path), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise LockHeld(
                f"another lmsbridge sync is running (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
                f"started {holder.get('started_at', '?')}); lock file {self.path}. Wait for it to finish.") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started_at": now_iso()}).encode())
        self._fd = fd

    @staticmethod
    def _holder(fd: int) -> dict[str, Any]:
        try:
            os.lseek(fd, 0, 0)
            holder: dict[str, Any] = json.loads(os.read(fd, 4096) or b"{}")
            return holder
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Journal:
    def __init__(self, state_dir: Path) -> None:
        private_dir(state_dir)
        self.path = private_file(state_dir / "journal.sqlite")
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._mutex = threading.Lock()

    def close(self) -> None:
        self._db.close()

    # --- runs ---

    def start_run(self, command: str, plan: Plan | None = None) -> str:
        run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        with self._mutex:
            self._db.execute(
                "INSERT INTO runs (id, command, started_at, status, pid, site_url, roster_rows, fingerprint) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                (run_id, command, now_iso(), os.getpid(), plan.site_url if plan else "",
                 plan.roster_rows if plan and command != "undo" else None, plan.fingerprint if plan else ""))
        return run_id

    def finish_run(self, run_id: str, status: str, exit_code: int, counts: dict[str, Any]) -> None:
        with self._mutex:
            self._db.execute("UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, counts = ? WHERE id = ?",
                             (now_iso(), status, exit_code, json.dumps(counts), run_id))

    def unfinished_runs(self) -> list[dict[str, Any]]:
        """Runs that never finished (killed): reported, and their effects found by the next read."""
        cur = self._db.execute("SELECT id, command, started_at, pid FROM runs WHERE status = 'running'")
        return [dict(zip(("id", "command", "started_at", "pid"), r)) for r in cur.fetchall()]

    def mark_interrupted(self) -> int:
        with self._mutex:
            cur = self._db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        return cur.rowcount

    def last_roster_rows(self) -> int | None:
        """Roster rows of the last run that applied its plan (fully or partly)."""
        row = self._db.execute("SELECT roster_rows FROM runs WHERE status IN ('applied', 'partial') AND "
                               "roster_rows IS NOT NULL ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        return row[0] if row else None

    # --- actions ---

    def record(self, run_id: str, actions: list[Action], outcome: str, *, moodle_ids: dict[int, int] | None = None,
               errors: dict[int, str] | None = None) -> None:
        """Record the outcome of actions ('sent', 'applied', 'failed', 'skipped'), one transaction."""
        at = now_iso()
        # Values read from the site and Moodle's error texts: no token or password, whatever the site answered.
        rows = [(run_id, a.seq, a.entity, a.key, a.op, redact(json.dumps(a.before)) if a.before is not None else None,
                 redact(json.dumps(a.after)) if a.after is not None else None, a.source, outcome,
                 (moodle_ids or {}).get(a.seq), redact((errors or {}).get(a.seq)), at) for a in actions]
        # A user about to be created is remembered too: a run killed after Moodle made the account but before
        # its answer arrived would otherwise leave an account no later run knows to look for.
        users = [(a.key, (moodle_ids or {}).get(a.seq), run_id) for a in actions if a.entity == "user"
                 and a.op != "adopt"
                 and (outcome in ("applied", "sent") or (outcome == "planned" and a.op == "create"))]
        with self._mutex:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.executemany(
                "INSERT INTO managed_users VALUES (?, ?, ?) ON CONFLICT(idnumber) DO UPDATE SET "
                "moodle_id = COALESCE(excluded.moodle_id, moodle_id), last_run = excluded.last_run", users)
            self._db.execute("COMMIT")

    def remember_users(self, idnumbers: dict[str, int], run_id: str) -> None:
        with self._mutex:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO managed_users VALUES (?, ?, ?) ON CONFLICT(idnumber) DO UPDATE SET "
                                 "moodle_id = excluded.moodle_id, last_run = excluded.last_run",
                                 [(k, v, run_id) for k, v in idnumbers.items()])
            self._db.execute("COMMIT")

    def forget_uncreated(self, key: str) -> None:
        """A user create that Moodle refused, or that was never sent: no account was made, so none is to be
        taken for lmsbridge's by this key (one made later by hand with the roster's idnumber is not its)."""
        with self._mutex:
            self._db.execute("DELETE FROM managed_users WHERE idnumber = ? AND moodle_id IS NULL", (key,))

    def remember_ids(self, entity: str, ids: dict[str, int]) -> None:
        """Moodle ids of courses and groups: a hint that saves reads (always verified against the site)."""
        with self._mutex:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM known_ids WHERE entity = ?", (entity,))
            self._db.executemany("INSERT INTO known_ids VALUES (?, ?, ?)", [(entity, k, v) for k, v in ids.items()])
            self._db.execute("COMMIT")

    def known_ids(self, entity: str) -> dict[str, int]:
        return dict(self._db.execute("SELECT key, moodle_id FROM known_ids WHERE entity = ?", (entity,)).fetchall())

    def managed_users(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT idnumber FROM managed_users")}

    def managed_ids(self) -> dict[str, int]:
        """Accounts lmsbridge created or managed (participant key -> Moodle id, 0 for a create whose answer
        never came): its own, whatever their idnumber and whether or not the marker cohort still holds them."""
        return dict(self._db.execute("SELECT idnumber, COALESCE(moodle_id, 0) FROM managed_users").fetchall())

    def adopted_users(self) -> dict[str, int]:
        """Accounts lmsbridge did not create but adopted (participant key -> Moodle id): never its to change."""
        return dict(self._db.execute("SELECT key, moodle_id FROM actions WHERE entity = 'user' AND op = 'adopt' "
                                     "AND outcome = 'applied' AND moodle_id IS NOT NULL").fetchall())

    def actions_of(self, run_id: str) -> list[dict[str, Any]]:
        cur = self._db.execute("SELECT seq, entity, key, op, outcome, moodle_id, error, source FROM actions "
                               "WHERE run_id = ? ORDER BY seq", (run_id,))
        cols = ("seq", "entity", "key", "op", "outcome", "moodle_id", "error", "source")
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def applied_actions(self, run_id: str) -> list[dict[str, Any]]:
        """The actions of a run that Moodle applied, with their before and after values (JSON text): what
        `lmsbridge undo` puts back."""
        cur = self._db.execute("SELECT run_id, seq, entity, key, op, before, after FROM actions "
                               "WHERE run_id = ? AND outcome = 'applied' ORDER BY seq", (run_id,))
        cols = ("run_id", "seq", "entity", "key", "op", "before", "after")
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        cur = self._db.execute("SELECT id, command, started_at, finished_at, status, exit_code, roster_rows, counts "
                               "FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))
        cols = ("id", "command", "started_at", "finished_at", "status", "exit_code", "roster_rows", "counts")
        return [dict(zip(cols, r)) for r in cur.fetchall()]
