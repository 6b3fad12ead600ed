"""The watch and its handover: what needs a human now, passed to the next operator once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from vtoc import schemas as s
from vtoc.client import Conflict, Forbidden, VtocClient
from vtoc.schemas import Role


def test_the_watch_lists_what_needs_a_human(operator: VtocClient) -> None:
    critical = operator.intel.create(title="Ransomware note", severity="critical")
    seen = operator.intel.create(title="Beacon", severity="high")
    operator.intel.create(title="Noise", severity="low")
    operator.acknowledge(seen.id)
    op = operator.operations.create(name="Harbor")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    late = operator.missions.create(operation_id=op.id, name="Sweep", due_at=past)
    lost = operator.assets.create(name="relay-1", kind="sensor", status="unreachable")
    now = operator.watch()
    assert [(r.id, r.overdue) for r in now.unacknowledged] == [(critical.id, False)]
    deadline = now.unacknowledged[0].deadline
    assert deadline == now.unacknowledged[0].created_at + timedelta(minutes=5)
    assert now.unacknowledged_total == 1
    assert [m.id for m in now.overdue_missions] == [late.id]
    assert [a.id for a in now.unreachable_assets] == [lost.id]
    assert now.failed_tasks == []
    assert len(operator.watch(min_severity="low").unacknowledged) == 2


def test_a_handover_carries_the_open_items_and_is_accepted_once(
    client_for: Callable[..., VtocClient], make_token: Callable[..., str], viewer: VtocClient
) -> None:
    day = client_for(token=make_token(Role.operator, "day-watch"))
    night = client_for(token=make_token(Role.operator, "night-watch"))
    other = client_for(token=make_token(Role.operator, "other"))
    report = day.intel.create(title="Beacon", severity="critical")
    first = day.journal.create(text="Relay up")
    handover = day.handovers.create(text="Quiet shift. Watch the beacon.")
    assert handover.handed_by == "day-watch"
    assert handover.open_items["intel"] == [report.id]
    assert handover.entry_ids == [first.id]
    entry = day.journal.get(handover.entry_id)
    assert entry.kind is s.JournalKind.handover
    assert entry.text.startswith("Quiet shift. Watch the beacon.\n\nOpen items: 1 unacknowledged")
    with pytest.raises(Conflict):
        day.accept_handover(handover.id)  # the outgoing operator cannot take it
    with pytest.raises(Forbidden):
        viewer.accept_handover(handover.id)
    taken = night.accept_handover(handover.id)
    assert taken.accepted_by == "night-watch" and taken.accepted_at is not None
    assert night.accept_handover(handover.id) == taken  # again: the same answer
    with pytest.raises(Conflict):
        other.accept_handover(handover.id)
    night.journal.create(text="Took the watch")
    second = night.handovers.create()
    assert second.entry_ids == [second.entry_id - 1]  # since the last handover entry
    kinds = [e.kind for e in day.events.list(kind="handover.").items]
    assert kinds == ["handover.created", "handover.accepted", "handover.created"]
