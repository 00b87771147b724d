#!/usr/bin/env python3
"""check_tcp: connect to a TCP service, optionally send, expect and quit; time it.

Drop-in for the Monitoring Plugins check_tcp (-H -p -s -e -A -q -E -m -d -r
-M -j -S -D --sni -4 -6 -w -c): the reference site's chat service monitor.
The answer is read only until the expected strings are in it, the server
closes, -m bytes arrived or the server falls quiet for 2 s, never past -t.
Unlike the C plugin a timeout is UNKNOWN (our plugin contract), not CRITICAL.
"""

from immune.check import Check
from immune.context import ThresholdContext
from immune.domain import (
    CheckError,
    Context,
    Critical,
    Metric,
    Ok,
    Resource,
    Result,
    Summary,
    Warn,
)
from immune.plugin import Plugin


class TcpService(Resource):
    """One conversation: connect, send, read the answer, quit; yields its time and outcome."""

    def __init__(self, args, deadline):
        self.args = args
        self.deadline = deadline
        self.reply = None

    def probe(self):
        import time

        from immune import tcp

        args, deadline = self.args, self.deadline
        start = time.monotonic()
        try:
            with deadline.stage(f"connecting to {where(args)}"):
                if args.port is None and not args.hostname.startswith("/"):
                    tcp.lookup(args.hostname, None, args.family, deadline)  # a bad name first
                    raise CheckError("a port (-p) is required")
                sock = tcp.connect(args.hostname, args.port, deadline, args.family)
                if args.ssl or args.certificate:
                    sock = tcp.start_tls(sock, deadline, args.sni or server_name(args.hostname))
        except tcp.ResolveError as err:
            yield Metric("connection", ("unresolved", str(err)), context="connection")
            return
        except tcp.ConnectError as err:
            kind = "refused" if err.refused else "failed"
            yield Metric("connection", (kind, str(err)), context="connection")
            return
        with sock:
            if args.certificate:
                from immune.certificate import peer_certificate

                yield Metric("certificate", peer_certificate(sock), context="certificate")
            with deadline.stage(f"talking to {where(args)}"):
                tcp.send_all(sock, args.send, deadline)
                waited = tcp.pause(args.delay, deadline)
                if args.expect:
                    try:
                        self.reply = tcp.read_reply(sock, deadline, args.expect, args.all,
                                                    args.maxbytes)
                    except tcp.ConnectError as err:  # reset by the server before answering
                        yield Metric("connection", ("failed", str(err)), context="connection")
                        return
            elapsed = time.monotonic() - start - waited
            if args.quit:
                tcp.send_all(sock, args.quit, deadline)
        yield Metric("time", round(elapsed, 6), "s", min=0, max=args.timeout, context="time")
        if self.reply is not None:
            yield Metric("answer", self.reply, context="answer")


class ConnectionContext(Context):
    """Judges a failed connection: refused as -r says, unresolved or other failures CRITICAL."""

    def __init__(self, refuse_state):
        super().__init__("connection")
        self.refuse_state = refuse_state

    def evaluate(self, metric, resource):
        kind, message = metric.value
        return Result(self.refuse_state if kind == "refused" else Critical, message, metric)


class AnswerContext(Context):
    """Judges the answer: expected strings found, a mismatch (-M), or nothing at all."""

    def __init__(self, mismatch_state, hide):
        super().__init__("answer")
        self.mismatch_state = mismatch_state
        self.hide = hide

    def evaluate(self, metric, resource):
        reply = metric.value
        if reply.matched:
            return Result(Ok, None, metric)
        if not reply.data:
            return Result(Critical, "No data received from host", metric)
        shown = "" if self.hide else f": {reply.first_line()}"
        return Result(self.mismatch_state, f"Unexpected response from host/socket{shown}",
                      metric)


