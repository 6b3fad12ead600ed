"""Indicator extraction: the observables in a report's text that let the analyzer link it.

Plain regular expressions, then validation (``ipaddress``, a TLD list) so that file names
such as ``sshd.service`` or timestamps such as ``12:30:45`` do not pass for indicators.
"""

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

# Patterns open with the character (or literal) they need, not a lookbehind or ``\b``, so
# ``re`` can skip ahead to the next candidate; the lookbehind then checks the character
# before it (``\b`` before a word character is "no word character before it").
_IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.]|\.\d)")
# What ``ipaddress.IPv4Address`` accepts of those: ASCII octets up to 255, no leading zero.
# Such an address prints as written, so the match is the value, with no parsing.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_VALID = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![0-9A-Za-z:])")
_URL = re.compile(r"(?:h(?<!\wh)ttps?|f(?<!\wf)tp)://[^\s<>\"'`]+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63}\b")
_DOMAIN = re.compile(
    r"(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])"
)
# The last label of every ``_DOMAIN`` match: the domain scan is the costliest, and most
# texts have no dotted word ending in a known TLD (addresses, ``sshd.service``).
_TLD = re.compile(r"\.([A-Za-z]{2,63})(?![\w-])")
# One pass for the three digests: a maximal run of 32, 40 or 64 hex digits, told by length.
_HASH = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,64}(?![0-9A-Fa-f])")
_HASH_KINDS = {64: IndicatorKind.sha256, 40: IndicatorKind.sha1, 32: IndicatorKind.md5}
_CVE = re.compile(r"C(?<!\wC)VE-\d{4}-\d{4,7}\b", re.IGNORECASE)
_MITRE = re.compile(r"T(?<!\wT)\d{4}(?:\.\d{3})?\b")
_URL_TRAILING = ".,;:!?)]}"
# Without "::", an IPv6 address has 8 groups (7 colons), or 6 and an IPv4 tail (6 colons):
# fewer colons is a time of day or a MAC address, refused without raising in ``ipaddress``.
_IPV6_MIN_COLONS = 6


def extract(*texts: str) -> list[Found]:
    """Every distinct indicator in ``texts``, in order of first appearance."""
    found: dict[Found, None] = {}
    for text in texts:
        for item in _scan(text):
            found.setdefault(item, None)
    return list(found)


def is_ipv4(text: str) -> bool:
    """Whether ``text`` is an IPv4 address written as ``ipaddress`` prints it."""
    return _IPV4_VALID.fullmatch(text) is not None


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
            if is_ipv4(address := match.group()):
                yield IndicatorKind.ipv4, address
    if "::" in text or text.count(":") >= _IPV6_MIN_COLONS:  # not just a time of day
        yield from _ipv6(text)
    if dotted and any(m.group(1).lower() in TLDS for m in _TLD.finditer(text)):
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


def _ipv6(text: str) -> Iterable[Found]:
    for match in _IPV6.finditer(text):
        candidate = match.group().rstrip(".")
        if "::" not in candidate and candidate.count(":") < _IPV6_MIN_COLONS:
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield IndicatorKind.ipv6, address.compressed
