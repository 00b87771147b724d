"""Reading app counters (:mod:`immune.counters`) back from memcached, for checks.

A window is the last ``seconds // 60`` whole minutes, ending at the start of
the current minute (the current minute is still being written, so a rate
over it would read low). The buckets of every requested series are fetched
with one ``get_many`` per server, each within a fair share of the check's
remaining time, so a server that hangs cannot starve the others. Key layout
and placement come from :mod:`immune.counters`, the single source of truth
shared with the app.

A series whose server is down is undeterminable (its :class:`Reading` carries
the reason, naming the server); series on live servers are read soundly:
placement keeps each counter whole on one server.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Sequence

from immune.clock import now
from immune.counters import (
    BUCKET,
    COUNTER,
    DEFAULT_PREFIX,
    ENV_PREFIX,
    ENV_SERVERS,
    GAUGE,
    POOL_KEY,
    bucket_key,
    minute_of,
    parse_marker,
    parse_servers,
    pool_marker,
    series_key,
    server_for,
    split_server,
    valid_name,
    valid_prefix,
    valid_tag,
)
from immune.deadline import CheckTimeout, Deadline
from immune.domain import CheckError
from immune.numbers import format_number

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket

MAX_WINDOW = 7 * 86400
MAX_VALUE = 1024 * 1024

__all__ = ["COUNTER", "GAUGE", "Misconfigured", "Reading", "Series", "Window",
           "add_pool_options", "counter_name", "read", "tag_name", "whole_minutes",
           "window_seconds"]


class Series(namedtuple("Series", "name tag kind", defaults=(None, COUNTER))):
    """One counter (or gauge) as the app writes it: name, optional tag, kind."""

    __slots__ = ()

    @property
    def label(self) -> str:
        """``orders.success`` or ``orders.success@canary``."""
        return self.name + (f"@{self.tag}" if self.tag else "")


class Window(namedtuple("Window", "seconds end")):
    """*seconds* (a multiple of 60) ending at epoch *end* (a minute boundary)."""

    __slots__ = ()

    @classmethod
    def last(cls, seconds: int, at: float | None = None) -> Window:
        """The whole minutes of the last *seconds* before the current minute.

        *at* defaults to :func:`immune.clock.now` (``$IMMUNE_NOW`` in tests).
        """
        return cls(seconds, minute_of(now() if at is None else at) * BUCKET)

    @property
    def minutes(self) -> range:
        """The bucket numbers in the window, oldest first."""
        last = self.end // BUCKET
        return range(last - self.seconds // BUCKET, last)


class Reading(namedtuple("Reading", "series server buckets error")):
    """What one series holds in a window.

    *buckets* maps minute -> value for the buckets present (missing minutes
    counted nothing); *error* says why the series is undeterminable (its
    server is down, a value is corrupt), else ``None``.
    """

    __slots__ = ()

    @property
    def sound(self) -> bool:
        return self.error is None

    @property
    def total(self) -> float | None:
        """The sum over the window (``None`` when undeterminable)."""
        return sum(self.buckets.values()) if self.sound else None

    @property
    def latest(self) -> tuple[int, float] | None:
        """``(minute, value)`` of the newest bucket present, for gauges."""
        if not self.sound or not self.buckets:
            return None
        minute = max(self.buckets)
        return minute, self.buckets[minute]

    def per(self, seconds: float, window: Window) -> float | None:
        """The sum as a rate per *seconds* (60 = per minute) over *window*."""
        total = self.total
        return None if total is None else total * seconds / window.seconds


class Misconfigured(CheckError):
    """The app's pool marker contradicts the check: another pool, a TTL shorter than the window.

    A :class:`CheckError`: the check ends UNKNOWN with this one line.
    """


def read(servers: Sequence[str], series: Sequence[Series], window: Window,
         deadline: Deadline, prefix: str = DEFAULT_PREFIX) -> tuple[list[Reading], dict]:
    """Read *series* over *window* from the pool *servers* (the app's pool).

    Returns the readings in the order asked and ``{server: reason}`` for the
    servers that could not be read. Bad names raise ``CounterNameError``; a
    pool marker naming another pool (placement would be wrong: every reading
    suspect) or a TTL too short for *window* raises :class:`Misconfigured`.
    """
    keys_of = {s: [bucket_key(series_key(s.kind, s.name, s.tag, prefix), m)
                   for m in window.minutes] for s in series}
    placed = [(item, server_for(item.name, servers)) for item in series]
    wanted: dict[str, list[Series]] = {}
    for item, server in placed:
        wanted.setdefault(server, []).append(item)
    values: dict[str, dict] = {}
    dead: dict[str, str] = {}
    marker_key, pool = prefix + POOL_KEY, pool_marker(servers, 0).split()[0]
    for left, (server, items) in zip(range(len(wanted), 0, -1), wanted.items(), strict=True):
        share = deadline.remaining() * 0.9 / left
        keys = [key for item in items for key in keys_of[item]] + [marker_key]
        with deadline.stage(f"reading memcached {server}"):
            try:
                values[server] = _get_many(server, keys, share)
            except CheckTimeout:
                raise
            except Exception as err:  # noqa: BLE001 - any failure: the server is unusable
                dead[server] = _reason(err, share)
                continue
        if marker_key in values[server]:
            _check_marker(values[server][marker_key], server, pool, window)
    readings = []
    for item, server in placed:
        if server in dead:
            readings.append(Reading(item, server, {},
                                    f"memcached {server} {dead[server]}"))
            continue
        got = values[server]
        buckets, error = {}, None
        for minute, key in zip(window.minutes, keys_of[item], strict=True):
            if key in got:
                try:
                    buckets[minute] = _number(got[key], item.kind)
                except ValueError:
                    error = f"corrupt value in {key} on memcached {server}"
        readings.append(Reading(item, server, buckets if error is None else {}, error))
    return readings, dead


def _check_marker(raw: bytes, server: str, pool: str, window: Window) -> None:
    written, ttl = parse_marker(raw.decode("ascii", "replace"))
    if written != pool:
        raise Misconfigured(f"the app writes to pool {written[:200]} (marker on {server}), "
                            f"not {pool}: --memcached must list the app's pool")
    if ttl is not None and window.seconds > ttl - BUCKET:
        raise Misconfigured(f"window {window.seconds} s is longer than the app keeps counts "
                            f"({ttl} s TTL): use --window {(ttl - BUCKET) // BUCKET * BUCKET} "
                            f"at most")


class _ShareSpent(CheckTimeout):
    """One server's share of the time ran out (the check's own deadline has not)."""


class _Share(Deadline):
    """One server's budget: when spent, that server is dead, the check goes on."""

    def expired(self) -> CheckTimeout:
        return _ShareSpent(self.seconds, self.stage_name)


