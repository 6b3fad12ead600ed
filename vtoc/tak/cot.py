"""Cursor-on-Target documents: an ``<event>`` read safely into a fix, an asset written out.

Parsing refuses what TAK never sends: a DTD (so no entity can expand, the billion laughs),
elements nested deeper than ``MAX_DEPTH``, documents longer than ``MAX_DOCUMENT`` bytes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from pydantic import ValidationError

from vtoc.schemas import Asset, AssetKind, FixIn, FixSource

#: a position report is a few hundred bytes; a chat or a route a few KiB
MAX_DOCUMENT = 64 * 1024
#: event > detail > element > child is the usual; leave room for extensions
MAX_DEPTH = 16
#: TAK's "unknown" for hae, ce and le
UNKNOWN = "9999999.0"
END = b"</event>"
#: the uid of every event the gateway writes; one coming back is not a fix
OWN_UID = "vtoc-asset-"

#: the CoT type of each asset kind (friendly); and back, by the type's prefix
TYPE_OF_KIND = {
    AssetKind.personnel: "a-f-G-U-C",
    AssetKind.vehicle: "a-f-G-E-V",
    AssetKind.aircraft: "a-f-A",
    AssetKind.sensor: "a-f-G-E-S",
    AssetKind.server: "a-f-G-I",
    AssetKind.network: "a-f-G-I",
    AssetKind.other: "a-f-G",
}


class BadDocument(ValueError):
    """A CoT document that is not XML, not safe, or not a position report."""


class DepthLimited(TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def start(self, tag: Any, attrs: dict[Any, Any]) -> Element:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise BadDocument(f"nested deeper than {MAX_DEPTH} elements")
        return super().start(tag, attrs)

    def end(self, tag: Any) -> Element:
        self.depth -= 1
        return super().end(tag)


def parse(document: bytes) -> Element:
    """One ``<event>`` element, or ``BadDocument`` saying why not."""
    if len(document) > MAX_DOCUMENT:
        raise BadDocument(f"longer than {MAX_DOCUMENT} bytes")
    parser = DefusedXMLParser(target=DepthLimited(), forbid_dtd=True)
    try:
        parser.feed(document)
        root: Element = parser.close()
    except DefusedXmlException as exc:
        raise BadDocument(f"refused: {type(exc).__name__}") from None
    except ParseError as exc:
        raise BadDocument(f"not XML: {exc}") from None
    if root.tag != "event":
        raise BadDocument(f"<{root.tag}> is not a CoT <event>")
    return root


def kind_of_type(cot_type: str) -> AssetKind:
    atoms = cot_type.split("-")
    if atoms[2:3] == ["A"]:
        return AssetKind.aircraft
    if atoms[2:5] == ["G", "E", "V"]:
        return AssetKind.vehicle
    if atoms[2:5] == ["G", "U", "C"]:
        return AssetKind.personnel
    return AssetKind.other


def fix_of(event: Element) -> FixIn:
    """The fix an event reports, for the asset its callsign (else its uid) names."""
    point = event.find("point")
    if point is None:
        raise BadDocument("no <point>")
    contact = event.find("detail/contact")
    callsign = contact.get("callsign") if contact is not None else None
    name = (callsign or event.get("uid") or "").strip()
    if not name:
        raise BadDocument("neither a callsign nor a uid")
    track = event.find("detail/track")
    try:
        return FixIn(
            asset=name,
            at=event.get("time") or "",
            lat=number(point, "lat", required=True),
            lon=number(point, "lon", required=True),
            alt=number(point, "hae"),
            accuracy=number(point, "ce"),
            course=number(track, "course"),
            speed=number(track, "speed"),
            source=FixSource.cot,
            kind=kind_of_type(event.get("type", "")),
            callsign=event.get("uid"),
        )
    except ValidationError as exc:
        problems = (f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadDocument("; ".join(problems)) from None


def number(element: Element | None, name: str, *, required: bool = False) -> float | None:
    """An attribute's number (XML has only text; a fix takes numbers, not strings); none
    where it is missing or CoT's "unknown" (9999999.0)."""
    text = element.get(name) if element is not None else None
    if text is None or text == UNKNOWN:
        if required:
            raise BadDocument(f"{name}: missing")
        return None
    try:
        return float(text)
    except ValueError:
        raise BadDocument(f"{name}: not a number: {text[:40]!r}") from None


def split(buffer: bytearray) -> list[bytes]:
    """Take every whole document (up to and including ``</event>``) out of ``buffer``."""
    documents = []
    while (end := buffer.find(END)) >= 0:
        documents.append(bytes(buffer[: end + len(END)]).strip())
        del buffer[: end + len(END)]
    return documents


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event_of(asset: Asset, now: datetime, stale: timedelta) -> bytes:
    """The asset (one with a position) as a CoT position report, valid until ``now + stale``."""
    assert asset.lat is not None and asset.lon is not None, "the gateway sends placed assets"
    return position_report(
        uid=f"{OWN_UID}{asset.id}",
        callsign=asset.name,
        lat=asset.lat,
        lon=asset.lon,
        at=now,
        stale=stale,
        cot_type=TYPE_OF_KIND.get(asset.kind, "a-f-G"),
    )


def position_report(
    *,
    uid: str,
    callsign: str,
    lat: float,
    lon: float,
    at: datetime,
    stale: timedelta,
    cot_type: str = "a-f-G-U-C",
    hae: float | None = None,
    ce: float | None = None,
    le: float | None = None,
    course: float | None = None,
    speed: float | None = None,
) -> bytes:
    """A CoT position report, valid until ``at + stale``: what the gateway writes for an
    asset, and what a TAK client sends (the tests and the benchmark are such clients).
    An altitude or error left out is CoT's "unknown"; without a course or speed, no
    ``<track>``."""
    attrs = {
        "version": "2.0",
        "uid": uid,
        "type": cot_type,
        "how": "m-g",
        "time": stamp(at),
        "start": stamp(at),
        "stale": stamp(at + stale),
    }
    point = {"lat": str(lat), "lon": str(lon)}
    for name, value in (("hae", hae), ("ce", ce), ("le", le)):
        point[name] = UNKNOWN if value is None else str(value)
    detail = f"<contact callsign={quoteattr(callsign)}/>"
    track = {name: str(v) for name, v in (("course", course), ("speed", speed)) if v is not None}
    if track:
        detail += f"<track {joined(track)}/>"
    return (
        f"<event {joined(attrs)}><point {joined(point)}/><detail>{detail}</detail></event>".encode()
    )


def joined(attrs: dict[str, str]) -> str:
    return " ".join(f"{key}={quoteattr(value)}" for key, value in attrs.items())
