"""The staff journal through the real client against the real app, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vtoc import schemas as s
from vtoc.client import Conflict, Forbidden, NotFound, ValidationFailed, VtocClient


def test_an_entry_is_filed_as_its_author_and_read_back(operator: VtocClient) -> None:
    op = operator.operations.create(name="Northern Watch")
    report = operator.intel.create(title="Beacon", severity="high")
    before = datetime.now(UTC)
    entry = operator.journal.create(
        text="Contact with **Hawk-02**: holding at grid 31U",
        kind="contact",
        operation_id=op.id,
        refs=[{"entity": "intel", "id": report.id}],
    )
    assert entry.author == operator.whoami().name
    assert entry.kind is s.JournalKind.contact
    assert entry.refs == [s.JournalRef(entity=s.RefEntity.intel, id=report.id)]
    assert before <= entry.occurred_at <= entry.recorded_at
    assert (entry.corrects, entry.corrected_by) == (None, None)
    assert operator.journal.get(entry.id) == entry
    events = operator.events.list(kind="journal.").items
    assert [(e.kind, e.entity_id, e.operation_id) for e in events] == [
        ("journal.created", entry.id, op.id)
    ]


def test_a_back_dated_entry_keeps_its_time_and_a_future_one_is_refused(
    operator: VtocClient,
) -> None:
    earlier = datetime.now(UTC) - timedelta(minutes=10)
    entry = operator.journal.create(
        text="Order given", kind="order", occurred_at=earlier.isoformat()
    )
    assert entry.occurred_at == earlier
    assert entry.recorded_at > earlier
    soon = datetime.now(UTC) + timedelta(seconds=30)  # within the clock skew allowed
    assert (
        operator.journal.create(text="Clock ahead", occurred_at=soon.isoformat()).occurred_at
        == soon
    )
    with pytest.raises(ValidationFailed) as refused:
        operator.journal.create(
            text="Tomorrow", occurred_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()
        )
    assert [e.field for e in refused.value.errors] == ["occurred_at"]
    assert "future" in refused.value.errors[0].message


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x" * (s.JOURNAL_TEXT_BYTES + 1)}, "text"),
        ({"text": "é" * (s.JOURNAL_TEXT_BYTES // 2 + 1)}, "text"),  # bytes, not characters
        ({"text": "title\x1b]0;pwned\x07"}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "ok", "kind": "gossip"}, "kind"),
        ({"text": "ok", "operation_id": 999}, "operation_id"),
        ({"text": "ok", "refs": [{"entity": "intel", "id": 999}]}, "refs.0.id"),
        ({"text": "ok", "refs": [{"entity": "table", "id": 1}]}, "refs.0.entity"),
        ({"text": "ok", "occurred_at": "2026-12-06T14:32:00"}, "occurred_at"),  # no zone
    ],
)
def test_bad_entries_are_refused_by_field_and_nothing_is_stored(
    operator: VtocClient, body: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        operator.journal.create(body)
    assert [e.field for e in refused.value.errors] == [field]
    assert operator.journal.list().items == []
    assert operator.events.list(kind="journal.").items == []


def test_text_of_exactly_the_limit_with_newlines_and_tabs_is_kept(operator: VtocClient) -> None:
    text = "- item\n\t- sub\n" + "x" * (s.JOURNAL_TEXT_BYTES - 14)
    assert operator.journal.create(text=text).text == text


def test_a_viewer_reads_but_may_not_write(operator: VtocClient, viewer: VtocClient) -> None:
    entry = operator.journal.create(text="Written by the operator")
    with pytest.raises(Forbidden):
        viewer.journal.create(text="Written by a viewer")
    with pytest.raises(Forbidden):
        viewer.correct_entry(entry.id, s.JournalCorrection(text="No", reason="viewer"))
    assert [e.id for e in viewer.journal.list().items] == [entry.id]


def test_a_correction_is_a_new_entry_and_the_original_stays_readable(
    operator: VtocClient, admin: VtocClient
) -> None:
    op = operator.operations.create(name="Delta")
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    original = operator.journal.create(
        text="Hawk-02 at grid 31U",
        kind="report",
        operation_id=op.id,
        occurred_at=earlier.isoformat(),
    )
    fix = admin.correct_entry(
        original.id, s.JournalCorrection(text="Hawk-02 at grid 32U", reason="misread grid")
    )
    assert (fix.corrects, fix.reason, fix.kind) == (original.id, "misread grid", original.kind)
    assert (fix.operation_id, fix.occurred_at) == (op.id, earlier)
    assert fix.author == admin.whoami().name
    kept = operator.journal.get(original.id)
    assert (kept.text, kept.corrected_by) == ("Hawk-02 at grid 31U", fix.id)
    with pytest.raises(Conflict) as again:
        operator.correct_entry(original.id, s.JournalCorrection(text="again", reason="r"))
    assert str(fix.id) in again.value.message
    with pytest.raises(NotFound):
        operator.correct_entry(9999, s.JournalCorrection(text="gone", reason="r"))
    with pytest.raises(ValidationFailed) as refused:
        operator.correct_entry(fix.id, s.JournalCorrection.model_construct(text="t", reason=""))
    assert [e.field for e in refused.value.errors] == ["reason"]
    kinds = [e.kind for e in operator.events.list(kind="journal.").items]
    assert kinds == ["journal.created", "journal.created"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_entries_are_never_edited_or_deleted(
    operator: VtocClient, admin: VtocClient, method: str
) -> None:
    entry = operator.journal.create(text="Evidence")
    answer = admin.http.request(method, f"/api/v1/journal/{entry.id}", json={"text": "changed"})
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["allow"] == "GET, HEAD"
    assert "corrections" in answer.json()["detail"]
    assert operator.journal.get(entry.id).text == "Evidence"


def test_filters_search_and_pages(operator: VtocClient, admin: VtocClient) -> None:
    op = operator.operations.create(name="Paging")
    now = datetime.now(UTC)
    for n in range(7):
        operator.journal.create(
            text=f"entry {n} {'convoy' if n % 2 else 'relay'}",
            kind="note" if n < 5 else "decision",
            operation_id=op.id if n % 3 == 0 else None,
            occurred_at=(now - timedelta(hours=7 - n)).isoformat(),
        )
    admin.journal.create(text="by the admin")
    assert [e.text for e in operator.journal.list(operation_id=op.id).items] == [
        "entry 6 relay",
        "entry 3 convoy",
        "entry 0 relay",
    ]
    assert len(operator.journal.list(kind=["decision"]).items) == 2
    assert [e.text for e in operator.journal.list(author=admin.whoami().name).items] == [
        "by the admin"
    ]
    assert len(operator.journal.list(q="CONVOY").items) == 3
    window = operator.journal.list(since=now - timedelta(hours=4), until=now - timedelta(hours=2))
    assert sorted(e.text for e in window.items) == ["entry 3 convoy", "entry 4 relay"]
    seen = [e.id for e in operator.journal.iterate(limit=3)]
    assert len(seen) == len(set(seen)) == 8
    assert seen == sorted(seen, reverse=True)
