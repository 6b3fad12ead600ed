"""The coastline the map draws, read from the land mask a package ships: where it is."""

from __future__ import annotations

import numpy as np

from vtoc.tui.land import coast, land


def test_the_coast_is_drawn_where_land_meets_sea_and_nowhere_else() -> None:
    mask = land()
    assert mask is not None, "global-land-mask is a dependency"
    share = np.unpackbits(mask).mean()
    assert 0.25 < share < 0.35  # about 29 % of the earth is land (more on this projection)
    width, height = 92, 64  # the dots of the map at 80x24
    # Skagerrak: Norway's and Sweden's coasts north, Denmark's south.
    skagerrak = coast(mask, 56.5, 59.5, 7.0, 12.0, width, height)
    assert len(skagerrak) > 100
    assert {y < height // 4 for _, y in skagerrak} == {True, False}
    # Open ocean, and the middle of a continent: no coastline.
    assert coast(mask, 30.0, 35.0, -40.0, -35.0, width, height) == []
    assert coast(mask, 50.0, 55.0, 70.0, 75.0, width, height) == []
    # The whole world, wrapping the date line.
    assert len(coast(mask, -90.0, 90.0, 170.0, 530.0, width, height)) > 500
