"""Keyset pagination and search, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vtoc.client import ValidationFailed, VtocClient


def test_walk_visits_every_row_once_while_rows_are_inserted(operator: VtocClient) -> None:
    original = {operator.assets.create(name=f"Sensor-{n:03d}", kind="sensor").id for n in range(23)}
    seen: list[int] = []
    cursor = None
    while True:
        page = operator.assets.list(limit=5, cursor=cursor)
        seen.extend(a.id for a in page.items)
        operator.assets.create(name=f"Late-{len(seen)}")  # lands above the walk
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == original
    assert seen == sorted(seen, reverse=True)


def test_iterate_follows_cursors(operator: VtocClient) -> None:
    for n in range(7):
        operator.operations.create(name=f"Op {n}")
    names = [o.name for o in operator.operations.iterate(limit=2)]
    assert names == [f"Op {n}" for n in reversed(range(7))]


def test_full_text_search_on_intel(operator: VtocClient) -> None:
    hit = operator.intel.create(
        title="sshd brute force", body="Failed password for root from 203.0.113.7 port 22"
    )
    operator.intel.create(title="Patrol report", body="Route clear; no contacts")
    other_ip = operator.intel.create(title="Scan", body="SYN sweep from 203.0.113.8")
    assert [r.id for r in operator.intel.list(q="brute").items] == [hit.id]
    assert [r.id for r in operator.intel.list(q="password root").items] == [hit.id]
    assert [r.id for r in operator.intel.list(q="203.0.113.7").items] == [hit.id]
    assert [r.id for r in operator.intel.list(q="203.0.113.8").items] == [other_ip.id]
    assert operator.intel.list(q='"unbalanced').items == []
    updated = operator.intel.update(hit.id, title="credential stuffing")
    assert [r.id for r in operator.intel.list(q="stuffing").items] == [updated.id]
    assert operator.intel.list(q="brute").items == []


def test_search_and_filters_on_small_tables(operator: VtocClient) -> None:
    operator.operations.create(name="Northern Watch", status="active", priority="high")
    operator.operations.create(name="Quiet Meadow", description="northern sector")
    operator.operations.create(name="Iron Harbor", status="active")
    assert {o.name for o in operator.operations.list(q="northern").items} == {
        "Northern Watch",
        "Quiet Meadow",
    }
    active = operator.operations.list(status=["active"]).items
    assert {o.name for o in active} == {"Northern Watch", "Iron Harbor"}
    both = operator.operations.list(status=["active", "planned"], priority=["high"]).items
    assert [o.name for o in both] == ["Northern Watch"]


def test_events_newest_first_pages_by_before(operator: VtocClient) -> None:
    for n in range(5):
        operator.operations.create(name=f"Tail {n}")
    operator.assets.create(name="Not an operation")
    ops = [e.id for e in operator.events.iterate(kind="operation.")]
    page = operator.events.list(order="desc", limit=2, kind="operation.")
    assert [e.id for e in page.items] == ops[:-3:-1]
    assert page.next_cursor == str(ops[-2])
    walked = [e.id for e in operator.events.iterate(order="desc", limit=2, kind="operation.")]
    assert walked == ops[::-1]
    below = operator.events.list(order="desc", before=ops[2], after=ops[0], kind="operation.")
    assert [e.id for e in below.items] == [ops[1]]
    assert [e.id for e in operator.events.list(before=ops[2], kind="operation.").items] == ops[:2]


def test_search_takes_percent_and_underscore_as_typed(operator: VtocClient) -> None:
    operator.operations.create(name="Northern Watch")
    literal = operator.operations.create(name="N%Watch_2")
    named = operator.operations.create(name="Quiet Meadow", commander="Maj. O/Kafor")
    assert [o.id for o in operator.operations.list(q="N%Watch").items] == [literal.id]
    assert [o.id for o in operator.operations.list(q="_").items] == [literal.id]
    assert [o.id for o in operator.operations.list(q="Nort_ern").items] == []
    assert [o.id for o in operator.operations.list(q="northern").items] != []  # any case
    assert [o.id for o in operator.operations.list(q="o/k").items] == [named.id]


def test_intel_is_listed_most_recently_observed_first(operator: VtocClient) -> None:
    """An ingested file of old alerts does not bury today's: the order is when each report
    was observed (ties by id), and the cursor walks it without a gap or a repeat."""
    now = datetime.now(UTC).replace(microsecond=0)
    today = [
        operator.intel.create(
            title=f"today {n}", observed_at=(now - timedelta(minutes=n)).isoformat()
        )
        for n in range(3)
    ]
    old = [
        operator.intel.create(
            title=f"last week {n}", observed_at=(now - timedelta(days=7, seconds=n)).isoformat()
        )
        for n in range(4)
    ]
    tie = operator.intel.create(
        title="same second", observed_at=(now - timedelta(minutes=1)).isoformat()
    )
    expected = [today[0].id, tie.id, today[1].id, today[2].id, *(r.id for r in old)]
    assert [r.id for r in operator.intel.list(limit=50).items] == expected
    walked: list[int] = []
    cursor = None
    while True:
        page = operator.intel.list(limit=3, cursor=cursor)
        walked.extend(r.id for r in page.items)
        if (cursor := page.next_cursor) is None:
            break
        operator.intel.create(title="arrives mid-walk")  # observed now: above the walk
    assert walked == expected


def test_an_id_cursor_is_not_an_intel_cursor(operator: VtocClient) -> None:
    for n in range(3):
        operator.operations.create(name=f"Op {n}")
        operator.intel.create(title=f"Report {n}")
    op_cursor = operator.operations.list(limit=1).next_cursor
    with pytest.raises(ValidationFailed) as refused:
        operator.intel.list(cursor=op_cursor)
    assert [e.field for e in refused.value.errors] == ["cursor"]
