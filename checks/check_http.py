#!/usr/bin/env python3
"""check_http: one HTTP(S) request, judged on status, content, size and time.

Drop-in for the common options of the Monitoring Plugins check_http and
check_curl, with their verdicts: 5xx CRITICAL, 4xx WARNING, 3xx as
-f/--onredirect says (default OK), -e replaces that logic with "the status
line contains one of these strings", a missing -s string or -r pattern is
CRITICAL, a page size outside -m is WARNING, a refused connection, a DNS or
TLS failure is CRITICAL. One difference: running out of time (-t) is
UNKNOWN, as for every check of this suite, not CRITICAL.

--min-lines and --closing-tag make the reference site's homepage check:
the page has at least N lines and ends with </html> (else CRITICAL).

-C WARN[,CRIT] judges the days the server certificate has left, as the C
plugin does (expired or at most CRIT days CRITICAL, at most WARN WARNING):
it implies https (port 443) and, unless --continue-after-certificate, only
the TLS handshake is made, no request; with it the page is judged too and
the worse verdict wins. The certificate need not be valid (self-signed works).
"""

import argparse
import functools
import re

from immune.certificate import CertificateContext, certificate_days, read_certificate
from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import (
    Context,
    Critical,
    Metric,
    Ok,
    Resource,
    Result,
    Summary,
    Unknown,
    Warn,
)
from immune.http import (
    MAX_BODY,
    MAX_REDIRECTS,
    HttpError,
    fetch,
    fetch_following,
    handshake,
    target_for,
)
from immune.options import UsageError, non_negative_int, regex
from immune.plugin import Plugin
from immune.ranges import INF, NEVER, Range

# How a failed request is judged, as the C plugin does (a timeout never gets here:
# the deadline makes it UNKNOWN).
FAILURE_STATES = {"refused": Critical, "dns": Critical, "connect": Critical, "tls": Critical,
                  "protocol": Critical, "redirect-loop": Critical, "redirects": Warn}
REDIRECT_STATES = {"ok": Ok, "warning": Warn, "critical": Critical}
QUOTE = 40  # characters of an operator's string quoted back in the summary


class Page(Resource):
    """One request for the page (following redirects with -f follow), or with
    -C alone only the TLS handshake, for the server certificate."""

    def __init__(self, target, deadline, request, follow, max_redirects, checks, extended,
                 certificate=None):
        self.certificate = certificate  # with -C: "only", or "also" the page
        self.target = target
        self.deadline = deadline
        self.request = request  # method, body bound, extra headers
        self.follow = follow
        self.max_redirects = max_redirects
        self.checks = checks  # (metric name, function of the response -> value)
        self.extended = extended
        self.response = None

    def probe(self):
        if self.certificate == "only":
            yield from self.probe_certificate()
            return
        deadline = self.deadline
        try:
            method, max_body, headers = self.request
            if self.follow:
                self.response = fetch_following(
                    self.target, deadline, method, max_body, self.max_redirects,
                    sticky_address=self.follow in ("sticky", "stickyport"),
                    sticky_port=self.follow == "stickyport", headers=headers)
            else:
                self.response = fetch(self.target, deadline, method, max_body, headers)
        except HttpError as err:
            yield Metric("request", err, context="request")
            return
        response = self.response
        if self.certificate:
            yield Metric("certificate", read_certificate(response.certificate),
                         context="certificate")
        yield Metric("status", response.status, context="status")
        yield Metric("time", round(response.seconds, 6), "s", min=0, context="time")
        yield Metric("size", page_size(response), "B", min=0, context="size")
        if self.extended:  # -E: the C plugin's time_connect, time_ssl, time_headers...
            for name, seconds in response.timings:
                label = "time_ssl" if name == "tls" else f"time_{name}"
                yield Metric(label, seconds, "s", min=0, context="timing")
        content = Content(response)
        for name, measure in self.checks:
            yield Metric(name, measure(content), context=name)

    def probe_certificate(self):
        """-C without --continue-after-certificate: connect, shake hands, no request."""
        try:
            der, seconds = handshake(self.target, self.deadline)
        except HttpError as err:
            yield Metric("request", err, context="request")
            return
        yield Metric("certificate", read_certificate(der), context="certificate")
        yield Metric("time", round(seconds, 6), "s", min=0, context="timing")


