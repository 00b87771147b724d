"""App-side business counters in memcached: ``incr`` and ``set`` for any Python app.

A web app counts what matters (orders, logins, revenue in cents) with one
call; ``check_counter`` reads the counts back over any window::

    from immune import counters
    counters.configure(servers=["mc1:11211", "mc2:11211"])   # or $IMMUNE_COUNTERS_SERVERS
    counters.incr("orders.success")                           # one more order
    counters.incr("revenue.cents", 1999, tag="canary")        # per host group
    counters.set("queue.depth", 17)                           # a gauge

This module depends on nothing but the standard library and pymemcache
(imported at first use): it imports neither nagiosplugin nor the plugin base
layer, so an app pays nothing for the monitoring suite.

Design
------
Time buckets
    Each call writes the bucket of the current minute: one key per series and
    minute, ``<prefix><kind>:<name>[@<tag>]:<minute>`` (kind ``c`` counter,
    ``g`` gauge; minute = epoch seconds // 60), e.g. ``immune:c:orders.success:29412345``.
    Buckets expire *ttl* seconds (default 2 days) after their minute, so a
    check can sum any window up to the TTL with one multi-get, and memcached
    never fills with old counts.
Placement
    Every bucket of a counter (all minutes, all tags) lives on one server,
    chosen by rendezvous (highest random weight) hashing of the counter *name*
    over the pool's ``host:port`` strings. A dead server thus loses whole
    counters, not random minutes scattered over all of them: the check can say
    "orders.success is undeterminable, its server is down" and judge every
    other counter soundly. Rendezvous hashing depends on the set of servers,
    not their order, and moves only the dead server's counters when the pool
    changes. App and check must name the servers the same way (same
    ``host:port`` spelling). Counters are not re-routed while their server is
    down: that would split a counter over two servers and make a sum look
    complete when it is not.
Atomic creation
    ``incr`` tries memcached's ``incr`` first (one round trip when the bucket
    exists, i.e. almost always); on a miss it ``add``\\ s the bucket with the
    count, and if another process added it first, ``incr``\\ s again. No count
    is lost or doubled by the race.
Never in the way
    The public functions never raise into the app (they return False when a
    count is lost). Connections time out fast (connect 50 ms, I/O 100 ms), and
    a server that failed is skipped for *retry_after* seconds (default 5)
    instead of paying the timeout on every call. Connections are per thread
    and re-made after a fork.
Pool marker
    Each process writes ``<prefix>pool`` (the sorted pool and the TTL) on
    every server it uses, once per TTL/2: a check listing a different pool
    (another spelling, a missing server) would compute other placements and
    read zeros, and a window longer than the TTL would sum expired minutes
    as zeros; the check reads the marker and says so instead. One prefix per
    pool, then.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Iterable, Sequence

try:  # the hash function without OpenSSL's import cost (4 ms per check run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

DEFAULT_SERVERS = ("127.0.0.1:11211",)
DEFAULT_PREFIX = "immune:"
DEFAULT_TTL = 2 * 86400
MAX_TTL = 30 * 86400  # memcached reads larger expiry times as absolute dates
BUCKET = 60
COUNTER, GAUGE = "c", "g"
POOL_KEY = "pool"  # <prefix>pool on every server: the pool the app writes with
ENV_SERVERS = "IMMUNE_COUNTERS_SERVERS"
ENV_PREFIX = "IMMUNE_COUNTERS_PREFIX"
ENV_TTL = "IMMUNE_COUNTERS_TTL"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_TAG = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_PREFIX = re.compile(r"^[!-~]{0,40}$")


class CounterNameError(ValueError):
    """A counter name, tag or setting that cannot make a memcached key."""


def parse_servers(spec: str | Iterable[str]) -> tuple[str, ...]:
    """``"h1:11211,h2"`` or a list of ``host[:port]`` -> canonical ``host:port`` strings."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    servers = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        host, port = split_server(item)
        servers.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    if not servers:
        raise CounterNameError("no memcached server given")
    return tuple(dict.fromkeys(servers))


