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
lock."""

import fcntl
import os
import time

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_held = False

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