def _get_many(server: str, keys: list[str], timeout: float) -> dict[str, bytes]:
    """One text-protocol ``get k1 k2 ...`` (pymemcache would cost 23 ms of imports).

    Resolving, connecting and the whole reply fit in *timeout* seconds (a
    server that trickles its answer is cut off too), else ``TimeoutError``;
    a refusal is ``ConnectionRefusedError``, any other failure a
    ``ConnectionError`` saying what happened. Only the check's own
    :class:`CheckTimeout` (its hard timer) passes through. The reply is
    bounded: at most one value per key asked, each at most 1 MB (memcached's
    item limit); anything else is a failed server.
    """
    import socket

    from immune import tcp

    budget = _Share(timeout)
    try:
        with tcp.connect(*split_server(server), budget) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(budget.remaining())
            sock.sendall(f"get {' '.join(keys)}\r\n".encode("ascii"))
            return _reply(_Reader(sock, budget), frozenset(keys))
    except _ShareSpent:
        raise TimeoutError(f"timeout after {timeout:.2g}s") from None
    except tcp.ConnectError as err:
        if err.refused:
            raise ConnectionRefusedError(str(err)) from None
        raise ConnectionError(f"unreachable: {err}") from None


class _Reader:
    """Lines and blocks from *sock*, every wait within what is left of *budget*."""

    def __init__(self, sock: socket.socket, budget: Deadline) -> None:
        self.sock, self.budget, self.buffer = sock, budget, bytearray()

    def _more(self) -> bool:
        self.sock.settimeout(self.budget.remaining())
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def readline(self, limit: int) -> bytes:
        """Up to and including the next newline, at most *limit* bytes ('' at EOF)."""
        while (end := self.buffer.find(b"\n", 0, limit)) < 0:
            if len(self.buffer) >= limit or not self._more():
                return self._take(limit)
        return self._take(end + 1)

    def read(self, size: int) -> bytes:
        """*size* bytes, fewer only at EOF."""
        while len(self.buffer) < size and self._more():
            pass
        return self._take(size)


