"""One HTTP request within the check's deadline: the HTTP source of the web checks.

Why neither ``requests`` nor ``http.client``: measured with
``python -X importtime`` on the 2-core CI machine (median of 5 runs),
importing ``requests`` costs about 100 ms and ``http.client`` about 25 ms (it
pulls in ``email.parser`` and ``ssl`` whatever the URL), while ``socket``
costs 4 ms and ``ssl`` 8-13 ms. A network check may spend 70 ms a run and
the base layer already takes about 40 ms, so this module speaks the little
HTTP/1.1 a probe needs over a plain socket: one request with
``Connection: close``, a response read until its ``Content-Length`` is
reached or the server closes, chunked bodies decoded, the body bounded in
size. ``ssl`` is imported only for https; certificates are not verified
unless asked (like the Monitoring Plugins' check_http).

Every wait gets the deadline's remaining time; running out raises the
deadline's :class:`~immune.deadline.CheckTimeout` (UNKNOWN, naming the stage).
Any other failure raises :class:`HttpError`, a one-line
:class:`~immune.domain.CheckError` whose :attr:`HttpError.kind` tells checks
what failed (``dns``, ``refused``, ``connect``, ``tls``, ``protocol``,
``location``, ``redirects``, ``redirect-loop``) so each can judge it as its reference plugin does.
"""

from __future__ import annotations

import re
import socket
import time
from collections import namedtuple

from immune.domain import CheckError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from immune.deadline import Deadline

MAX_BODY = 2 * 1024 * 1024
MAX_HEADER = 64 * 1024
MAX_REDIRECTS = 15
USER_AGENT = "immune-check (monitoring)"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class HttpError(CheckError):
    """A failed request; ``kind`` names the failure, the message is one line."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class Target(namedtuple("Target", "address port host path tls verify",
                        defaults=("/", False, False))):
    """Where one request goes: connect to *address*:*port*, ask *host* for *path*."""

    __slots__ = ()

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the virtual host, with the port when not the default."""
        name, port = split_host(self.host)
        if port is not None:
            return self.host  # given with its port (``example.com:5000``)
        name = f"[{name}]" if ":" in name else name
        return name if self.port == (443 if self.tls else 80) else f"{name}:{self.port}"

    @property
    def url(self) -> str:
        """The URL requested, for messages."""
        return f"{self.scheme}://{self.host_header}{self.path}"


class Response(namedtuple("Response", "target status_line status headers head_size body "
                                      "truncated seconds redirects timings")):
    """What the server answered: status line and code, headers, body (bounded).

    *headers* is a tuple of (name, value) as sent; *head_size* the bytes of the
    status line and headers (with the blank line); *truncated* is true when
    the body was cut at the size bound; *seconds* is the time from connecting
    to the last byte; *redirects* counts the redirects followed to get here;
    *timings* splits the last request's seconds: (``connect``, ``tls`` for https,
    ``firstbyte`` and ``headers`` counted from sending the request, ``transfer``
    of the body) as (name, seconds) pairs.
    """

    __slots__ = ()

    def header(self, name: str) -> str | None:
        """The first header called *name* (any case), or ``None``."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    @property
    def text(self) -> str:
        """The body as text (charset from Content-Type, else UTF-8; bad bytes replaced)."""
        charset = "utf-8"
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def split_host(host: str) -> tuple[str, int | None]:
    """``example.com:5000`` -> (``example.com``, 5000); ``[::1]:80`` and ``::1`` work too."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif host.count(":") == 1:
        name, _, port = host.partition(":")
    else:
        name, port = host, ""
    return name, int(port) if port.isdigit() else None


