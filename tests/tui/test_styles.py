"""Statuses stay readable on every terminal: coloured, or words in bold/reverse with NO_COLOR."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.color import Color
from rich.console import Console

from vtoc.tui.resources import styled, styled_word


@pytest.fixture
def fresh_styles() -> Iterator[None]:
    styled_word.cache_clear()  # the styles are made once per process, for its environment
    yield
    styled_word.cache_clear()


def test_statuses_are_coloured(fresh_styles: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert styled("critical").style.color == Color.parse("red")  # type: ignore[union-attr]
    assert styled("active").style.color == Color.parse("green")  # type: ignore[union-attr]


def test_no_color_keeps_the_emphasis_not_a_dark_grey(
    fresh_styles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual greys colours by luminance under NO_COLOR: red would be dark grey on black."""
    monkeypatch.setenv("NO_COLOR", "1")
    console = Console(color_system="standard", force_terminal=True, no_color=False, width=20)
    with console.capture() as captured:
        console.print(styled("high"), styled("critical"))
    assert captured.get() == "\x1b[1mhigh\x1b[0m \x1b[1;7mcritical\x1b[0m\n"  # bold; bold reverse
