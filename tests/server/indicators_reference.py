"""The indicator extractor as of c531a72: the oracle the faster one must agree with."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from vtoc.schemas import IndicatorKind

Found = tuple[IndicatorKind, str]

# Common TLDs: enough to recognise real domains while refusing ``config.json``.
TLDS = frozenset(
    """
    com net org io gov mil edu int info biz co us uk de fr ru cn jp br in it nl es se no fi
    pl ch at be dk cz ua kr au ca nz za mx ar tr ir il sa ae eg ng ke pk id my sg hk tw vn
    th ph eu xyz top online site club shop app dev cloud tech live me tv cc ws onion su
    pro store ly to gg ai mobi name lat click link work world today space website icu
    """.split()
)

# IPv4 and MITRE open with the character they need, not a lookbehind, so ``re`` can skip
# ahead to the next candidate; the lookbehind then checks the character before it.
_IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.]|\.\d)")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![0-9A-Za-z:])")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63}\b")
_DOMAIN = re.compile(
    r"(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)
# One pass for the three digests: a maximal run of 32, 40 or 64 hex digits, told by length.
_HASH = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,64}(?![0-9A-Fa-f])")
_HASH_KINDS = {64: IndicatorKind.sha256, 40: IndicatorKind.sha1, 32: IndicatorKind.md5}
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_MITRE = re.compile(r"T(?<!\wT)\d{4}(?:\.\d{3})?\b")
_URL_TRAILING = ".,;:!?)]}"


def extract(*texts: str) -> list[Found]:
    """Every distinct indicator in ``texts``, in order of first appearance."""
    found: dict[Found, None] = {}
    for text in texts:
        for item in _scan(text):
            found.setdefault(item, None)
    return list(found)


def _scan(text: str) -> Iterable[Found]:
    # Each pattern is skipped when the text lacks a character every match needs: most log
    # lines have no URL, e-mail or hash, and a regex scan costs more than a substring test.
    if "://" in text:
        for match in _URL.finditer(text):
            yield IndicatorKind.url, match.group().rstrip(_URL_TRAILING)
    if "@" in text:
        for match in _EMAIL.finditer(text):
            yield IndicatorKind.email, match.group().lower()
    dotted = "." in text
    if dotted:
        for match in _IPV4.finditer(text):
            try:
                yield IndicatorKind.ipv4, str(ipaddress.IPv4Address(match.group()))
            except ValueError:
                continue
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            try:
                address = ipaddress.IPv6Address(match.group().rstrip("."))
            except ValueError:
                continue
            yield IndicatorKind.ipv6, address.compressed
    if dotted:
        for match in _DOMAIN.finditer(text):
            domain = match.group().lower()
            if domain.rsplit(".", 1)[-1] in TLDS:
                yield IndicatorKind.domain, domain
    digests = [m.group().lower() for m in _HASH.finditer(text) if len(m.group()) in _HASH_KINDS]
    for length, kind in _HASH_KINDS.items():  # sha256, sha1, md5: the order of old
        yield from ((kind, digest) for digest in digests if len(digest) == length)
    if "-" in text:
        for match in _CVE.finditer(text):
            yield IndicatorKind.cve, match.group().upper()
    if "T" in text:
        for match in _MITRE.finditer(text):
            yield IndicatorKind.mitre, match.group()
