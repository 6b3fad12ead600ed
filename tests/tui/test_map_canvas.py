"""The map's canvas: what a cell shows by layer, rows as runs of one style, and a frame
that repaints only the rows that changed."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region

from vtoc.tui.widgets.braille import BRAILLE_BASE, GRID_STYLE, MARK, Bounds, BrailleMap, Points
from vtoc.tui.widgets.map_canvas import MapCanvas

#: one degree over 20 x 5 cells: a dot is 1/40° wide and 1/20° tall
BOUNDS = Bounds(59.0, 60.0, 18.0, 19.0)
WIDTH, HEIGHT = 20, 5


def lonely(lat: float, lon: float, style: str = "red", marked: bool = False) -> BrailleMap:
    points = Points(np.array([[lat, lon]]), [style], 0 if marked else None)
    return BrailleMap(points, BOUNDS, grid_step=0.5)


def cell(rows: list[tuple[tuple[str, str], ...]], col: int, row: int) -> tuple[str, str]:
    """The character and style of one cell."""
    at = 0
    for text, style in rows[row]:
        if col < at + len(text):
            return text[col - at], style
        at += len(text)
    raise IndexError(col)


def test_a_cell_shows_its_top_layer_and_rows_are_runs_of_one_style() -> None:
    # the dot (1, 0) of cell (0, 0): the asset's own style, its dots' bits
    rows = lonely(59.99, 18.03).rows(WIDTH, HEIGHT)
    assert cell(rows, 0, 0) == (chr(BRAILLE_BASE + 0x08), "red")
    assert cell(rows, 0, 4) == ("1", GRID_STYLE)  # the 18.0° label, the asset elsewhere
    assert cell(lonely(59.99, 18.03, marked=True).rows(WIDTH, HEIGHT), 0, 0) == (
        MARK,
        "bold red reverse",
    )
    assert cell(lonely(59.01, 18.01).rows(WIDTH, HEIGHT), 0, 4) == (
        chr(BRAILLE_BASE + 0x40),
        "red",
    )  # over the label: the asset
    for runs in rows:
        assert sum(len(text) for text, _ in runs) == WIDTH
        styles = [style for _, style in runs]
        assert all(a != b for a, b in pairwise(styles))


class Canvas(App[None]):
    def compose(self) -> ComposeResult:
        yield MapCanvas(id="canvas")


@pytest.mark.asyncio
async def test_a_frame_repaints_the_rows_that_changed_only(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Canvas()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        canvas = app.query_one(MapCanvas)
        canvas.show(lonely(59.9, 18.5))
        await pilot.pause()
        assert canvas.render_line(0).text == "".join(
            t for t, _ in lonely(59.9, 18.5).rows(WIDTH, HEIGHT)[0]
        )
        refreshed: list[tuple[Region, ...]] = []
        monkeypatch.setattr(canvas, "refresh", lambda *regions, **_: refreshed.append(regions))
        canvas.show(lonely(59.3, 18.5))  # from the first row to the fourth
        assert refreshed == [(Region(0, 0, WIDTH, 1), Region(0, 3, WIDTH, 1))]
        moved = lonely(59.3, 18.5).rows(WIDTH, HEIGHT)
        assert [canvas.render_line(y).text for y in range(HEIGHT)] == [
            "".join(text for text, _ in runs) for runs in moved
        ]
        refreshed.clear()
        canvas.show(lonely(59.3, 18.5))
        assert refreshed == []
