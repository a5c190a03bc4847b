"""PostgreSQL, with a health check that costs no round trip while nothing has happened.

With `CONN_HEALTH_CHECKS` Django asks a persistent connection `SELECT 1` before the first query of
every request: one round trip of the few a request makes. A server that ends a connection (a
restart, `pg_terminate_backend`, an idle timeout) says so on the connection's socket: it sends an
error message, or closes it. So an idle connection whose socket has nothing to read is as it was
after its last answer, and is taken as usable without asking; one with something to read (or not
idle, or closed) is asked `SELECT 1` as before, and closed when that fails. A connection cut without
a word (a cable, a firewall dropping it) is not seen this way, nor by `SELECT 1` before its TCP
timeouts: it fails its next query, and Django closes it at the end of that request."""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def _quiet(connection) -> bool:
    """True when the idle connection's socket has nothing to read (no message, no end of stream)."""
    if connection.closed or connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is not None and _quiet(self.connection):
            return True
        return super().is_usable()
