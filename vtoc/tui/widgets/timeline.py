"""An operation's timeline in the TUI: journal entries and events, newest first, live.

The server orders the timeline by (time, entries before events, id); this list keeps that
order newest first. An entry can be back-dated, so a live one may land between rows the
operator reads: ``RowList.put`` keeps the selection and the viewport where they were and
counts it above. Older pages load as the operator nears the end of what is loaded.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual import work

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import Column, plain
from vtoc.tui.widgets.paged_list import PagedList

PAGE = 100
#: the most items kept; older ones are a filter or an export away (``vtoc ops timeline``)
MAX_ITEMS = 5_000
RANK = {s.TimelineType.entry: 0, s.TimelineType.event: 1}


@dataclass(frozen=True)
class TimelineRow:
    """A timeline item under a key unique across both sources (an entry and an event can
    share a number)."""

    item: s.TimelineItem

    @property
    def id(self) -> int:
        return self.item.id * 2 + RANK[self.item.type]


def place(row: TimelineRow) -> tuple[datetime, int, int]:
    """The server's order: time, entries before events, id."""
    return (row.item.at, RANK[row.item.type], row.item.id)


def what(row: TimelineRow) -> Text:
    """Entries by their kind in bold (what the staff wrote); events dim."""
    item = row.item
    style = "bold" if item.type is s.TimelineType.entry else "dim"
    return Text(item.kind, style=style)


def summary(row: TimelineRow) -> Text:
    """The server's line, without the kind the KIND column already shows."""
    return plain(row.item.summary.removeprefix(f"{row.item.kind}: "))


COLUMNS = (
    Column("TIME (UTC)", lambda r: f"{r.item.at.astimezone(UTC):%m-%d %H:%M:%S}", 14),
    Column("KIND", what, 18, wide=22),  # as wide as the events list's: kinds stay whole
    Column("BY", lambda r: plain(r.item.actor), 10, wide=24),
    Column("SUMMARY", summary),
)


def concerns(event: s.Event, operation_id: int, asset_ids: set[int]) -> bool:
    """An event the server's timeline of the operation shows: its own (entries included),
    or one of its assets' events that belong to no operation."""
    if event.operation_id == operation_id:
        return True
    return (
        event.entity == s.Entity.asset
        and event.operation_id is None
        and event.entity_id in asset_ids
    )


def happened_at(event: s.Event) -> datetime:
    """Where the event's item sits: an entry's ``occurred_at`` (it may be back-dated), else
    the event's time."""
    occurred = event.data.get("occurred_at")
    if isinstance(occurred, str):
        with suppress(ValueError):
            at = datetime.fromisoformat(occurred)
            return min(at if at.tzinfo else at.replace(tzinfo=UTC), event.ts)
    return event.ts


class TimelineList(PagedList):
    """One operation's timeline, paged in as the operator scrolls, live from events."""

    refused_title = "Could not load the timeline"

    def __init__(self, client: AsyncVtocClient, operation_id: int, *, id: str | None = None):
        super().__init__(COLUMNS, cap=MAX_ITEMS, order=place, id=id)
        self.client = client
        self.operation_id = operation_id
        self.next_cursor: str | None = None
        self.catching_up = False
        #: the earliest time live events want read again, not fetched yet
        self.stale_since: datetime | None = None
        #: the assets of the operation's missions (their events are on its timeline)
        self.asset_ids: set[int] = set()

    @property
    def more(self) -> bool:
        return self.next_cursor is not None

    def reload(self) -> None:
        self.next_cursor = None
        super().reload()

    async def fetch_older(self, first: bool) -> list[TimelineRow]:
        page = await self.client.timeline(
            self.operation_id,
            order=s.EventOrder.desc,
            limit=PAGE,
            cursor=None if first else self.next_cursor,
        )
        self.next_cursor = page.next_cursor
        return [TimelineRow(item) for item in page.items]

    def took_page(self) -> None:
        if not self.rows:
            self.empty_text = "nothing logged yet: L files an entry"

    def apply_events(self, batch: list[s.Event]) -> None:
        """Read the timeline again from the earliest item the batch touched on; rows come in
        where their time puts them, the selection stays."""
        touched = [happened_at(e) for e in batch if concerns(e, self.operation_id, self.asset_ids)]
        if not touched:
            return
        earliest = min(touched)
        self.stale_since = earliest if self.stale_since is None else min(earliest, self.stale_since)
        self.catch_up()

    @work(exclusive=False, group="timeline-live")
    async def catch_up(self) -> None:
        """One fetch at a time; events arriving meanwhile are served by the next loop."""
        if self.catching_up:
            return
        self.catching_up = True
        try:
            with refusal_notified(self, "Could not update the timeline"):
                while self.stale_since is not None:
                    since, self.stale_since = self.stale_since, None
                    await self.take_since(since)
        finally:
            self.catching_up = False

    async def take_since(self, since: datetime) -> None:
        cursor: str | None = None
        while True:
            page = await self.client.timeline(
                self.operation_id, since=since, limit=500, cursor=cursor
            )
            rows = [TimelineRow(item) for item in page.items]
            if self.next_cursor is not None and self.rows:  # older pages are still to load:
                oldest = place(self.rows[-1])  # items below them come with those pages
                rows = [row for row in rows if place(row) > oldest]
            self.put(rows)
            self.empty_text = ""
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
