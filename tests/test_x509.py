"""immune.x509 against certificates made by openssl, and openssl's own reading of them."""

from __future__ import annotations

import ssl
import subprocess

import pytest
from components.tcppeer import make_certificate
from immune import x509
from runner import which


def openssl_view(cert):
    """notAfter/notBefore epoch seconds and the subject line, as openssl prints them."""
    out = subprocess.run([which("openssl"), "x509", "-in", str(cert), "-noout", "-startdate",
                          "-enddate", "-subject", "-nameopt", "RFC2253"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    values = dict(line.split("=", 1) for line in out)
    return (ssl.cert_time_to_seconds(values["notBefore"]),
            ssl.cert_time_to_seconds(values["notAfter"]), values["subject"])


@pytest.mark.parametrize("subject,days,when", [
    ("/CN=chat.example", 30, None),
    ("/O=Avatar Chat/CN=chat.example.com/OU=ops", 3650, None),
    ("/CN=old.example", 10, "2020-01-01 00:00:00"),  # expired long ago
    ("/O=no common name", 40000, None),  # beyond 2049: GeneralizedTime
])
def test_dates_and_common_name_match_openssl(tmp_path, subject, days, when):
    cert, _ = make_certificate(tmp_path, subject, days, when)
    parsed = x509.parse(ssl.PEM_cert_to_DER_cert(cert.read_text()))
    not_before, not_after, subject_line = openssl_view(cert)
    assert (parsed.not_before, parsed.not_after) == (not_before, not_after)
    expected_cn = next((part[3:] for part in subject_line.split(",") if part.startswith("CN=")),
                       None)
    assert parsed.common_name == expected_cn
    assert parsed.seconds_left(not_after - 5) == 5


@pytest.mark.parametrize("der", [b"", b"\x30\x82\xff\xff", b"\x30\x03\x02\x01\x01",
                                 b"\x04\x02hi"])
def test_garbage_is_a_certificate_error(der):
    with pytest.raises(x509.CertificateError):
        x509.parse(der)