def fetch(target: Target, deadline: Deadline, method: str = "GET",
          max_body: int = MAX_BODY, headers: tuple = ()) -> Response:
    """Send one request to *target* and read the response within *deadline*.

    *headers* are extra request headers as (name, value) pairs; a ``User-Agent``
    among them replaces ours.
    """
    where = f"{target.address}:{target.port}"
    request = _request(target, method, headers)
    start = time.monotonic()
    sock = _connect(target, deadline)
    timings = [("connect", time.monotonic() - start)]
    try:
        if target.tls:
            sock = _tls(sock, target, deadline)
            timings.append(("tls", time.monotonic() - start - timings[0][1]))
        with deadline.stage(f"waiting for the response from {where}"):
            sent = time.monotonic()
            _send(sock, request, deadline)
            head, rest, head_size, first = _read_head(sock, deadline, where)
            headers_done = time.monotonic()
            status_line, status, fields = _parse_head(head, where)
            body, truncated = _read_body(sock, deadline, rest, method, status, fields,
                                         max_body)
    finally:
        sock.close()
    end = time.monotonic()
    timings += [("firstbyte", first - sent), ("headers", headers_done - sent),
                ("transfer", end - headers_done)]
    return Response(target, status_line, status, fields, head_size, body, truncated,
                    end - start, 0, tuple((name, round(value, 6)) for name, value in timings))


def _request(target: Target, method: str, headers: tuple) -> bytes:
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {_ascii_path(target.path)} HTTP/1.1",
             f"Host: {_ascii_host(target.host_header)}"]
    if "user-agent" not in names:
        lines.append(f"User-Agent: {USER_AGENT}")
    if "accept" not in names:
        lines.append("Accept: */*")
    for name, value in headers:
        if name.lower() in ("host", "connection"):
            continue
        line = f"{name}: {value}"
        if _CONTROL.search(line) or not line.isascii() or not name.strip():
            raise HttpError("protocol", f"invalid request header '{line[:60]}'")
        lines.append(line)
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def fetch_following(target: Target, deadline: Deadline, method: str = "GET",
                    max_body: int = MAX_BODY, max_redirects: int = MAX_REDIRECTS,
                    sticky_address: bool = False, sticky_port: bool = False,
                    headers: tuple = ()) -> Response:
    """Like :func:`fetch`, following redirects (``Location``) up to *max_redirects*.

    With *sticky_address* every request still connects to the first address
    (and with *sticky_port* to the first port). A redirect loop raises
    :class:`HttpError` of kind ``redirect-loop``, too many ``redirects``.
    """
    seen = {(target.address, target.port, target.host_header, target.path)}
    start = time.monotonic()
    hops = 0
    response = fetch(target, deadline, method, max_body, headers)
    while 300 <= response.status < 400:
        location = response.header("location")
        if not location:
            raise HttpError("location", f"{response.status_line}: no Location header "
                                        f"to follow")
        if hops == max_redirects:
            raise HttpError("redirects", f"more than {max_redirects} redirects (next to "
                                        f"{location[:80]})")
        target = redirect_target(target, location, sticky_address, sticky_port)
        key = (target.address, target.port, target.host_header, target.path)
        if key in seen:
            raise HttpError("redirect-loop", f"redirect loop at {target.url}")
        seen.add(key)
        hops += 1
        response = fetch(target, deadline, method, max_body, headers)
    return response._replace(seconds=time.monotonic() - start, redirects=hops)


def redirect_target(target: Target, location: str, sticky_address: bool = False,
                    sticky_port: bool = False) -> Target:
    """The target a ``Location`` header points to, relative to *target*."""
    from urllib.parse import urljoin, urlsplit

    url = urlsplit(urljoin(target.url, location.strip()))
    if url.scheme not in ("http", "https") or not url.hostname:
        raise HttpError("protocol", f"cannot follow redirect to '{location[:80]}'")
    tls = url.scheme == "https"
    try:
        port = url.port or (443 if tls else 80)
    except ValueError:
        raise HttpError("protocol", f"bad port in redirect to '{location[:80]}'") from None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    host += "" if url.port is None else f":{url.port}"
    return Target(target.address if sticky_address else url.hostname,
                  target.port if sticky_port else port, host, path, tls, target.verify)


def _ascii_path(path: str) -> str:
    """The path as sent: non-ASCII characters and spaces percent-encoded (UTF-8)."""
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    from urllib.parse import quote

    return quote(path, safe="/?&=%:@!$'()*+,;~#[]-._")


