"""The fetcher's connection pool: httpcore's, with a cheaper look at its connections.

Whenever a request comes or goes, httpcore's `AsyncConnectionPool` looks over every pooled
connection: it asks each idle one whether its server closed it (a `poll()` of the socket and
a `getpeername()`, through anyio's typed attributes), and for each connection counts the idle
ones again (sixteen connections: 256 calls). For a poll of feeds answered 304 that was about
a fifth of the CPU, as much as the rest of the poller's own work.

`LeanPool` decides the same things with less looking: the closed connections leave; surplus
idle connections are counted once; and an idle connection is checked for a server's close
(or the end of its keep-alive) only when it is about to be reused: one that is found closed
leaves the pool and the next is tried. An idle connection nobody picks is checked when it is
picked, or closed when the pool needs its place: its socket stays open meanwhile (at most
`max_connections` of them, as before).

It overrides one private method of httpcore 1.x (the one the pool calls whenever requests or
connections change); `pool_class()` gives httpcore's own pool instead when this httpcore
does not have it.
"""

from __future__ import annotations

import functools

import httpcore

Connection = httpcore.AsyncConnectionInterface


@functools.cache
def pool_class() -> type[httpcore.AsyncConnectionPool]:
    """`LeanPool`, or httpcore's own pool when this httpcore lacks what LeanPool relies on."""
    pool = httpcore.AsyncConnectionPool()
    relied_on = (
        "_assign_requests_to_connections",
        "_connections",
        "_requests",
        "_max_connections",
        "_max_keepalive_connections",
        "create_connection",
    )
    return LeanPool if all(hasattr(pool, name) for name in relied_on) else type(pool)


class LeanPool(httpcore.AsyncConnectionPool):
    def _assign_requests_to_connections(self) -> list[Connection]:
        """Assign queued requests to connections; return the connections to close (as
        httpcore's own method does)."""
        closing: list[Connection] = []
        connections = [c for c in self._connections if not c.is_closed()]
        idle = sum(1 for c in connections if c.is_idle())
        keep: list[Connection] = []
        for pooled in connections:
            if pooled.is_idle() and idle > self._max_keepalive_connections:
                closing.append(pooled)  # a surplus idle connection
                idle -= 1
            else:
                keep.append(pooled)
        self._connections = keep

        for pool_request in [r for r in self._requests if r.is_queued()]:
            origin = pool_request.request.url.origin
            connection = self._reusable(origin, closing)
            if connection is None and len(self._connections) >= self._max_connections:
                idle_ones = [c for c in self._connections if c.is_idle()]
                if not idle_ones:
                    continue  # the request waits for a connection to come free
                self._connections.remove(idle_ones[0])  # its place for a new connection
                closing.append(idle_ones[0])
            if connection is None:
                connection = self.create_connection(origin)
                self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing

    def _reusable(self, origin: httpcore.Origin, closing: list[Connection]) -> Connection | None:
        """The first connection that can take a request to `origin` now; an idle one is
        checked first, and leaves the pool if its server closed it or its keep-alive ended."""
        for connection in list(self._connections):
            if not (connection.can_handle_request(origin) and connection.is_available()):
                continue
            if connection.is_idle() and connection.has_expired():
                self._connections.remove(connection)
                closing.append(connection)
                continue
            return connection
        return None
