"""What a check needs to know of a server certificate, read from its DER bytes.

``ssl`` hands out the peer certificate's DER (``getpeercert(True)``) even
when it does not verify it, but decodes fields only for verified ones. This
reads the little a check judges: the subject's common name and the validity
dates, with a minimal DER walker and no extra dependency.
"""

from __future__ import annotations

import calendar
from collections import namedtuple

_CN = b"\x55\x04\x03"  # OID 2.5.4.3, commonName
_UTC_TIME, _GENERALIZED_TIME, _CONTEXT_0 = 0x17, 0x18, 0xA0


class CertificateError(ValueError):
    """The bytes are not a certificate this module can read."""


class Certificate(namedtuple("Certificate", "common_name not_before not_after")):
    """Subject CN (``None`` if absent) and validity bounds in epoch seconds."""

    __slots__ = ()

    def seconds_left(self, now: float) -> float:
        """Seconds until it expires (negative once expired)."""
        return self.not_after - now


def _element(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start, end) of the DER element at offset *at*."""
    if at + 2 > len(der):
        raise CertificateError("truncated certificate")
    tag, length = der[at], der[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or at + count > len(der):
            raise CertificateError("bad length in certificate")
        length = int.from_bytes(der[at:at + count], "big")
        at += count
    if at + length > len(der):
        raise CertificateError("truncated certificate")
    return tag, at, at + length


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    items = []
    while start < end:
        item = _element(der, start)
        items.append(item)
        start = item[2]
    return items


def _time(der: bytes, tag: int, start: int, end: int) -> float:
    text = der[start:end].decode("ascii")
    if tag == _UTC_TIME:  # YYMMDDHHMMSSZ, years 1950-2049
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    elif tag != _GENERALIZED_TIME:
        raise CertificateError("validity is not a time")
    if not text.endswith("Z") or len(text) != 15:
        raise CertificateError(f"unsupported time '{text}'")
    fields = (int(text[0:4]), int(text[4:6]), int(text[6:8]),
              int(text[8:10]), int(text[10:12]), int(text[12:14]))
    return float(calendar.timegm(fields))


def _common_name(der: bytes, start: int, end: int) -> str | None:
    for _, set_start, set_end in _children(der, start, end):
        for _, seq_start, seq_end in _children(der, set_start, set_end):
            (_, oid_start, oid_end), (_, value_start, value_end) = \
                _children(der, seq_start, seq_end)[:2]
            if der[oid_start:oid_end] == _CN:
                return der[value_start:value_end].decode("utf-8", "replace")
    return None


def parse(der: bytes) -> Certificate:
    """Subject CN and validity of the DER-encoded X.509 certificate *der*."""
    try:
        _, start, end = _element(der, 0)  # Certificate
        _, start, end = _element(der, start)  # TBSCertificate
        fields = _children(der, start, end)
        if fields and fields[0][0] == _CONTEXT_0:  # explicit version
            fields = fields[1:]
        _serial, _algorithm, _issuer, validity, subject = fields[:5]
        (tag1, s1, e1), (tag2, s2, e2) = _children(der, validity[1], validity[2])[:2]
        return Certificate(_common_name(der, subject[1], subject[2]),
                           _time(der, tag1, s1, e1), _time(der, tag2, s2, e2))
    except (ValueError, IndexError, UnicodeDecodeError) as err:
        if isinstance(err, CertificateError):
            raise
        raise CertificateError(f"unreadable certificate: {err}") from None
