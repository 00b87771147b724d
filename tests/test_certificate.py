"""immune.certificate: the WARN[,CRIT] days option and the verdict on days left.

The certificates are made by openssl; "now" is moved with IMMUNE_NOW. The
verdicts side by side with the C plugins, on real servers, are in
test_check_http.py (-C) and test_check_tcp.py (-D).
"""

from __future__ import annotations

import argparse
import ssl

import pytest
from components.tcppeer import make_certificate
from immune.certificate import CertificateContext, certificate_days, read_certificate
from immune.domain import CheckError, Critical, Metric, Ok, Warn

DAY = 86400


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    cert, _ = make_certificate(tmp_path_factory.mktemp("cert"), "/CN=www.example", days=40)
    return read_certificate(ssl.PEM_cert_to_DER_cert(cert.read_text()))


def test_days_option():
    assert certificate_days("30") == (30, 0)
    assert certificate_days("30,14") == (30, 14)
    assert certificate_days("0") == (0, 0)
    for bad in ("x", "-1", "30,", "1,2,3", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            certificate_days(bad)


@pytest.mark.parametrize("left,days,state,text", [
    (40 * DAY, (30, 14), Ok, "will expire on "),
    (31 * DAY + 5, (30, 14), Ok, "will expire on "),  # more than WARN whole days: OK
    (30 * DAY + 5, (30, 14), Warn, "expires in 30 day(s) ("),  # at most WARN days
    (15 * DAY, (30, 14), Warn, "expires in 15 day(s) ("),
    (14 * DAY + 5, (30, 14), Critical, "expires in 14 day(s) ("),  # at most CRIT days
    (1 * DAY, (30, 0), Warn, "expires in 1 day(s) ("),
    (5 * 3600 + 5, (30, 0), Critical, "expires in 5 hour(s) ("),  # less than a day
    (20 * 60 + 5, (30, 0), Critical, "expires in 20 minute(s) ("),  # less than an hour
    (-1, (30, 14), Critical, "expired on "),
    (-400 * DAY, (0, 0), Critical, "expired on "),
])
def test_days_left_verdicts(certificate, monkeypatch, left, days, state, text):
    monkeypatch.setenv("IMMUNE_NOW", str(certificate.not_after - left))
    result = CertificateContext(days).evaluate(Metric("certificate", certificate), None)
    assert result.state == state
    assert result.hint.startswith(f"Certificate 'www.example' {text}"), result.hint
    assert " UTC" in result.hint  # the end date, always in UTC


def test_missing_or_unreadable_certificate_is_unknown():
    for der in (None, b"", b"\x30\x03\x01\x01"):
        with pytest.raises(CheckError, match="cannot read the server certificate"):
            read_certificate(der)