class Content:
    """The response as the content tests read it: its body decoded to text once,
    when a test first asks (-s, -r and --min-lines share it)."""

    def __init__(self, response):
        self.response = response

    def __getattr__(self, name):
        return getattr(self.response, name)

    @functools.cached_property
    def text(self):
        return self.response.text


def page_size(response):
    """Bytes of headers and body, as the C plugins count them.

    For a body cut at the size bound, its Content-Length when the server gave one.
    """
    length = response.header("content-length")
    if response.truncated and length and length.isdigit():
        return response.head_size + int(length)
    return response.head_size + len(response.body)


class RequestFailed(Context):
    """A request that got no HTTP answer: CRITICAL or WARNING as the C plugin says."""

    def evaluate(self, metric, resource):
        return Result(FAILURE_STATES.get(metric.value.kind, Unknown), str(metric.value), metric)


class StatusLine(Context):
    """Without -e: 5xx CRITICAL, 4xx WARNING, 3xx per -f. With -e: one must be contained."""

    def __init__(self, expect, on_redirect):
        super().__init__("status")
        self.expect = expect
        self.on_redirect = on_redirect

    def evaluate(self, metric, resource):
        line, code = resource.response.status_line, metric.value
        if self.expect:
            if any(text in line for text in self.expect):
                return Result(Ok, None, metric)
            return Result(Critical, f"status line does not contain {self.expect_text}", metric)
        if not 100 <= code < 600 or code >= 500:
            return Result(Critical, None, metric)
        if code >= 400:
            return Result(Warn, None, metric)
        if code >= 300:
            return Result(self.on_redirect, None, metric)
        return Result(Ok, None, metric)

    @property
    def expect_text(self):
        return " or ".join(f"'{text[:QUOTE]}'" for text in self.expect)


class Expectation(Context):
    """A content test (string, pattern, header, closing tag): CRITICAL when it fails."""

    def __init__(self, name, failure):
        super().__init__(name)
        self.failure = failure

    def evaluate(self, metric, resource):
        return Result(Ok if metric.value else Critical,
                      None if metric.value else self.failure, metric)


class PageSize(ThresholdContext):
    """-m MIN[:MAX]: WARNING ``page size 289 too small`` (or too large)."""

    def evaluate(self, metric, resource):
        if self.warning.match(metric.value):
            return Result(Ok, None, metric)
        side = "small" if metric.value < self.warning.start else "large"
        return Result(Warn, f"{metric.value} too {side}", metric)


class PageSummary(Summary):
    """``HTTP/1.1 200 OK - 1234 bytes in 0.002 second response time`` plus what failed."""

    def __init__(self, expect):
        self.expect = expect

    def ok(self, results):
        if "status" not in results:  # -C alone: the certificate is the answer
            return results["certificate"].hint
        return self.describe(results)

    def problem(self, results):
        if "request" in results:
            return results["request"].hint
        if "status" not in results:
            return results["certificate"].hint
        return self.describe(results)

    def verbose(self, results):
        lines = super().verbose(results)
        if "certificate" in results and results["certificate"].state == Ok \
                and "status" in results:  # a good certificate, said with -v
            lines.insert(0, results["certificate"].hint)
        return lines

    def describe(self, results):
        response = results["status"].resource.response
        first = response.status_line
        if response.redirects:
            s = "s" if response.redirects > 1 else ""
            first += f" (after {response.redirects} redirect{s})"
        parts = [first]
        problems = [r for r in results.results if r.state != Ok and r.hint]
        # as the C plugin lists them: content first, then page size, then time
        problems.sort(key=lambda r: ("size", "time").index(r.metric.name)
                      if r.metric.name in ("size", "time") else -1)
        for result in problems:
            prefix = {"time": "response time ", "size": "page size ",
                      "lines": f"{result.metric.value} lines "}.get(result.metric.name, "")
            parts.append(prefix + result.hint)
        size = results["size"].metric.value
        if response.truncated and size == response.head_size + len(response.body):
            size_text = f"more than {size} bytes"
        else:
            size_text = f"{size} bytes"
        parts.append(f"{size_text} in {response.seconds:.3f} second response time")
        return " - ".join(parts)