def _reply(reply: _Reader, asked: frozenset[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for _ in range(len(asked) + 1):
        line = reply.readline(512)
        if line == b"END\r\n":
            return found
        head = line.split()
        if len(head) < 4 or head[0] != b"VALUE" or not head[3].isdigit() \
                or int(head[3]) > MAX_VALUE or not line.endswith(b"\r\n"):
            raise ConnectionError("closed the connection" if not line
                                  else "sent a reply that is not memcached's")
        size = int(head[3])
        data = reply.read(size + 2)
        if len(data) != size + 2:
            raise ConnectionError("closed the connection mid-reply")
        key = head[1].decode("ascii", "replace")
        if key not in asked:
            raise ConnectionError("sent a value for a key not asked for")
        found[key] = data[:size]
    raise ConnectionError("sent more values than keys asked for")


def _number(raw: bytes, kind: str) -> float:
    text = raw.decode("ascii", "replace").strip()
    return int(text) if kind == COUNTER else float(text)


def _reason(err: Exception, timeout: float) -> str:
    if isinstance(err, TimeoutError):
        return f"timeout after {timeout:.2g}s"
    if isinstance(err, ConnectionRefusedError):
        return "refused the connection"
    if isinstance(err, ConnectionError) and not err.strerror:
        return str(err)
    if isinstance(err, OSError) and err.strerror:
        return f"unreachable: {err.strerror}"
    return f"failed: {err or type(err).__name__}"


# -- options shared by the checks that read counters ---------------------------

def _option_type(parse, name: str):
    def convert(text: str):
        import argparse

        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = name
    return convert


counter_name = _option_type(valid_name, "counter name")
tag_name = _option_type(valid_tag, "tag")


def whole_minutes(seconds: float) -> int:
    """*seconds* as a counter window: a multiple of 60 up to 7 days, else ValueError."""
    if seconds % BUCKET or not BUCKET <= seconds <= MAX_WINDOW:
        raise ValueError(f"window {format_number(seconds)} must be a multiple of 60 seconds, "
                         f"60 to {MAX_WINDOW}")
    return int(seconds)


def _window(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a whole number of seconds") from None
    return whole_minutes(seconds)


window_seconds = _option_type(_window, "window")


def add_pool_options(parser, window_default: int | None = 900) -> None:
    """Add ``--memcached``, ``--prefix`` and (unless *window_default* is None) ``--window``.

    Checks add ``--counter`` (type :data:`counter_name`) and ``--tag`` (type
    :data:`tag_name`) themselves, with the repetition they support.
    """
    parser.add_argument("--memcached", type=_option_type(parse_servers, "servers"),
                        metavar="HOST:PORT[,HOST:PORT..]",
                        default=os.environ.get(ENV_SERVERS) or "127.0.0.1:11211",
                        help="the app's counter pool, named as the app names it "
                             f"(default ${ENV_SERVERS}, else 127.0.0.1:11211)")
    parser.add_argument("--prefix", type=_option_type(valid_prefix, "prefix"),
                        default=os.environ.get(ENV_PREFIX, DEFAULT_PREFIX), metavar="PREFIX",
                        help=f"key prefix the app writes with (default {DEFAULT_PREFIX!r})")
    if window_default is None:
        return
    parser.add_argument("--window", type=window_seconds, default=window_default,
                        metavar="SECONDS",
                        help=f"the last SECONDS, in whole minutes (default {window_default})")
