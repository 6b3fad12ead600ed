"""The indicator extractor: known cases and properties over generated text."""

from __future__ import annotations

import ipaddress

from hypothesis import example, given
from hypothesis import strategies as st

from tests.server import indicators_reference as reference
from vtoc.schemas import IndicatorKind
from vtoc.server.services.indicators import extract, is_ipv4

K = IndicatorKind

filler = st.text(
    alphabet=st.characters(whitelist_categories=("L", "Zs"), max_codepoint=0x24F), max_size=40
)


def test_known_indicators() -> None:
    text = (
        "Failed password for root from 203.0.113.7 port 22; fetched https://evil.example.com/a.php?x=1."
        " Mail ops@corp.io. fe80::1 and 2001:db8::dead:beef. CVE-2024-3094, T1110.001."
        " md5 d41d8cd98f00b204e9800998ecf8427e"
        " sha1 3395856ce81f2b7382dee72602f798b642f14140"
        " sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
    )
    found = set(extract(text))
    assert found >= {
        (K.ipv4, "203.0.113.7"),
        (K.url, "https://evil.example.com/a.php?x=1"),
        (K.domain, "evil.example.com"),
        (K.email, "ops@corp.io"),
        (K.ipv6, "fe80::1"),
        (K.ipv6, "2001:db8::dead:beef"),
        (K.cve, "CVE-2024-3094"),
        (K.mitre, "T1110.001"),
        (K.md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (K.sha1, "3395856ce81f2b7382dee72602f798b642f14140"),
        (K.sha256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"),
    }


def test_lookalikes_are_not_indicators() -> None:
    text = "restart sshd.service, read config.json at 12:30:45, version 1.2.3.4.5, 999.1.1.1"
    assert extract(text) == []


@given(st.ip_addresses(v=4), filler, filler)
def test_any_ipv4_in_prose_is_found(
    address: ipaddress.IPv4Address, before: str, after: str
) -> None:
    assert (K.ipv4, str(address)) in extract(f"{before} {address} {after}")


@given(st.ip_addresses(v=6), filler)
def test_any_ipv6_is_found_in_canonical_form(address: ipaddress.IPv6Address, before: str) -> None:
    found = extract(f"{before} {address} end")
    assert (K.ipv6, address.compressed) in found


@given(st.binary(min_size=16, max_size=16), st.sampled_from([str.upper, str.lower]))
def test_hashes_are_found_lowercased(raw: bytes, case: object) -> None:
    digest = raw.hex()
    assert extract(f"hash={case(digest)};") == [(K.md5, digest)]  # type: ignore[operator]


@given(st.text(max_size=300))
def test_never_crashes_and_never_repeats(text: str) -> None:
    found = extract(text)
    assert len(found) == len(set(found))
    for kind, value in found:
        assert value and kind in K


@given(st.text(max_size=200))
def test_extraction_is_stable_over_its_output(text: str) -> None:
    found = extract(text)
    again = extract(" \n ".join(value for _, value in found))
    assert set(found) <= set(again)


# Text made of the pieces indicators, their look-alikes and their edges are made of, so
# that generated examples hit the patterns' corners (not just random letters).
pieces = st.sampled_from(
    [
        "1", "0", "01", "25", "255", "256", "999", "1.2.3.4", "10.0.0.256", "٣", ".", ":",
        "::", "::ffff:", "fe80", "%", "-", "_", "@", "/", "//", "://", "http", "HTTPS", "ftp",
        "http\u017f", "www", "example", "com", "io", "service", "json", "a", "Z", "f", "deadbeef",
        "d41d8cd98f00b204e9800998ecf8427e", "CVE", "cve-", "2024", "1234567", "T", "T1110",
        ".001", " ", "\t", "\n", "'", '"', ")", ",", "12:30:45", "aa:bb:cc:dd:ee:ff", "é",
        "1:2:3:4:5:6:", "1:2:3:4:5:6:7:8", "0:0:0:0:0:0:0:0:0",
    ]
)  # fmt: skip
indicator_text = st.lists(pieces, max_size=30).map("".join)


@example("::ffff:1.2.3.4 1:2:3:4:5:6:1.2.3.4 1:2:3:4:5:6:7:8 1:2:3:4:5:1.2.3.4 12:30:45")
@example("10.0.0.256 01.2.3.4 \u0663.1.1.1 1.2.3.4.5 255.255.255.255")
@example("HTTP\u017f://x.io/a), ahttp://b.io http://d.io ftp://c.com")
@example("xcve-2024-1234 Cve-2024-12345. sha a.deadbeef.com")
@example("sshd.service config.json evil.example.COM a.b@c.io T1110.001")
@given(st.one_of(indicator_text, st.text(max_size=200)))
def test_same_indicators_as_the_reference(text: str) -> None:
    assert extract(text) == reference.extract(text)


def _prints_as_itself(text: str) -> bool:
    try:
        return str(ipaddress.IPv4Address(text)) == text
    except ValueError:
        return False


@example("255.255.255.255")
@example("01.2.3.4")
@example("\u0663.1.1.1")
@example("1.2.3.256")
@given(st.one_of(st.ip_addresses(v=4).map(str), indicator_text))
def test_is_ipv4_is_what_ipaddress_prints_as_written(text: str) -> None:
    assert is_ipv4(text) == _prints_as_itself(text)