def header(text):
    """-k 'Name: value', validated when options are parsed."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or not text.isascii() or not text.isprintable():
        raise argparse.ArgumentTypeError(f"invalid header '{text[:QUOTE]}': use 'Name: value'")
    return name.strip(), value.strip()


def page_size_range(text):
    """-m MIN[:MAX] in bytes, as the C plugin reads it."""
    low, _, high = text.partition(":")
    try:
        start = int(low) if low else 0
        end = int(high) if high else INF
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid page size '{text}': use MIN[:MAX] bytes") \
            from None
    if start < 0 or end < start:
        raise argparse.ArgumentTypeError(f"invalid page size '{text}': use MIN[:MAX] bytes")
    return Range(start, end)


def options(parser):
    parser.add_host(required=False)
    parser.add_argument("-I", "--IP-address", dest="address", metavar="ADDRESS",
                        help="address to connect to (default: the -H host)")
    parser.add_argument("-u", "--url", default="/", metavar="PATH",
                        help="path to request (default /)")
    parser.add_argument("-S", "--ssl", nargs="?", const="any", metavar="VERSION",
                        help="use https (port 443 by default); VERSION is accepted "
                             "for compatibility, the best version is negotiated")
    parser.add_argument("--sni", action="store_true",
                        help="accepted for compatibility: SNI is always sent")
    parser.add_argument("-D", "--verify-cert", action="store_true",
                        help="verify the server certificate and host name")
    parser.add_argument("-C", "--certificate", type=certificate_days, metavar="WARN[,CRIT]",
                        help="days the server certificate must still be valid: WARNING at "
                             "WARN days or fewer, CRITICAL at CRIT (default 0) or expired; "
                             "implies -S; only the certificate is checked, no request")
    parser.add_argument("--continue-after-certificate", action="store_true",
                        help="with -C, also request the page and judge it (the worse "
                             "verdict wins)")
    parser.add_argument("-k", "--header", action="append", default=[], type=header,
                        metavar="'NAME: VALUE'", help="extra request header (repeatable)")
    parser.add_argument("-A", "--useragent", metavar="STRING",
                        help="User-Agent header to send")
    parser.add_argument("-E", "--extended-perfdata", action="store_true",
                        help="also time_connect, time_ssl, time_firstbyte, time_headers, "
                             "time_transfer")
    parser.add_argument("-j", "--method", default="GET", metavar="METHOD",
                        choices=("GET", "HEAD", "OPTIONS", "DELETE", "TRACE"),
                        help="HTTP method (GET, HEAD, OPTIONS...; default GET)")
    parser.add_argument("-N", "--no-body", action="store_true",
                        help="do not read the body (stop after the headers)")
    parser.add_argument("-e", "--expect", metavar="STRINGS",
                        help="comma list: the status line must contain one of them "
                             "(replaces the 3xx/4xx/5xx logic)")
    parser.add_argument("-d", "--header-string", metavar="STRING",
                        help="string expected in the response headers")
    parser.add_argument("-s", "--string", metavar="STRING",
                        help="string expected in the body (CRITICAL if missing)")
    parser.add_argument("-r", "--regex", "--ereg", type=regex, metavar="REGEX",
                        help="regular expression expected in the body")
    parser.add_argument("-R", "--eregi", type=regex, metavar="REGEX",
                        help="case-insensitive regular expression expected in the body")
    parser.add_argument("-l", "--linespan", action="store_true",
                        help="let the regular expression span lines")
    parser.add_argument("--invert-regex", action="store_true",
                        help="CRITICAL if the regular expression is found, OK if not")
    parser.add_argument("--min-lines", type=non_negative_int, metavar="N",
                        help="the body must have at least N lines (CRITICAL if fewer)")
    parser.add_argument("--closing-tag", action="store_true",
                        help="the body must end with </html> (CRITICAL if not)")
    parser.add_argument("-m", "--pagesize", type=page_size_range, metavar="MIN[:MAX]",
                        help="WARNING when the page size (headers and body, like "
                             "check_http) is outside MIN[:MAX] bytes")
    parser.add_argument("-f", "--onredirect", default="ok",
                        choices=("ok", "warning", "critical", "follow", "sticky", "stickyport"),
                        metavar="POLICY",
                        help="ok, warning or critical: the state of a 3xx answer; follow: "
                             "follow it (sticky: keeping the address, stickyport: and the "
                             "port); default ok")
    parser.add_argument("--max-redirs", type=non_negative_int, default=MAX_REDIRECTS,
                        metavar="N", help=f"redirects to follow at most (default {MAX_REDIRECTS})")
    parser.add_thresholds("WARNING when the response time (seconds) is outside RANGE",
                          "CRITICAL when the response time (seconds) is outside RANGE")
    parser.add_family()


def content_checks(args):
    """(metric name, measure, failure text) for each content option given."""
    checks = []
    if args.header_string:
        wanted = args.header_string
        checks.append(("header", lambda r: any(wanted in f"{k}: {v}" for k, v in r.headers),
                       f"header '{wanted[:QUOTE]}' not found"))
    if args.string:
        wanted = args.string
        checks.append(("string", lambda r: wanted in r.text,
                       f"string '{wanted[:QUOTE]}' not found"))
    pattern = args.eregi or args.regex
    if pattern:
        flags = (re.IGNORECASE if args.eregi else 0) | \
                (re.DOTALL if args.linespan else re.MULTILINE)
        compiled = re.compile(pattern, flags)
        invert = args.invert_regex
        checks.append(("pattern", lambda r: (compiled.search(r.text) is None) == invert,
                       "pattern found" if invert else "pattern not found"))
    if args.closing_tag:
        checks.append(("closing tag",
                       lambda r: r.body.rstrip().lower().endswith(b"</html>"),
                       "no closing </html> tag"))
    return checks


def build(args, deadline):
    if not args.hostname and not args.address:
        raise UsageError("-H HOST or -I ADDRESS is required")
    certificate = None
    if args.certificate is not None:
        certificate = "also" if args.continue_after_certificate else "only"
    target = target_for(args.hostname or args.address, args.port, args.url,  # -H host:port
                        args.ssl is not None or certificate is not None, args.address,
                        args.verify_cert, args.family)
    max_body = 0 if args.no_body else MAX_BODY
    if args.pagesize and args.pagesize.end != INF and not args.no_body:
        max_body = max(max_body, int(args.pagesize.end) + 1)
    checks = content_checks(args)
    follow = args.onredirect if args.onredirect in ("follow", "sticky", "stickyport") else None
    contexts = [Expectation(name, failure) for name, _, failure in checks]
    if args.min_lines is not None:
        checks.append(("lines", lambda r: len(r.text.splitlines()), None))
        contexts.append(ThresholdContext("lines", critical=Range(args.min_lines, INF)))
    expect = [text for text in (args.expect or "").split(",") if text]
    headers = [*args.header, *([("User-Agent", args.useragent)] if args.useragent else [])]
    page = Page(target, deadline, (args.method, max_body, tuple(headers)), follow,
                args.max_redirs, [(name, measure) for name, measure, _ in checks],
                args.extended_perfdata, certificate)
    return Check(
        page,
        RequestFailed("request"),
        StatusLine(expect, REDIRECT_STATES.get(args.onredirect, Ok)),
        *contexts,
        ThresholdContext("time", args.warning, args.critical),
        PageSize("size", args.pagesize or NEVER),
        ThresholdContext("timing"),
        CertificateContext(args.certificate or (0, 0)),
        PageSummary(expect))


PLUGIN = Plugin("HTTP", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
