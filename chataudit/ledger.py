"""The ledger: a SQLite file that remembers findings across scheduled runs.

Each finding is stored once under its fingerprint (rule, group, sender, time, content), so
re-auditing an overlapping export never counts it twice; a member's earlier offences feed the
escalation ladder ("warn first, remove second" across nights); and each group's last audited
timestamp lets ``--since last`` read only what is new. Writes happen in one IMMEDIATE
transaction with a busy timeout, in WAL mode: concurrent runs wait for each other, and a run
killed halfway leaves the ledger as it was before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from chataudit.errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS findings (
    fingerprint TEXT PRIMARY KEY, rule TEXT NOT NULL, grp TEXT NOT NULL, member TEXT,
    ts TEXT, first_run INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS findings_member ON findings(member);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, findings INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS groups (grp TEXT PRIMARY KEY, last_ts TEXT NOT NULL);
"""


class Ledger:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def close(self) -> None:
        self.db.close()

    def last_seen(self, group: str) -> datetime | None:
        row = self._run("SELECT last_ts FROM groups WHERE grp = ?", (group,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def _run(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.DatabaseError) -> InputError:
        """One line for what SQLite refused: a read-only file or folder, a corrupt file, a lock."""
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return InputError("the ledger is read-only", where=str(self.path),
                              fix="give the job write access to the ledger file and its folder")
        if "locked" in text or "busy" in text:
            return InputError("the ledger stayed locked by another run for 60 s", where=str(self.path),
                              fix="let the other run finish, or use another ledger file")
        return InputError(f"not a usable ledger ({text})", where=str(self.path),
                          fix="pass a new file name, or restore the ledger an earlier run wrote")

    def record(self, findings: Iterable[tuple[str, str, str, str | None, str | None]],
               last: dict[str, datetime]) -> dict[str, int]:
        """Store this run's findings (fingerprint, rule, group, member, ts) and each group's
        last timestamp; return each member's offences from earlier runs, not counting any
        finding of this run (which may have been recorded by an overlapping earlier run).

        The findings stream into a temporary table first (SQLite's temp store, on disk), so
        that a run with a million findings never holds them, and the ledger's write lock is
        taken only for the short transaction after that."""
        try:
            count = self._stage(findings)
            self.db.execute("BEGIN IMMEDIATE")
            prior = dict(self.db.execute(
                "SELECT member, COUNT(*) FROM findings WHERE member IS NOT NULL "
                "AND fingerprint NOT IN (SELECT fingerprint FROM temp.mine) GROUP BY member"))
            run = self.db.execute("INSERT INTO runs(at, findings) VALUES (?, ?)",
                                  (datetime.now().isoformat(timespec="seconds"), count)).lastrowid
            self.db.execute("INSERT OR IGNORE INTO findings(fingerprint, rule, grp, member, ts, first_run) "
                            "SELECT fingerprint, rule, grp, member, ts, ? FROM temp.mine ORDER BY rowid", (run,))
            for group, ts in last.items():
                self._advance(group, ts)
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._error(exc) from None
            raise
        return prior

    def _stage(self, findings: Iterable[tuple[str, str, str, str | None, str | None]]) -> int:
        """This run's findings in the temporary table ``mine``, the first of each fingerprint
        (as INSERT OR IGNORE into the ledger keeps it); how many were given."""
        count = 0

        def counted():
            nonlocal count
            for row in findings:
                count += 1
                yield row

        self.db.execute("PRAGMA temp_store = FILE")
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS mine (fingerprint TEXT PRIMARY KEY, rule TEXT, grp TEXT, "
                        "member TEXT, ts TEXT)")
        self.db.execute("BEGIN")  # only the temporary database is written: no lock on the ledger
        self.db.execute("DELETE FROM temp.mine")
        self.db.executemany("INSERT OR IGNORE INTO temp.mine VALUES (?, ?, ?, ?, ?)", counted())
        self.db.execute("COMMIT")
        return count

    def _advance(self, group: str, ts: datetime) -> None:
        """Move a group's mark forward, never back. Compared as instants in Python (marks
        written with different UTC offsets do not sort as text) and stored in UTC."""
        row = self.db.execute("SELECT last_ts FROM groups WHERE grp = ?", (group,)).fetchone()
        if row is None or ts.timestamp() > datetime.fromisoformat(row[0]).timestamp():
            self.db.execute("INSERT INTO groups(grp, last_ts) VALUES (?, ?) ON CONFLICT(grp) DO UPDATE "
                            "SET last_ts = excluded.last_ts", (group, ts.astimezone(timezone.utc).isoformat()))
