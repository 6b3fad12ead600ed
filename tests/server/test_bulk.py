"""COPY text-format data: what each value becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import cast

from sqlalchemy import Table

from vtoc.server.models import IngestedAlert
from vtoc.server.services.bulk import copy_text

INGESTED = cast(Table, IngestedAlert.__table__)


def test_each_datetime_is_written_as_itself() -> None:
    """Converted once per object, but equal instants in other offsets keep their own text."""
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    same_instant = now.astimezone(timezone(timedelta(hours=1)))
    rows = [
        {"source": "wazuh", "source_ref": f"m/{n}", "report_id": n, "received_at": at}
        for n, at in enumerate([now, now, same_instant, None])
    ]
    assert copy_text(INGESTED, rows).getvalue().splitlines() == [
        "wazuh\tm/0\t0\t2026-11-25T03:00:00+00:00",
        "wazuh\tm/1\t1\t2026-11-25T03:00:00+00:00",
        "wazuh\tm/2\t2\t2026-11-25T04:00:00+01:00",
        "wazuh\tm/3\t3\t\\N",
    ]


def test_ids_come_first() -> None:
    now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    rows = [{"source": "wazuh", "source_ref": "m/\t1", "report_id": 7, "received_at": now}]
    assert copy_text(INGESTED, rows, [42]).getvalue() == (
        "42\twazuh\tm/\\t1\t7\t2026-11-25T03:00:00+00:00\n"
    )