class TcpSummary(Summary):
    """``0.001 second response time on 127.0.0.1 port 11211 [first line]`` like the C plugin."""

    def __init__(self, args):
        self.args = args

    def ok(self, results):
        if "connection" in results:  # refused, yet OK by -r ok
            return results["connection"].hint
        text = f"{results['time'].metric.value:.3f} second response time on {where(self.args)}"
        if "answer" in results and not self.args.jail:
            reply = results["answer"].metric.value
            if reply.matched:
                text += f" [{reply.first_line()}]"
        return text

    def problem(self, results):
        worst = results.first_significant
        if worst.metric is not None and worst.metric.name == "time":
            return self.ok(results)
        return worst.hint

    def verbose(self, results):
        lines = [results["certificate"].hint] if "certificate" in results else []
        if "answer" not in results or self.args.jail:
            return lines
        reply = results["answer"].metric.value
        text = reply.data.decode("utf-8", "replace").splitlines()[:20]
        return [*lines,
                f"received {len(reply.data)} bytes{' (server closed)' if reply.eof else ''}:",
                *text]


def server_name(host):
    """The name to send as SNI: host names only, never addresses or socket paths."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None if host.startswith("/") else host
    return None


def where(args):
    if args.hostname.startswith("/"):
        return f"socket {args.hostname}"
    return f"{args.hostname} port {args.port}"


def options(parser):
    from immune.certificate import certificate_days
    from immune.options import non_negative_int, positive_seconds, state_name

    state = state_name(Ok, Warn, Critical)
    parser.add_host(required=True)
    parser.add_thresholds("WARNING when the response time (seconds) is outside RANGE",
                          "CRITICAL when the response time (seconds) is outside RANGE")
    parser.add_argument("-s", "--send", metavar="STRING", default="",
                        help="string to send to the server")
    parser.add_argument("-e", "--expect", metavar="STRING", action="append", default=[],
                        help="string to expect in the answer (repeatable; any matches)")
    parser.add_argument("-A", "--all", action="store_true",
                        help="all expect strings must occur in the answer")
    parser.add_argument("-q", "--quit", metavar="STRING", default=None,
                        help="string sent to close the connection cleanly "
                             "(\\r\\n is appended unless -E)")
    parser.add_argument("-E", "--escape", action="store_true",
                        help="expand \\n \\r \\t \\\\ in the send and quit strings")
    parser.add_argument("-m", "--maxbytes", type=non_negative_int, default=None,
                        metavar="BYTES", help="stop reading after this many bytes")
    parser.add_argument("-d", "--delay", type=positive_seconds, default=0.0,
                        metavar="SECONDS", help="wait between sending and reading")
    parser.add_argument("-r", "--refuse", type=state, default=Critical,
                        metavar="ok|warn|crit", help="state for a refused connection "
                                                     "(default crit)")
    parser.add_argument("-M", "--mismatch", type=state, default=Warn,
                        metavar="ok|warn|crit", help="state when the expected strings are "
                                                     "missing (default warn)")
    parser.add_argument("-j", "--jail", action="store_true",
                        help="do not show the server's answer")
    parser.add_argument("-S", "--ssl", action="store_true",
                        help="use TLS (the certificate is not verified, as with the C plugin)")
    parser.add_argument("-D", "--certificate", type=certificate_days, default=None,
                        metavar="WARN[,CRIT]",
                        help="days the TLS certificate must still be valid (implies -S)")
    parser.add_argument("--sni", metavar="NAME", default=None,
                        help="server name sent in the TLS handshake (default: -H if a name)")
    parser.add_family()


def build(args, deadline):
    from immune.certificate import CertificateContext
    from immune.options import UsageError
    from immune.tcp import unescape

    if not args.hostname.strip():
        raise UsageError("empty host name (-H)")
    send = unescape(args.send) if args.escape else args.send
    quit_ = args.quit
    if quit_ is not None:
        quit_ = unescape(quit_) if args.escape else quit_ + "\r\n"
    args.send = send.encode()
    args.quit = quit_.encode() if quit_ else b""
    args.expect = [text.encode() for text in args.expect]
    return Check(TcpService(args, deadline),
                 ThresholdContext("time", args.warning, args.critical, fmt_metric=None),
                 ConnectionContext(args.refuse), AnswerContext(args.mismatch, args.jail),
                 CertificateContext(args.certificate or (0, 0)),
                 TcpSummary(args))


PLUGIN = Plugin("TCP", __doc__, options, build)

if __name__ == "__main__":
    PLUGIN.main()
