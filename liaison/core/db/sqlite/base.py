"""SQLite, with writers queued across processes.

Every transaction starts with BEGIN IMMEDIATE (settings: `transaction_mode`), so two writers never
deadlock; the second one waits for the first. SQLite's own wait is a busy handler that sleeps and
retries on a fixed schedule that grows to 100 ms between tries: under a burst of public submissions
(several worker processes writing at once) a waiting writer slept long after the lock was free, and
throughput fell to a few dozen submissions a second with seconds of latency.

Here a writer first takes an exclusive `flock` on a file beside the database (`<name>-writer.lock`)
and only then begins; the lock goes at COMMIT or ROLLBACK. The wait polls without blocking (so that
it can give up), in steps that start at a tenth of a millisecond and grow to 2 ms, so a waiting
writer goes on within 2 ms of the release; after the database's `timeout` it gives up waiting here
and lets SQLite's busy handler decide, as before. In-memory databases (the test suite's) take no
lock.

**Checkpoints outside the turn.** SQLite copies the write-ahead log back into the database (a
checkpoint, with two fsyncs) inside the COMMIT that crosses `wal_autocheckpoint` pages, so every
writer queued behind it waited for disk I/O too: about one commit in fifty took 30–50 ms, and the
mean commit three times its usual cost. Here they are moved out of the turn on file databases: after
a commit, once the turn is released, a connection runs a PASSIVE checkpoint when `CHECKPOINT_SECONDS`
have passed since its last one (SQLite's own stays as a backstop, at 10,000 pages instead of 1,000).
A PASSIVE checkpoint waits for nobody and stops nobody: the next writer appends to the log while it
copies. SQLite still checkpoints when the last connection closes."""

import fcntl
import logging
import os
import time

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 0.5  # at most two checkpoints a second per connection; each copies what is new


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_held = False
    _checkpointed_at = 0.0

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict.get("NAME") or "")
        if not name or self.is_in_memory_db() or name.startswith("file:"):
            return None
        return f"{name}-writer.lock"

    def _writer_acquire(self) -> None:
        if self._writer_held:
            return
        if self._writer_fd is None:
            path = self._writer_lock_path()
            if path is None:
                return
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # SQLite's busy handler takes over, and reports "database is locked"
                time.sleep(pause)
                pause = min(pause * 1.5, 0.002)
                continue
            self._writer_held = True
            return

    def _writer_release(self) -> None:
        if self._writer_held:
            self._writer_held = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        if self._writer_lock_path() is not None:
            # Checkpoints run after the turn (see above); SQLite's own, at 40 MB of log, only backs
            # them up (for writes that never pass through a transaction's COMMIT here).
            conn.execute("PRAGMA wal_autocheckpoint=10000")
        return conn

    def checkpoint_if_due(self) -> None:
        """A PASSIVE checkpoint when this connection's last one is `CHECKPOINT_SECONDS` old (file
        databases, outside a transaction)."""
        if self.connection is None or self.connection.in_transaction or self._writer_lock_path() is None:
            return
        now = time.monotonic()
        if now - self._checkpointed_at < CHECKPOINT_SECONDS:
            return
        self._checkpointed_at = now
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except base.Database.Error as exc:  # the next one copies what this one could not
            logger.warning("SQLite checkpoint failed: %s", exc)

    def _start_transaction_under_autocommit(self):
        self._writer_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._writer_release()
            self.checkpoint_if_due()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._writer_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._writer_release()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
