"""A fitted view stays while it still shows every asset and trail, so the map does not
rescale under the operator whenever a trail grows a hair; it fits again once something
leaves it or everything gathers in a much smaller part of it."""

from __future__ import annotations

import numpy as np

from vtoc.tui.geo import Viewport


def fit(*spots: tuple[float, float]) -> Viewport:
    return Viewport.around(np.array(spots, dtype=np.float64))


def test_a_fitted_view_holds_what_fits_in_it_and_no_more() -> None:
    shown = fit((59.0, 18.0), (59.5, 19.0))
    assert shown.holds(fit((59.0, 18.0), (59.5, 19.0)))
    assert shown.holds(fit((59.0, 18.0), (59.5, 19.02)))  # into the margin
    assert not shown.holds(fit((59.0, 18.0), (59.5, 19.2)))  # past the edge
    assert not shown.holds(fit((58.5, 18.0), (59.5, 19.0)))  # past the foot
    assert not shown.holds(fit((59.0, 18.0), (59.2, 18.4)))  # gathered in a corner
