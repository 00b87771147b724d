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

The wire protocol lives in :mod:`immune.httpwire`. Every wait gets the
deadline's remaining time; running out raises the deadline's
:class:`~immune.deadline.CheckTimeout` (UNKNOWN, naming the stage). Any
other failure raises :class:`HttpError`, a one-line
:class:`~immune.domain.CheckError` whose :attr:`HttpError.kind` tells checks
what failed (``dns``, ``refused``, ``connect``, ``tls``, ``protocol``,
``location``, ``redirects``, ``redirect-loop``) so each can judge it as its
reference plugin does.
"""

from __future__ import annotations

import time
from collections import namedtuple

from immune.httpwire import (
    HttpError,
    connect,
    parse_head,
    read_body,
    read_head,
    request_bytes,
    send,
    start_tls,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from immune.deadline import Deadline

__all__ = ["HttpError", "Response", "Target", "fetch", "fetch_following", "handshake",
           "redirect_target", "split_host", "target_for"]

MAX_BODY = 2 * 1024 * 1024
MAX_REDIRECTS = 15
USER_AGENT = "immune-check (monitoring)"


class Target(namedtuple("Target", "address port host path tls verify family",
                        defaults=("/", False, False, 0))):
    """Where one request goes: connect to *address*:*port*, ask *host* for *path*.

    *family* is the socket address family to connect with (``AF_INET``,
    ``AF_INET6``; 0 for either).
    """

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
                                      "truncated seconds redirects timings certificate",
                          defaults=(None,))):
    """What the server answered: status line and code, headers, body (bounded).

    *headers* is a tuple of (name, value) as sent; *head_size* the bytes of the
    status line and headers (with the blank line); *truncated* is true when
    the body was cut at the size bound; *seconds* is the time from connecting
    to the last byte; *redirects* counts the redirects followed to get here;
    *timings* splits the last request's seconds: (``connect``, ``tls`` for https,
    ``firstbyte`` and ``headers`` counted from sending the request, ``transfer``
    of the body) as (name, seconds) pairs; *certificate* is the DER of the
    certificate the https server presented (verified or not; of the first
    request when redirects were followed), ``None`` for http.
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


def target_for(host: str, port: int | None = None, path: str = "/", tls: bool = False,
               address: str | None = None, verify: bool = False, family: int = 0) -> Target:
    """The target of a check's options, as check_http builds it.

    *host* may carry a port (``example.com:5000``, used when *port* is not
    given; else 443 with *tls*, 80 without); a *path* without its leading ``/``
    gets one; *address* (default: the host's name) is where to connect, with
    address *family* (0: either).
    """
    name, host_port = split_host(host)
    port = port or host_port or (443 if tls else 80)
    path = path if path.startswith("/") else "/" + path
    return Target(address or name, port, host, path, tls, verify, family)


def fetch(target: Target, deadline: Deadline, method: str = "GET",
          max_body: int = MAX_BODY, headers: tuple = ()) -> Response:
    """Send one request to *target* and read the response within *deadline*.

    *headers* are extra request headers as (name, value) pairs; a ``User-Agent``
    among them replaces ours.
    """
    where = f"{target.address}:{target.port}"
    request = request_bytes(method, target.path, target.host_header, headers, USER_AGENT)
    start = time.monotonic()
    sock = connect(target.address, target.port, deadline, target.family)
    timings = [("connect", time.monotonic() - start)]
    certificate = None
    try:
        if target.tls:
            sock = start_tls(sock, where, split_host(target.host)[0], target.verify, deadline)
            timings.append(("tls", time.monotonic() - start - timings[0][1]))
            certificate = sock.getpeercert(binary_form=True)
        with deadline.stage(f"waiting for the response from {where}"):
            sent = time.monotonic()
            send(sock, request, deadline)
            head, rest, head_size, first = read_head(sock, deadline, where)
            headers_done = time.monotonic()
            status_line, status, fields = parse_head(head, where)
            body, truncated = read_body(sock, deadline, rest, method, status, fields,
                                        max_body)
    finally:
        sock.close()
    end = time.monotonic()
    timings += [("firstbyte", first - sent), ("headers", headers_done - sent),
                ("transfer", end - headers_done)]
    return Response(target, status_line, status, fields, head_size, body, truncated,
                    end - start, 0, tuple((name, round(value, 6)) for name, value in timings),
                    certificate)


def handshake(target: Target, deadline: Deadline) -> tuple[bytes | None, float]:
    """Connect to the https *target* and shake hands, sending no request:
    (the DER of the certificate the server presented, the seconds it took).

    What ``check_http -C`` does without ``--continue-after-certificate``; the
    certificate is verified only with ``target.verify``.
    """
    where = f"{target.address}:{target.port}"
    start = time.monotonic()
    sock = connect(target.address, target.port, deadline, target.family)
    sock = start_tls(sock, where, split_host(target.host)[0], target.verify, deadline)
    with sock:
        return sock.getpeercert(binary_form=True), time.monotonic() - start


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
    certificate = response.certificate
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
    return response._replace(seconds=time.monotonic() - start, redirects=hops,
                             certificate=certificate)


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
                  target.port if sticky_port else port, host, path, tls, target.verify,
                  target.family)