def split_server(server: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port``; port defaults to 11211) -> (host, port)."""
    text = server.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "11211"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "11211"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CounterNameError(f"'{server}' is not HOST:PORT")
    return host, int(port)


def server_for(name: str, servers: Sequence[str]) -> str:
    """The server of *servers* that holds counter *name* (rendezvous hashing)."""
    def weight(server: str) -> bytes:
        return blake2b(f"{server}/{name}".encode(), digest_size=8).digest()

    return max(servers, key=weight)


def valid_name(name: str) -> str:
    """*name* if it can name a counter, else :class:`CounterNameError`."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise CounterNameError(f"bad counter name {name!r}: use 1-100 of A-Z a-z 0-9 _ . -")
    return name


def valid_tag(tag: str) -> str:
    """*tag* if it can tag a counter, else :class:`CounterNameError`."""
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise CounterNameError(f"bad tag {tag!r}: use 1-50 of A-Z a-z 0-9 _ . -")
    return tag


def valid_prefix(prefix: str) -> str:
    """*prefix* if it can start a key (printable, no spaces), else :class:`CounterNameError`."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise CounterNameError(f"bad prefix {prefix!r}: up to 40 printable, no spaces")
    return prefix


def pool_marker(servers: Iterable[str], ttl: int) -> str:
    """The pool marker's value: ``host:port,host:port ttl=SECONDS`` (servers sorted)."""
    return f"{','.join(sorted(servers))} ttl={ttl}"


def parse_marker(text: str) -> tuple[str, int | None]:
    """(pool, ttl) from a pool marker; ttl ``None`` when absent or unreadable."""
    pool, _, ttl = text.partition(" ttl=")
    return pool, int(ttl) if ttl.isdigit() else None


def series_key(kind: str, name: str, tag: str | None, prefix: str) -> str:
    """The key of a series without its minute: ``immune:c:orders.success@canary``."""
    valid_name(name)
    return f"{prefix}{kind}:{name}" + (f"@{valid_tag(tag)}" if tag is not None else "")


