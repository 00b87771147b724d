"""A short TCP conversation inside the check's deadline: connect, send, read, quit.

What ``check_tcp`` (and any check that talks a line protocol) needs: connect
with the time left, send a request, read the answer until it is good enough
(the expected strings are in it, the server closed, ``maxbytes`` arrived, or
the server fell quiet), then say goodbye. Every socket wait is bounded by
the :class:`immune.deadline.Deadline`; a server that sends nothing ends in
:class:`immune.deadline.CheckTimeout`, one that sends forever is cut off at
a byte cap or shortly before the deadline, so the check can still report.
"""

from __future__ import annotations

import socket
import time
from collections import namedtuple
from collections.abc import Sequence

from immune.deadline import Deadline

QUIET = 2.0
"""Seconds to wait for more data once some arrived without a match (as the C plugin)."""
READ_CAP = 1 << 20
"""Never keep more than this many bytes of an answer, whatever ``maxbytes`` says."""
MARGIN = 0.1
"""Stop reading this long before the deadline (at most 20% of the budget) to report."""

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}


class ConnectError(Exception):
    """The connection failed; :attr:`refused` is True for an active refusal."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class ResolveError(ConnectError):
    """The host name does not resolve."""


class Reply(namedtuple("Reply", "data matched eof")):
    """What the server said: *data* (bytes), whether the expectation was met, EOF seen."""

    __slots__ = ()

    def first_line(self, limit: int = 60) -> str:
        """The answer's first non-empty line, decoded leniently and shortened."""
        text = self.data.decode("utf-8", "replace").strip()
        line = text.split("\n", 1)[0].strip()
        return line if len(line) <= limit else line[: limit - 3] + "..."


def unescape(text: str) -> str:
    """Expand ``\\n``, ``\\r``, ``\\t`` and ``\\\\`` (check_tcp ``-E``); others stay."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        out.append(_ESCAPES.get(nxt, "\\" + nxt))
    return "".join(out)


def expectation_met(data: bytes, expect: Sequence[bytes], match_all: bool) -> bool:
    """True when any (or, with *match_all*, every) expected string occurs in *data*."""
    if not expect:
        return True
    found = (needle in data for needle in expect)
    return all(found) if match_all else any(found)


def resolve(host: str, port: int | None, family: int, deadline: Deadline) -> list:
    """``getaddrinfo`` within the deadline.

    The C resolver cannot be interrupted (it retries through signals), so a
    name is looked up in a helper thread that is abandoned at the deadline
    (:func:`immune.parallel.answers_within`); an address literal is
    converted at once.
    """
    # an ASCII name as bytes spares the idna codec import (~3 ms per run)
    name = host.encode() if host.isascii() else host
    try:
        return socket.getaddrinfo(name, port, family, socket.SOCK_STREAM, 0,
                                  socket.AI_NUMERICHOST)
    except socket.gaierror:
        pass  # a name, not an address
    from immune.parallel import HUNG, answers_within

    def ask(item: bytes | str) -> list:
        return socket.getaddrinfo(item, port, family, socket.SOCK_STREAM)

    [answer] = answers_within(ask, [name], deadline.remaining(),
                              errors=(OSError, UnicodeError)).values()
    if answer is HUNG:
        raise deadline.expired()
    if isinstance(answer, BaseException):
        raise answer
    return answer


def lookup(host: str, port: int | None, family: int, deadline: Deadline) -> list:
    """:func:`resolve`, a failure raised as :class:`ResolveError` in the C plugin's words."""
    try:
        return resolve(host, port, family, deadline)
    except (socket.gaierror, UnicodeError) as err:
        raise ResolveError(f"Invalid hostname, address or socket: {host} "
                           f"({getattr(err, 'strerror', None) or err})") from None


def connect(host: str, port: int | None, deadline: Deadline, family: int = 0) -> socket.socket:
    """A connected socket to *host*:*port*, or to the Unix socket *host* (an absolute path).

    Tries every address the name resolves to, in order, each within the time
    left. Raises :class:`ResolveError`, :class:`ConnectError` or
    :class:`immune.deadline.CheckTimeout`.
    """
    if host.startswith("/"):
        targets = [(socket.AF_UNIX, host)]
    else:
        targets = [(info[0], info[4]) for info in lookup(host, port, family, deadline)]
    error: ConnectError | None = None
    for af, address in targets:
        sock = socket.socket(af, socket.SOCK_STREAM)
        try:
            sock.settimeout(deadline.remaining())
            sock.connect(address)
            return sock
        except TimeoutError:
            sock.close()
            raise deadline.expired() from None
        except OSError as err:
            sock.close()
            where = (f"socket {host}" if af == socket.AF_UNIX
                     else f"address {address[0]} and port {port}")
            refused = isinstance(err, ConnectionRefusedError)
            error = ConnectError(f"connect to {where}: {err.strerror or err}", refused)
    assert error is not None
    raise error


def start_tls(sock: socket.socket, deadline: Deadline, server_name: str | None = None,
              verify: bool = False) -> socket.socket:
    """TLS over the connected *sock*: the handshake within the time left, SNI
    *server_name*. Unless *verify*, the certificate is not checked (as
    ``check_tcp -S`` does); with it, chain and host name are."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        context.load_default_certs()
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        sock.settimeout(deadline.remaining())
        return context.wrap_socket(sock, server_hostname=server_name)
    except TimeoutError:
        sock.close()
        raise deadline.expired() from None
    except (ssl.SSLError, OSError) as err:
        sock.close()
        reason = getattr(err, "reason", None) or getattr(err, "strerror", None) or err
        raise ConnectError(f"Cannot make SSL connection: {reason}") from None


def read_reply(sock: socket.socket, deadline: Deadline, expect: Sequence[bytes] = (),
               match_all: bool = False, maxbytes: int | None = None) -> Reply:
    """Read until the expectation is met, EOF, *maxbytes*, the server falls quiet,
    or the deadline is near.

    With nothing received before the deadline, raises
    :class:`immune.deadline.CheckTimeout` (the server never answered).
    """
    cap = min(maxbytes or READ_CAP, READ_CAP)
    data = bytearray()
    eof = False
    while True:
        if expect and expectation_met(bytes(data), expect, match_all):
            break
        left = deadline.usable(share=0.2, most=MARGIN)
        if left <= 0:
            if not data:
                raise deadline.expired()
            break
        sock.settimeout(min(left, QUIET) if data else left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if data:
                break  # fell quiet (or the deadline is near): judge what arrived
            continue  # nothing yet: the loop raises the timeout when time is up
        except OSError as err:
            if data:
                break
            raise ConnectError(f"receive failed: {err.strerror or err}") from None
        if not chunk:
            eof = True
            break
        data += chunk
        if len(data) >= cap:
            del data[cap:]
            break
    return Reply(bytes(data), expectation_met(bytes(data), expect, match_all), eof)


def send_all(sock: socket.socket, payload: bytes, deadline: Deadline) -> None:
    """Send *payload* within the time left; a peer that hung up is not an error here."""
    if not payload:
        return
    try:
        sock.settimeout(deadline.remaining())
        sock.sendall(payload)
    except TimeoutError:
        raise deadline.expired() from None
    except OSError:
        pass  # the reply (or its absence) tells the story


def pause(seconds: float, deadline: Deadline) -> float:
    """Sleep *seconds*, but not into the deadline's margin (``-d/--delay``); returns the
    seconds slept."""
    slept = min(seconds, deadline.usable(MARGIN)) if seconds > 0 else 0.0
    if slept:
        time.sleep(slept)
    return slept
