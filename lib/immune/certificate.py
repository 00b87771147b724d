"""The server certificate's days left, judged as the Monitoring Plugins judge them.

One place for what ``check_http -C`` and ``check_tcp -D`` share: the
``WARN[,CRIT]`` days option, reading the certificate the server presented
(never verified here: a self-signed or expired one is read all the same) and
the verdict of the C plugins' ``np_net_ssl_check_cert``: expired CRITICAL,
at most CRIT whole days left CRITICAL, at most WARN WARNING, else OK.
"Now" is :func:`immune.clock.now` (``IMMUNE_NOW`` moves it).
"""

from __future__ import annotations

from immune.domain import CheckError, Context, Critical, Ok, Result, Warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket

    from immune.domain import Metric, Resource
    from immune.x509 import Certificate

DAY, HOUR, MINUTE = 86400, 3600, 60


def certificate_days(text: str) -> tuple[int, int]:
    """``30`` or ``30,14``: (warning, critical) days; critical defaults to 0.

    Critical above warning is accepted, as the C plugins accept it: then
    every count up to the warning days is CRITICAL. An option type: a bad
    value raises :class:`argparse.ArgumentTypeError`.
    """
    import argparse

    from immune.options import non_negative_int

    parts = text.split(",")
    if len(parts) > 2:
        raise argparse.ArgumentTypeError(f"'{text}' is not DAYS or WARN,CRIT days")
    warn, crit = non_negative_int(parts[0]), non_negative_int(parts[1]) if len(parts) > 1 else 0
    return warn, crit


def read_certificate(der: bytes | None) -> Certificate:
    """The certificate in *der* (as ``getpeercert(binary_form=True)`` gives it).

    Raises :class:`~immune.domain.CheckError` (UNKNOWN) when there is none or it
    cannot be read.
    """
    from immune.x509 import CertificateError, parse

    try:
        return parse(der or b"")
    except CertificateError as err:
        raise CheckError(f"cannot read the server certificate: {err}") from None


def peer_certificate(sock: socket.socket) -> Certificate:
    """The certificate the TLS peer of *sock* presented, verified or not."""
    return read_certificate(sock.getpeercert(binary_form=True))


class CertificateContext(Context):
    """Judges a :class:`~immune.x509.Certificate` metric by the days it has left.

    *days* is (warning, critical) as :func:`certificate_days` reads them.
    The hint names the certificate and its end, in UTC::

        Certificate 'www.example.com' expires in 9 day(s) (2026-12-11 17:03 UTC)
    """

    def __init__(self, days: tuple[int, int], name: str = "certificate") -> None:
        super().__init__(name)
        self.warn_days, self.crit_days = days

    def evaluate(self, metric: Metric, resource: Resource) -> Result:
        import time

        from immune.clock import now

        cert = metric.value
        name = cert.common_name or "(no common name)"
        date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(cert.not_after))
        left = cert.seconds_left(now())
        days = int(left // DAY)
        if left < 0:
            return Result(Critical, f"Certificate '{name}' expired on {date}", metric)
        if days > self.warn_days:
            return Result(Ok, f"Certificate '{name}' will expire on {date}", metric)
        if days:
            when = f"{days} day(s)"
        elif left >= HOUR:
            when = f"{int(left // HOUR)} hour(s)"
        else:
            when = f"{int(left // MINUTE)} minute(s)"
        state = Critical if days <= self.crit_days else Warn
        return Result(state, f"Certificate '{name}' expires in {when} ({date})", metric)
