"""Land and sea for the map's coastline, from the land mask the ``global-land-mask`` package
ships (the GLOBE 1 km grid; nothing is downloaded). Importing that package unpacks the whole
grid, about 1 GB; this reads its file a row at a time instead and keeps every STEP-th point
of every STEP-th row, a bit each: a 1/60° (2 km) grid in 29 MB, built in about two seconds
(in a thread) the first time the map asks for it."""

from __future__ import annotations

import importlib.util
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

#: of the package's 1/120° grid, every STEP-th point is kept
STEP = 2
#: degrees between the kept points
RESOLUTION = STEP / 120
MASK_FILE = "globe_combined_mask_compressed.npz"

Mask = npt.NDArray[np.uint8]


@cache
def land() -> Mask | None:
    """A bit set where there is land (``np.packbits`` along each row); row 0 is 90°N,
    column 0 is 180°W. None without the package."""
    spec = importlib.util.find_spec("global_land_mask")  # found, not imported
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).with_name(MASK_FILE)
    with zipfile.ZipFile(path) as archive, archive.open("mask.npy") as stream:
        version = np.lib.format.read_magic(stream)  # type: ignore[no-untyped-call]
        if version == (1, 0):
            header = np.lib.format.read_array_header_1_0(stream)  # type: ignore[no-untyped-call]
        else:
            header = np.lib.format.read_array_header_2_0(stream)  # type: ignore[no-untyped-call]
        (rows, columns), _, _ = header
        kept = []
        for row in range(rows):
            line = stream.read(columns)
            if row % STEP == 0:  # the file's True is sea
                kept.append(np.packbits(~np.frombuffer(line, dtype=np.bool_)[::STEP]))
    return np.stack(kept)


def coast(
    mask: Mask, south: float, north: float, west: float, east: float, width: int, height: int
) -> list[tuple[int, int]]:
    """The (x, y) dots of a ``width`` x ``height`` dot canvas over those bounds that are land
    beside sea: the coastline, one dot thick at any zoom."""
    if width <= 0 or height <= 0:
        return []
    lats = north - (np.arange(height) + 0.5) * (north - south) / height
    lons = west + (np.arange(width) + 0.5) * (east - west) / width
    rows = np.clip(((90.0 - lats) / RESOLUTION).astype(int), 0, mask.shape[0] - 1)
    columns = (np.floor((lons + 180.0) / RESOLUTION).astype(int)) % (mask.shape[1] * 8)
    packed = mask[rows[:, None], (columns >> 3)[None, :]]
    ground = ((packed >> (7 - (columns & 7))[None, :]) & 1).astype(bool)
    padded = np.pad(ground, 1, mode="edge")
    inland = (
        padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    )  # every neighbour is land too
    ys, xs = np.nonzero(ground & ~inland)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))
