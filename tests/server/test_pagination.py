"""Keyset pagination and search, on both databases."""

from __future__ import annotations

from vtoc.client import VtocClient


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
