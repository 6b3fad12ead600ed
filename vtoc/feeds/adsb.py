"""ADS-B from readsb / dump1090: ``aircraft.json`` becomes fixes of aircraft named by
their ICAO address (hex, upper case), with the flight's callsign.

A position is ``seen_pos`` seconds older than the document's ``now``; positions older than
``max_age`` are left out (the receiver keeps an aircraft for a while after it went).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vtoc.feeds.decoded import FEET, KNOTS, Decoded
from vtoc.schemas import AssetKind, FixIn, FixSource


def aircraft_fixes(doc: Any, *, received: datetime, max_age: float = 60.0) -> Decoded:
    """The fixes in one ``aircraft.json``; a bad aircraft is named by its index."""
    out = Decoded()
    if not isinstance(doc, dict) or not isinstance(doc.get("aircraft"), list):
        out.bad.append((0, 'not aircraft.json: no "aircraft" list'))
        return out
    now = received
    if isinstance(doc.get("now"), int | float):
        now = datetime.fromtimestamp(doc["now"], UTC)
    for index, plane in enumerate(doc["aircraft"]):
        try:
            fix = aircraft_fix(plane, now, max_age)
        except (ValueError, TypeError, KeyError) as exc:
            out.bad.append((index, f"{type(exc).__name__}: {exc}"))
            continue
        out.add(fix, index)
    return out


def aircraft_fix(plane: dict[str, Any], now: datetime, max_age: float) -> FixIn | None:
    hex_id = str(plane["hex"]).lstrip("~").upper()
    if "lat" not in plane or "lon" not in plane:
        return None
    age = float(plane.get("seen_pos", 0.0))
    if age > max_age:
        return None
    altitude = plane.get("alt_geom", plane.get("alt_baro"))
    speed = plane.get("gs")
    flight = str(plane.get("flight") or "").strip()
    return FixIn(
        asset=hex_id,
        at=now - timedelta(seconds=age),
        lat=plane["lat"],
        lon=plane["lon"],
        alt=round(altitude * FEET, 1) if isinstance(altitude, int | float) else None,
        speed=round(speed * KNOTS, 2) if isinstance(speed, int | float) else None,
        course=plane.get("track"),
        source=FixSource.adsb,
        kind=AssetKind.aircraft,
        callsign=flight or None,
    )
