"""PostgreSQL as Django runs it, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django asks a reused connection `SELECT 1` at the start of every
request, so that a connection the server has closed (a restart, an administrator's
pg_terminate_backend) is replaced before the request uses it: one round trip per request,
0.3-0.5 ms on a busy machine. A server that ends a connection first sends it a message
(FATAL: terminating connection ...) and closes the socket, and between two requests
nothing else arrives on it (the app neither LISTENs nor leaves results unread). So the
socket is looked at first, without waiting: nothing to read, the connection is as the last
request left it; something to read, Django's own check runs (SELECT 1) and replaces the
connection if it fails. After a query error Django checks the connection its own way, as
before."""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self._server_spoke():
            super().close_if_health_check_failed()  # SELECT 1, a new connection if it fails
        else:
            self.health_check_done = True

    def _server_spoke(self) -> bool:
        """Whether anything arrived on the idle connection since its last query (or it is
        closed already): only then is it worth asking."""
        if self.connection.closed:
            return True
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)
