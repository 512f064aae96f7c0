"""The certificate registry: a SQLite file in the state dir that keeps every certificate issued.

A participant keeps their certificate number and verification code on every later run (issuing is keyed by
programme and participant). The code is an HMAC-SHA256 of the certificate's data under a secret: from
LMSBRIDGE_CERT_SECRET, or generated once into `<state dir>/cert-secret` (mode 0600). Verification looks the code
up and recomputes it, so a record edited in the database, or a code typed with one character changed, is
reported invalid. The secret is never printed or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from lmsbridge.private_files import private_dir, private_file
from lmsbridge.sync.sources.delivery import ConfigError

SECRET_ENV = "LMSBRIDGE_CERT_SECRET"
STATE_ENV = "LMSBRIDGE_STATE_DIR"
SECRET_FILE = "cert-secret"
MIN_SECRET_BYTES = 32  # HMAC-SHA256: a shorter secret can be guessed offline from one printed code
DB_FILE = "certificates.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS certificate (
    number TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    programme TEXT NOT NULL,
    participant TEXT NOT NULL,
    data TEXT NOT NULL,           -- the signed data, canonical JSON
    issued_at TEXT NOT NULL,      -- when this row was written (UTC, ISO)
    UNIQUE (programme, participant)
);
CREATE TABLE IF NOT EXISTS revocation (
    number TEXT PRIMARY KEY REFERENCES certificate (number),
    reason TEXT NOT NULL,
    revoked_on TEXT NOT NULL      -- ISO date
);
CREATE TABLE IF NOT EXISTS published (
    number TEXT PRIMARY KEY REFERENCES certificate (number),
    payload TEXT NOT NULL         -- the last row sent to Moodle (local_lmsbridge_publish_certificates)
);
"""


def state_dir(value: str | Path | None = None) -> Path:
    """The state dir: the given one, else LMSBRIDGE_STATE_DIR, else ./.lmsbridge."""
    return Path(value or os.environ.get(STATE_ENV) or ".lmsbridge")


class Certificate(BaseModel):
    number: str
    code: str
    programme: str
    participant: str  # the participant's key (idnumber, else username)
    name: str
    lang: str
    intake: str = ""
    issued_on: str  # ISO date
    completed_on: str = ""
    modules: list[str] = []
    events: int = 0
    attended: list[str] = []  # the training events attended (idnumbers in moodle.toml)

    def signed_data(self) -> dict[str, object]:
        # Left out when empty, so that certificates issued before events were listed still verify.
        return self.model_dump(exclude={"code"} | (set() if self.attended else {"attended"}))


class Revocation(BaseModel):
    number: str
    reason: str
    revoked_on: str  # ISO date


class Verification(BaseModel):
    valid: bool
    message: str
    certificate: Certificate | None = None
    revocation: Revocation | None = None


def has_registry(directory: str | Path | None = None) -> bool:
    return (state_dir(directory) / DB_FILE).is_file()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


