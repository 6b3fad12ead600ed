"""An operation's timeline: entries and events in the order things happened, paged exactly
once, exported as an after-action document."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.client import NotFound, ValidationFailed, VtocClient
from vtoc.schemas import Role
from vtoc.server.models import EventRow, JournalEntryRow

GOLDEN = Path(__file__).with_name("golden") / "timeline.md"


@pytest.fixture
def operator(operator_on_either_read_path: VtocClient) -> VtocClient:
    return operator_on_either_read_path


def test_back_dated_entries_fall_between_the_events_they_happened_between(
    operator: VtocClient,
) -> None:
    op = operator.operations.create(name="Northern Watch")
    mission = operator.missions.create(operation_id=op.id, name="Relay")
    hawk = operator.assets.create(name="Hawk-02", kind="aircraft")
    operator.assets.create(name="Elsewhere", kind="vehicle")
    operator.assign_asset(mission.id, hawk.id)
    operator.heartbeat(hawk.id)
    operator.heartbeat("Elsewhere")
    events = {e.kind: e for e in operator.events.list(operation_id=op.id).items}
    created, planned = events["operation.created"].ts, events["mission.created"].ts
    between = operator.journal.create(
        text="Tasked Relay by phone", operation_id=op.id,
        occurred_at=(created + (planned - created) / 2).isoformat(),
    )  # fmt: skip
    first = operator.journal.create(
        text="Warning order received", kind="order", operation_id=op.id,
        occurred_at=(created - timedelta(minutes=30)).isoformat(),
    )  # fmt: skip
    operator.journal.create(text="Not this operation")
    items = operator.timeline(op.code, limit=500).items
    assert [(i.type, i.kind) for i in items[:4]] == [
        ("entry", "order"),
        ("event", "operation.created"),
        ("entry", "note"),
        ("event", "mission.created"),
    ]
    assert [i.id for i in items if i.type == "entry"] == [first.id, between.id]
    assert {i.entity_id for i in items if i.entity == "asset"} == {hawk.id}  # not Elsewhere
    assert not [i for i in items if i.kind.startswith("journal.")]
    assert items[2].link == f"/api/v1/journal/{between.id}"
    assert items[3].summary == f"mission.created: mission {mission.id} Relay"
    times = [i.at for i in items]
    assert times == sorted(times)
    newest_first = operator.timeline(op.id, order="desc", limit=500).items
    assert newest_first == items[::-1]
    assert [i.id for i in operator.timeline(op.id, types=["entry"]).items] == [
        first.id,
        between.id,
    ]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_through_a_thousand_mixed_items_returns_each_exactly_once(
    operator: VtocClient, engine: Engine, order: str
) -> None:
    op = operator.operations.create(name="Busy")
    mission = operator.missions.create(operation_id=op.id, name="Relay")
    assets = [operator.assets.create(name=f"Hawk-0{n}", kind="aircraft") for n in (1, 2)]
    for asset in assets:
        operator.assign_asset(mission.id, asset.id)
    setup = len(operator.timeline(op.id, limit=500).items)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rng = random.Random(20)
    moments = [base + timedelta(seconds=rng.randrange(60)) for _ in range(999)]  # many ties
    with Session(engine) as session:
        session.execute(
            insert(JournalEntryRow),
            [
                {"occurred_at": at, "recorded_at": base, "author": "ops", "kind": "note",
                 "text": f"entry {n}", "operation_id": op.id, "refs": []}
                for n, at in enumerate(moments[:500])
            ],
        )  # fmt: skip
        session.execute(
            insert(EventRow),
            [
                {"ts": at, "actor": "ops", "kind": "operation.updated", "entity": "operation",
                 "entity_id": op.id, "operation_id": op.id, "data": {}}
                for at in moments[500:800]
            ]
            # the moves of the mission's assets belong to no operation
            + [
                {"ts": at, "actor": "gps", "kind": "asset.moved", "entity": "asset",
                 "entity_id": assets[n % 2].id, "operation_id": None, "data": {}}
                for n, at in enumerate(moments[800:])
            ],
        )  # fmt: skip
        session.commit()
    seen: list[s.TimelineItem] = []
    cursor = None
    while True:
        page = operator.timeline(op.id, limit=37, order=order, cursor=cursor)
        seen.extend(page.items)
        if not (cursor := page.next_cursor):
            break
    keys = [(i.at, i.type == "event", i.id) for i in seen]
    assert len(keys) == len(set(keys)) == setup + 999
    assert keys == sorted(keys, reverse=order == "desc")


def test_markdown_export_matches_the_golden_file(
    client_for: Callable[..., VtocClient], make_token: Callable[..., str], engine: Engine
) -> None:
    okafor = client_for(token=make_token(Role.operator, "okafor"))
    op = okafor.operations.create(name="Northern Watch", code="OP-0042")
    at = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    with Session(engine) as session:  # the event's time, fixed for the golden file
        session.execute(update(EventRow).values(ts=at))
        session.commit()
    order = okafor.journal.create(
        text="Warning order received.\n\nMove at 1500Z.", kind="order",
        operation_id=op.id, occurred_at=(at + timedelta(minutes=32)).isoformat(),
    )  # fmt: skip
    okafor.correct_entry(order.id, s.JournalCorrection(text="Move at 1530Z.", reason="typo"))
    document = okafor.timeline_export("OP-0042", "text/markdown")
    assert document == GOLDEN.read_text()
    rows = okafor.timeline_export("OP-0042", "text/csv").splitlines()
    assert rows[0] == "time_utc,type,kind,actor,summary,link,text"
    assert rows[1].startswith("2026-12-01 14:00:00Z,event,operation.created,okafor,")
    assert len(okafor.timeline_export("OP-0042", "text/csv", types=["entry"]).splitlines()) > 2


def test_readers_bad_cursors_and_unknown_operations(
    operator: VtocClient, viewer: VtocClient
) -> None:
    op = operator.operations.create(name="Read me")
    assert [i.kind for i in viewer.timeline(op.code).items] == ["operation.created"]
    assert operator.timeline(op.id) == viewer.timeline(op.code)
    with pytest.raises(NotFound):
        viewer.timeline("OP-9999")
    # by id, a missing operation is a 404 before its cursor is read
    for cursor in (None, "bm90LWEtY3Vyc29y"):
        with pytest.raises(NotFound):
            operator.timeline(op.id + 1000, cursor=cursor)
    with pytest.raises(ValidationFailed) as refused:
        operator.timeline(op.id, cursor="bm90LWEtY3Vyc29y")
    assert [e.field for e in refused.value.errors] == ["cursor"]


def test_every_event_on_a_timeline_says_what_happened_beyond_its_kind(
    operator: VtocClient, admin: VtocClient
) -> None:
    """Each item's line names its row or what the event adds (a cluster's size, who
    acknowledged): never the bare "kind: entity id"."""
    op = operator.operations.create(name="Said")
    mission = operator.missions.create(operation_id=op.id, name="Relay")
    hawk = operator.assets.create(name="Hawk-07", kind="aircraft")
    operator.assign_asset(mission.id, hawk.id)
    operator.heartbeat(hawk.id)
    reports = [
        operator.intel.create(
            title=f"Beacon {n} to 198.51.9.9", body="dst 198.51.9.9", operation_id=op.id,
            severity="critical",
        )
        for n in (1, 2)
    ]  # fmt: skip
    operator.acknowledge(reports[0].id)
    admin.correlation_run(s.CorrelationRun())
    events = [i for i in operator.timeline(op.id, types=["event"], limit=500).items]
    kinds = {i.kind for i in events}
    assert {"intel.acknowledged", "correlation.merged", "asset.heartbeat"} <= kinds
    for item in events:
        bare = f"{item.kind}: {item.entity} {item.entity_id}"
        assert item.summary.startswith(bare) and item.summary != bare, item
    merged = next(i for i in events if i.kind == "correlation.merged")
    assert merged.summary.endswith(" 2 reports, critical")
    acked = next(i for i in events if i.kind == "intel.acknowledged")
    assert acked.summary.endswith(": acknowledged by " + acked.actor)


def test_a_page_by_operation_id_on_postgresql_reads_through_asyncpg_alone(
    app: FastAPI, make_token: Callable[..., str], engine: Engine
) -> None:
    """The hot read takes no thread hop and no synchronous connection (``async_reads``):
    neither the operation's lookup nor the page runs on the synchronous engines."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads through its session: there is no asyncpg pool")
    with TestClient(app) as http:  # the lifespan starts the asyncpg pool
        operator = VtocClient("http://testserver", make_token(Role.operator), http=http)
        op = operator.operations.create(name="Hot")
        operator.journal.create(text="On station", operation_id=op.id)
        operator.timeline(op.id)  # the token is verified once, then cached
        ran: list[str] = []

        def record(*args: Any) -> None:
            ran.append(args[2])

        for synchronous in (app.state.engine, app.state.read_engine):
            event.listen(synchronous, "before_cursor_execute", record)
        first = operator.timeline(op.id, limit=1)
        rest = operator.timeline(op.id, cursor=first.next_cursor, author=first.items[0].actor)
    timeline_reads = [sql for sql in ran if "journal_entries" in sql or "FROM operations" in sql]
    assert timeline_reads == []
    assert [i.type for i in first.items + rest.items] == ["event", "entry"]
