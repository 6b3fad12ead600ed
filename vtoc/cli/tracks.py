"""``vtoc assets track``: an asset's fixes as a table, JSON, CSV, or GPX for other tools."""

from __future__ import annotations

from enum import StrEnum
from xml.etree import ElementTree

from vtoc.cli.output import Format, columns, render, write
from vtoc.schemas import Track

COLUMNS = columns("at", "lat", "lon", "alt", "speed", "course", "accuracy", "source")
GPX_NS = "http://www.topografix.com/GPX/1/1"


class TrackFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    gpx = "gpx"


def render_track(track: Track, fmt: TrackFormat) -> None:
    if fmt is TrackFormat.json:
        write(track.model_dump_json(indent=2))
    elif fmt is TrackFormat.gpx:
        write(gpx(track))
    else:
        title = f"{track.name}: {len(track.fixes)} of {track.total} fixes"
        render(track.fixes, COLUMNS, Format(fmt.value), title=title)


def gpx(track: Track) -> str:
    """GPX 1.1: one track of one segment; altitude as ``ele``, times in UTC."""
    ElementTree.register_namespace("", GPX_NS)
    root = ElementTree.Element(f"{{{GPX_NS}}}gpx", version="1.1", creator="vtoc")
    trk = ElementTree.SubElement(root, f"{{{GPX_NS}}}trk")
    ElementTree.SubElement(trk, f"{{{GPX_NS}}}name").text = track.name
    segment = ElementTree.SubElement(trk, f"{{{GPX_NS}}}trkseg")
    for fix in track.fixes:
        point = ElementTree.SubElement(
            segment, f"{{{GPX_NS}}}trkpt", lat=repr(fix.lat), lon=repr(fix.lon)
        )
        if fix.alt is not None:
            ElementTree.SubElement(point, f"{{{GPX_NS}}}ele").text = repr(fix.alt)
        stamp = fix.at.isoformat().replace("+00:00", "Z")
        ElementTree.SubElement(point, f"{{{GPX_NS}}}time").text = stamp
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
