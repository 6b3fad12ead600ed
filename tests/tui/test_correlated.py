"""The intel detail explains correlations: which reports, and the indicators they share."""

from __future__ import annotations

import io

from rich.console import Console

from vtoc.tui.screens.detail import render_correlated


def rendered(found: object) -> str:
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(render_correlated(found))
    return console.export_text()


def test_each_linked_report_and_why() -> None:
    answer = {
        "report_id": 7,
        "correlation": {"id": 3, "score": 0.82, "severity": "high", "report_ids": [7, 9]},
        "reports": [
            {
                "report": {"id": 9, "title": "Beacon to cdn-static.top", "severity": "high"},
                "shared": [
                    {"kind": "domain", "value": "cdn-static.top"},
                    {"kind": "ipv4", "value": "203.0.113.7"},
                ],
            }
        ],
    }
    text = rendered(answer)
    assert "cluster 3, score 0.82" in text
    assert "Beacon to cdn-static.top" in text
    assert "domain:cdn-static.top, ipv4:203.0.113.7" in text


def test_nothing_correlated() -> None:
    assert "no correlated reports" in rendered({"report_id": 7, "correlation": None, "reports": []})