def _ascii_host(host: str) -> str:
    """The Host header as sent: an internationalised name in its IDNA form."""
    if not host.isprintable() or " " in host:
        raise HttpError("dns", f"'{host}' is not a valid host name")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise HttpError("dns", f"'{host}' is not a valid host name") from None


def _connect(target: Target, deadline: Deadline) -> socket.socket:
    where = f"{target.address}:{target.port}"
    if not target.address.strip():  # getaddrinfo would take "" for this host
        raise HttpError("dns", "empty host name")
    with deadline.stage(f"resolving {target.address}"):
        try:
            # an ASCII name as bytes spares the idna codec import (1.3 ms a run)
            name = target.address.encode() if target.address.isascii() else target.address
            addresses = socket.getaddrinfo(name, target.port, type=socket.SOCK_STREAM)
        except socket.gaierror as err:
            raise HttpError("dns", f"cannot resolve {target.address}: {err.strerror}") \
                from None
    with deadline.stage(f"connecting to {where}"):
        error: OSError | None = None
        for family, kind, proto, _, address in addresses:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(deadline.remaining())
                sock.connect(address)
                return sock
            except TimeoutError:
                sock.close()
                raise deadline.expired() from None
            except OSError as err:
                sock.close()
                error = err
        if isinstance(error, ConnectionRefusedError):
            raise HttpError("refused", f"connection refused by {where}")
        reason = getattr(error, "strerror", None) or str(error)
        raise HttpError("connect", f"cannot connect to {where}: {reason}")


def _tls(sock: socket.socket, target: Target, deadline: Deadline) -> socket.socket:
    import ssl

    where = f"{target.address}:{target.port}"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if target.verify:
        context.load_default_certs()
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    name = split_host(target.host)[0]
    with deadline.stage(f"in the TLS handshake with {where}"):
        try:
            sock.settimeout(deadline.remaining())
            return context.wrap_socket(sock, server_hostname=name)
        except TimeoutError:
            sock.close()
            raise deadline.expired() from None
        except ssl.SSLError as err:
            sock.close()
            reason = err.reason or err.strerror or type(err).__name__
            raise HttpError("tls", f"TLS handshake with {where} failed: {reason}") from None
        except OSError as err:
            sock.close()
            raise HttpError("tls", f"TLS handshake with {where} failed: "
                                   f"{err.strerror or err}") from None


def _send(sock: socket.socket, data: bytes, deadline: Deadline) -> None:
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


def _read_head(sock: socket.socket, deadline: Deadline,
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


def _parse_head(head: bytes, where: str) -> tuple[str, int, tuple]:
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    status_line = lines[0].strip()
    parts = status_line.split(None, 2)
    # RFC 9112: HTTP-version SP 3DIGIT SP reason-phrase, the phrase without control
    # characters (a terminal escape there is an attack, not an answer)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() \
            or len(parts[1]) != 3 or _CONTROL.search(status_line):
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


def _read_body(sock: socket.socket, deadline: Deadline, data: bytes, method: str,
               status: int, headers: tuple, max_body: int) -> tuple[bytes, bool]:
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
    while len(data) < want:
        if chunked and data.endswith(b"\r\n") and _dechunk(data)[1]:
            break
        chunk = _recv(sock, deadline)
        if not chunk:
            break
        data += chunk
    if chunked:
        body, complete = _dechunk(data)
        return body[:max_body], len(body) > max_body or (not complete and len(data) >= want)
    if length is not None:
        return data[:want], length > max_body
    return data[:max_body], len(data) > max_body


def _content_length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def _dechunk(data: bytes) -> tuple[bytes, bool]:
    """Decode a chunked body: (the bytes of all whole chunks, whether the last came)."""
    body, pos = [], 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return b"".join(body), False
        try:
            size = int(data[pos:end].split(b";")[0].strip(), 16)
        except ValueError:
            return b"".join(body), False
        if size == 0:
            return b"".join(body), True
        if end + 2 + size > len(data):
            return b"".join(body), False
        body.append(data[end + 2:end + 2 + size])
        pos = end + 2 + size + 2
