"""HTTP/1.1 on one socket within a deadline: the wire half of :mod:`immune.http`.

Connect and TLS (by :mod:`immune.tcp`, shared with check_tcp), send, read
the response head (bounded) and a body framed by Content-Length, chunked encoding or the
server closing, cut at a size bound. Every wait gets the deadline's
remaining time and running out raises its
:class:`~immune.deadline.CheckTimeout`; any other failure raises
:class:`HttpError` with a one-line reason. Text going out (the path, the
Host header, extra headers) never carries control characters, so nothing
can be smuggled into the request.
"""

from __future__ import annotations

import re
import socket
import time

from immune import tcp
from immune.domain import CheckError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from immune.deadline import Deadline

MAX_HEADER = 64 * 1024
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class HttpError(CheckError):
    """A failed request; ``kind`` names the failure, the message is one line."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def request_bytes(method: str, path: str, host: str, headers: tuple,
                  user_agent: str) -> bytes:
    """The request as sent: *headers* (name, value) pairs added, ``Connection: close``.

    A ``User-Agent`` or ``Accept`` among *headers* replaces ours; ``Host`` and
    ``Connection`` there are ignored. A header with control characters is refused.
    """
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {ascii_path(path)} HTTP/1.1", f"Host: {ascii_host(host)}"]
    if "user-agent" not in names:
        lines.append(f"User-Agent: {user_agent}")
    if "accept" not in names:
        lines.append("Accept: */*")
    for name, value in headers:
        if name.lower() in ("host", "connection"):
            continue
        line = f"{name}: {value}"
        if CONTROL.search(line) or not line.isascii() or not name.strip():
            raise HttpError("protocol", f"invalid request header '{line[:60]}'")
        lines.append(line)
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def ascii_path(path: str) -> str:
    """The path as sent: non-ASCII characters and spaces percent-encoded (UTF-8)."""
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    from urllib.parse import quote

    return quote(path, safe="/?&=%:@!$'()*+,;~#[]-._")


def ascii_host(host: str) -> str:
    """The Host header as sent: an internationalised name in its IDNA form."""
    if not host.isprintable() or " " in host:
        raise HttpError("dns", f"'{host}' is not a valid host name")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise HttpError("dns", f"'{host}' is not a valid host name") from None


def connect(address: str, port: int, deadline: Deadline, family: int = 0) -> socket.socket:
    """A TCP connection to *address*:*port* by :func:`immune.tcp.connect` (each
    resolved address of *family*, 0 for any, in turn, the look-up itself bounded by
    the deadline)."""
    where = f"{address}:{port}"
    if not address.strip():  # getaddrinfo would take "" for this host
        raise HttpError("dns", "empty host name")
    with deadline.stage(f"connecting to {where}"):
        try:
            return tcp.connect(address, port, deadline, family)
        except tcp.ResolveError as err:
            raise HttpError("dns", str(err)) from None
        except tcp.ConnectError as err:
            if err.refused:
                raise HttpError("refused", f"connection refused by {where}") from None
            raise HttpError("connect", str(err)) from None


def start_tls(sock: socket.socket, where: str, server_name: str, verify: bool,
              deadline: Deadline) -> socket.socket:
    """TLS over *sock* by :func:`immune.tcp.start_tls` (SNI *server_name*; the
    certificate checked only with *verify*)."""
    with deadline.stage(f"in the TLS handshake with {where}"):
        try:
            return tcp.start_tls(sock, deadline, server_name, verify)
        except tcp.ConnectError as err:
            reason = str(err).partition(": ")[2] or str(err)
            raise HttpError("tls", f"TLS handshake with {where} failed: {reason}") from None


def send(sock: socket.socket, data: bytes, deadline: Deadline) -> None:
    """Send all of *data* within the deadline."""
    try:
        sock.settimeout(deadline.remaining())
        sock.sendall(data)
    except TimeoutError:
        raise deadline.expired() from None
    except OSError as err:
        raise HttpError("protocol", f"cannot send the request: {err.strerror or err}") \
            from None


def _recv(sock: socket.socket, deadline: Deadline, size: int = 65536) -> bytes:
    try:
        sock.settimeout(deadline.remaining())
        return sock.recv(size)
    except TimeoutError:
        raise deadline.expired() from None
    except OSError as err:
        if type(err).__name__ == "SSLEOFError":  # TLS peer closed without close_notify
            return b""
        raise HttpError("protocol", f"error reading the response: {err.strerror or err}") \
            from None


def read_head(sock: socket.socket, deadline: Deadline,
              where: str) -> tuple[bytes, bytes, int, float]:
    """(status line and headers, the bytes after them, their size, first byte time)."""
    data, first = b"", 0.0
    while True:
        for blank in (b"\r\n\r\n", b"\n\n"):
            end = data.find(blank)
            if end >= 0:
                return data[:end], data[end + len(blank):], end + len(blank), first
        if len(data) > MAX_HEADER:
            raise HttpError("protocol", f"response headers from {where} exceed "
                                        f"{MAX_HEADER // 1024} KB")
        chunk = _recv(sock, deadline)
        if not chunk:
            if not data:
                raise HttpError("protocol", f"no data received from {where}")
            return data, b"", len(data), first
        first = first or time.monotonic()
        data += chunk


def parse_head(head: bytes, where: str) -> tuple[str, int, tuple]:
    """(status line, status code, headers as (name, value) pairs) of a response head."""
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    status_line = lines[0].strip()
    parts = status_line.split(None, 2)
    # RFC 9112: HTTP-version SP 3DIGIT SP reason-phrase, the phrase without control
    # characters (a terminal escape there is an attack, not an answer)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() \
            or len(parts[1]) != 3 or CONTROL.search(status_line):
        raise HttpError("protocol", f"invalid HTTP response from {where}: "
                                    f"'{status_line[:60]}'")
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return status_line, int(parts[1]), tuple(headers)


def read_body(sock: socket.socket, deadline: Deadline, data: bytes, method: str,
              status: int, headers: tuple, max_body: int) -> tuple[bytes, bool]:
    """(the body, at most *max_body* bytes; whether it was cut), *data* read already.

    Framed by Content-Length, chunked encoding or the server closing.
    """
    if method == "HEAD" or status < 200 or status in (204, 304):
        return b"", False
    fields = {name.lower(): value for name, value in headers}
    chunked = "chunked" in fields.get("transfer-encoding", "").lower()
    length = None if chunked else _content_length(fields.get("content-length"))
    if chunked:  # framing adds a few bytes per chunk: read a little beyond the bound
        want = max_body + 4096 + max_body // 64
    elif length is not None:
        want = min(length, max_body)
    else:  # read until the server closes, one byte beyond the bound to see truncation
        want = max_body + 1
    data, pos = bytearray(data), 0  # pos: the size line of the first chunk not yet whole
    while len(data) < want:
        if chunked and data.endswith(b"\r\n"):
            pos, last = _chunks_end(data, pos)
            if last:
                break
        chunk = _recv(sock, deadline)
        if not chunk:
            break
        data += chunk
    if chunked:
        body, complete = dechunk(data)
        return body[:max_body], len(body) > max_body or (not complete and len(data) >= want)
    if length is not None:
        return bytes(data[:want]), length > max_body
    return bytes(data[:max_body]), len(data) > max_body


def _content_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def dechunk(data: bytes) -> tuple[bytes, bool]:
    """Decode a chunked body: (the bytes of all whole chunks, whether the last came)."""
    spans: list[tuple[int, int]] = []
    last = _chunks_end(data, 0, spans)[1]
    return b"".join(data[start:end] for start, end in spans), last


def _chunks_end(data: bytes | bytearray, pos: int,
                spans: list | None = None) -> tuple[int, bool]:
    """(the size line of the first chunk not wholly in *data*, whether the last chunk
    came), walking from the size line at *pos* without copying any chunk.

    Each whole chunk's (start, end) in *data* is appended to *spans* when given.
    """
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return pos, False
        try:
            size = int(data[pos:end].split(b";")[0].strip(), 16)
        except ValueError:
            return pos, False
        if size == 0:
            return pos, True
        if end + 2 + size > len(data):
            return pos, False
        if spans is not None:
            spans.append((end + 2, end + 2 + size))
        pos = end + 2 + size + 2