def _canonical(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Registry:
    """Issued certificates in `<state dir>/certificates.sqlite`, signed with the state dir's secret."""

    def __init__(self, directory: str | Path | None = None, *, secret: str | None = None) -> None:
        self.dir = private_dir(state_dir(directory))
        self.__given = secret or os.environ.get(SECRET_ENV) or None
        if self.__given is not None and len(self.__given.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigError(f"{SECRET_ENV} is {len(self.__given.encode('utf-8'))} bytes long: a certificate "
                              f"secret needs at least {MIN_SECRET_BYTES} (e.g. the output of `openssl rand -hex "
                              "32`), or unset it to have one made in the state dir")
        self.__secret: bytes | None = None  # read (or made) when first needed
        self.path = private_file(self.dir / DB_FILE)
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.conn.executescript(SCHEMA)

    def __repr__(self) -> str:
        return f"Registry({str(self.dir)!r})"  # never the secret

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stored_secret(self) -> str:
        path = self.dir / SECRET_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)  # someone loosened it: only the owner may read the secret
            value = path.read_text(encoding="utf-8").strip()
            if not value:
                raise ConfigError(f"{path} is empty: delete it to have a new secret made (certificates issued "
                                 "with the old one will then no longer verify), or set LMSBRIDGE_CERT_SECRET") \
                    from None
            return value
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")
        return path.read_text(encoding="utf-8").strip()

    def _key(self) -> bytes:
        if self.__secret is None:
            self.__secret = (self.__given or self._stored_secret()).encode("utf-8")
        return self.__secret

    def sign(self, data: Mapping[str, object]) -> str:
        digest = hmac.new(self._key(), _canonical(data), hashlib.sha256).digest()
        return format_code(base64.b32encode(digest).decode("ascii")[:20])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")  # one writer: numbers never collide between parallel runs
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def find(self, programme: str, participant: str) -> Certificate | None:
        row = self.conn.execute("SELECT code, data FROM certificate WHERE programme = ? AND participant = ?",
                                (programme, participant)).fetchone()
        return Certificate.model_validate({**json.loads(row[1]), "code": format_code(row[0])}) if row else None

    def all(self, programme: str | None = None) -> list[Certificate]:
        sql = "SELECT code, data FROM certificate" + (" WHERE programme = ?" if programme else "") + " ORDER BY number"
        rows = self.conn.execute(sql, (programme,) if programme else ()).fetchall()
        return [Certificate.model_validate({**json.loads(data), "code": format_code(code)}) for code, data in rows]

    def issue(self, *, programme: str, prefix: str, participant: str, name: str, lang: str, intake: str = "",
              completed_on: str = "", modules: list[str] | None = None, events: int = 0,
              attended: list[str] | None = None, today: date | None = None) -> tuple[Certificate, bool]:
        """The participant's certificate of the programme: the one issued before, or a new one.

        Returns (certificate, new). A participant who already has one keeps its number, code and date."""
        with self._transaction() as conn:
            found = self.find(programme, participant)
            if found:
                return found, False
            day = today or date.today()
            head = f"{prefix}-{day.year}-"
            last = conn.execute("SELECT number FROM certificate WHERE number LIKE ? ORDER BY number DESC LIMIT 1",
                                (head + "%",)).fetchone()
            seq = int(last[0][len(head):]) + 1 if last else 1
            cert = Certificate(number=f"{head}{seq:05d}", code="", programme=programme, participant=participant,
                               name=name, lang=lang, intake=intake, issued_on=day.isoformat(),
                               completed_on=completed_on, modules=list(modules or []), events=events,
                               attended=list(attended or []))
            cert = cert.model_copy(update={"code": self.sign(cert.signed_data())})
            conn.execute("INSERT INTO certificate (number, code, programme, participant, data, issued_at) "
                         "VALUES (?, ?, ?, ?, ?, datetime('now'))",
                         (cert.number, normalise_code(cert.code), programme, participant,
                          _canonical(cert.signed_data()).decode("utf-8")))
            return cert, True

    def get(self, number: str) -> Certificate | None:
        row = self.conn.execute("SELECT code, data FROM certificate WHERE number = ?", (number.strip(),)).fetchone()
        return Certificate.model_validate({**json.loads(row[1]), "code": format_code(row[0])}) if row else None

    def revocation(self, number: str) -> Revocation | None:
        row = self.conn.execute("SELECT number, reason, revoked_on FROM revocation WHERE number = ?",
                                (number,)).fetchone()
        return Revocation(number=row[0], reason=row[1], revoked_on=row[2]) if row else None

    def revoke(self, number: str, reason: str, *, today: date | None = None) -> tuple[Certificate, Revocation, bool]:
        """Revoke a certificate for good (its number and code are never given to anyone else). Returns
        (certificate, revocation, new); revoking again keeps the first date and reason."""
        if not reason.strip():
            raise ConfigError("give the reason for revoking (--reason), e.g. \"grade corrected\"")
        with self._transaction() as conn:
            cert = self.get(number)
            if cert is None:
                raise ConfigError(f"no certificate {number!r} was issued with the state dir {self.dir}")
            found = self.revocation(cert.number)
            if found:
                return cert, found, False
            rev = Revocation(number=cert.number, reason=reason.strip(), revoked_on=(today or date.today()).isoformat())
            conn.execute("INSERT INTO revocation (number, reason, revoked_on) VALUES (?, ?, ?)",
                         (rev.number, rev.reason, rev.revoked_on))
            return cert, rev, True

    def published(self, number: str) -> dict[str, object] | None:
        row = self.conn.execute("SELECT payload FROM published WHERE number = ?", (number,)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def set_published(self, number: str, payload: Mapping[str, object]) -> None:
        self.conn.execute("INSERT OR REPLACE INTO published (number, payload) VALUES (?, ?)",
                          (number, _canonical(payload).decode("utf-8")))

    def verify(self, code: str) -> Verification:
        wanted = normalise_code(code)
        if len(wanted) != 20:
            return Verification(valid=False, message="not a certificate verification code (20 letters and digits, "
                                                     "e.g. ABCDE-FGHJK-LMNPQ-RSTUV)")
        row = self.conn.execute("SELECT code, data FROM certificate WHERE code = ?", (wanted,)).fetchone()
        if row is None:
            return Verification(valid=False, message="no certificate with this code was issued here")
        try:
            cert = Certificate.model_validate({**json.loads(row[1]), "code": format_code(row[0])})
        except ValueError:
            return Verification(valid=False, message="the registry entry for this code is damaged")
        expected = normalise_code(self.sign(cert.signed_data()))
        if not hmac.compare_digest(expected, wanted):
            return Verification(valid=False, certificate=None,
                                message="the registry entry for this code does not match its signature: it was "
                                        "altered, or the certificate secret (LMSBRIDGE_CERT_SECRET) has changed")
        revoked = self.revocation(cert.number)
        if revoked:
            return Verification(valid=False, certificate=cert, revocation=revoked,
                                message=f"revoked on {revoked.revoked_on} ({revoked.reason}): certificate "
                                        f"{cert.number} of {cert.programme}, issued to {cert.name} on "
                                        f"{cert.issued_on}")
        return Verification(valid=True, certificate=cert,
                            message=f"valid: certificate {cert.number} of {cert.programme}, issued to {cert.name} on "
                                    f"{cert.issued_on}")