def minute_of(at: float) -> int:
    """The bucket number of epoch time *at*."""
    return int(at // BUCKET)


def bucket_key(series: str, minute: int) -> str:
    """The key of one minute of a series."""
    return f"{series}:{minute}"


class Counters:
    """A counter pool client: what the module-level functions use, one per process."""

    def __init__(self, servers: str | Iterable[str] | None = None, prefix: str | None = None,
                 ttl: int | None = None, connect_timeout: float = 0.05,
                 timeout: float = 0.1, retry_after: float = 5.0) -> None:
        env = os.environ
        if servers is None:
            servers = env.get(ENV_SERVERS) or DEFAULT_SERVERS
        self.servers = parse_servers(servers)
        self.prefix = valid_prefix(env.get(ENV_PREFIX, DEFAULT_PREFIX) if prefix is None
                                   else prefix)
        self.ttl = int(ttl if ttl is not None else env.get(ENV_TTL) or DEFAULT_TTL)
        if not BUCKET <= self.ttl <= MAX_TTL:
            raise CounterNameError(f"ttl {self.ttl} must be {BUCKET}..{MAX_TTL} seconds")
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.retry_after = retry_after
        self._placement: dict[str, str] = {}
        self._dead_until: dict[str, float] = {}
        self._marked: dict[str, float] = {}
        import threading

        self._local = threading.local()

    # -- the app's API -----------------------------------------------------
    def incr(self, name: str, n: int = 1, tag: str | None = None,
             at: float | None = None) -> bool:
        """Add *n* (a whole number >= 0) to counter *name*; False when the count is lost."""
        return self._guarded(COUNTER, name, tag, at, n)

    def set(self, name: str, value: float, tag: str | None = None,
            at: float | None = None) -> bool:
        """Record gauge *name* = *value* for this minute; False when it is lost."""
        return self._guarded(GAUGE, name, tag, at, value)

    def _guarded(self, kind: str, name: str, tag: str | None, at: float | None,
                 value: float) -> bool:
        try:
            _check_value(kind, name, value)
            return self._write(kind, name, tag, at, value)
        except CounterNameError as err:
            _warn(str(err))
        except Exception:  # noqa: BLE001 - never into the app
            pass
        return False

    # -- placement and connections ------------------------------------------
    def server_for(self, name: str) -> str:
        """The server that holds counter *name* (cached)."""
        server = self._placement.get(name)
        if server is None:
            if len(self._placement) > 10000:
                self._placement.clear()
            server = self._placement[name] = server_for(name, self.servers)
        return server

    def is_skipped(self, server: str) -> bool:
        """True while *server* is skipped after a failure."""
        return self._dead_until.get(server, 0.0) > time.monotonic()

    def _write(self, kind: str, name: str, tag: str | None, at: float | None,
               value: float) -> bool:
        series = series_key(kind, name, tag, self.prefix)
        now = time.time()
        when = now if at is None else at
        expire = int(minute_of(when) * BUCKET + self.ttl - now)
        if not 0 < expire <= MAX_TTL:
            return False
        key = bucket_key(series, minute_of(when))
        server = self.server_for(name)
        if self.is_skipped(server):
            return False
        client = self._client(server)
        try:
            if self._marked.get(server, -self.ttl) < time.monotonic() - self.ttl / 2:
                client.set(self.prefix + POOL_KEY, pool_marker(self.servers, self.ttl),
                           expire=self.ttl,
                           noreply=True)
                self._marked[server] = time.monotonic()
            if kind == GAUGE:
                return bool(client.set(key, repr(value), expire=expire, noreply=False))
            if client.incr(key, value) is not None:
                return True
            if client.add(key, str(value), expire=expire, noreply=False):
                return True
            return client.incr(key, value) is not None  # another process added it first
        except Exception as err:
            client.close()
            if _is_connection_error(err):
                self._dead_until[server] = time.monotonic() + self.retry_after
                self._marked.pop(server, None)  # it may come back empty
            return False

    def _client(self, server: str):
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # new thread, or forked child
            local.pid, local.clients = os.getpid(), {}
        client = local.clients.get(server)
        if client is None:
            from pymemcache.client.base import Client

            client = local.clients[server] = Client(
                split_server(server), connect_timeout=self.connect_timeout,
                timeout=self.timeout, no_delay=True, default_noreply=False)
        return client

    def close(self) -> None:
        """Close this thread's connections (they reopen on the next call)."""
        for client in getattr(self._local, "clients", {}).values():
            client.close()


def _check_value(kind: str, name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        good = False
    elif kind == COUNTER:
        good = isinstance(value, int) and value >= 0
    else:
        good = value == value and abs(value) != float("inf")
    if not good:
        call, want = ("incr", "an int >= 0") if kind == COUNTER else ("set", "a finite number")
        raise CounterNameError(f"{call}({name!r}, {value!r}): the value must be {want}")


def _warn(message: str) -> None:
    """Tell the developer about a bad call, without ever raising (even under -W error)."""
    try:
        warnings.warn(message, RuntimeWarning, stacklevel=4)
    except Exception:  # noqa: BLE001 - never into the app
        pass


def _is_connection_error(err: Exception) -> bool:
    from pymemcache.exceptions import MemcacheUnexpectedCloseError

    return isinstance(err, OSError | MemcacheUnexpectedCloseError)


_default: Counters | None = None


def configure(servers: str | Iterable[str] | None = None, prefix: str | None = None,
              ttl: int | None = None, connect_timeout: float = 0.05, timeout: float = 0.1,
              retry_after: float = 5.0) -> Counters:
    """Set the server pool and settings for :func:`incr` and :func:`set`.

    Unset values come from ``$IMMUNE_COUNTERS_SERVERS`` (comma-separated
    ``host:port``), ``$IMMUNE_COUNTERS_PREFIX``, ``$IMMUNE_COUNTERS_TTL``, then
    the defaults (127.0.0.1:11211, ``immune:``, 2 days). Unlike the counting
    calls, a bad setting raises :class:`CounterNameError` here, at start-up.
    """
    global _default
    _default = Counters(servers, prefix, ttl, connect_timeout, timeout, retry_after)
    return _default


def _counters() -> Counters | None:
    if _default is None:
        try:
            configure()
        except CounterNameError as err:
            _warn(f"immune.counters not configured: {err}")
            return None
    return _default


def incr(name: str, n: int = 1, tag: str | None = None, at: float | None = None) -> bool:
    """Add *n* to counter *name* (optionally for host group *tag*, or at epoch time *at*).

    Never raises; returns False when the count could not be recorded.
    """
    counters = _counters()
    return counters.incr(name, n, tag, at) if counters else False


def set(name: str, value: float, tag: str | None = None,  # noqa: A001 - the API's name
        at: float | None = None) -> bool:
    """Record gauge *name* = *value* for the current minute. Never raises."""
    counters = _counters()
    return counters.set(name, value, tag, at) if counters else False
