"""The correlations view: clusters with their shared indicators, a cluster's members that
open, escalation from there, and clusters that come and merge live."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.conftest import (
    LiveServer,
    Terminal,
    confirmation,
    screen_text,
    start_server,
    until,
)
from tests.tui.test_journal import open_timeline
from vtoc import schemas as s
from vtoc.schemas import Role
from vtoc.tui.app import VtocApp
from vtoc.tui.screens.correlations import CorrelationScreen, CorrelationsScreen
from vtoc.tui.screens.dashboard import DashboardScreen
from vtoc.tui.screens.detail import IntelScreen
from vtoc.tui.screens.events import EventsScreen

pytestmark = pytest.mark.asyncio

#: hosts of addresses no other report names: each pair of reports gets its own
HOSTS = itertools.count(1)


@pytest.fixture(scope="module")
def clustered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own (escalation raises severities other tests would see), its demo
    campaigns clustered by the analyzer's call."""
    for live in start_server(Path(tmp_path_factory.mktemp("corr")) / "vtoc.db", reports=40):
        run(live)
        yield live


def run(live: LiveServer) -> s.CorrelationRunResult:
    with live.sync() as admin:
        return admin.correlation_run(s.CorrelationRun())


def linked_pair(live: LiveServer) -> tuple[str, list[int]]:
    """Two new reports that share an address no other report has."""
    address = f"198.51.7.{next(HOSTS)}"  # the demo's campaigns use 198.51.100.x
    with live.sync() as admin:
        ids = [
            admin.intel.create(title=f"Beacon {n} to {address}", body=f"dst {address}").id
            for n in (1, 2)
        ]
    return address, ids


async def open_clusters(app: VtocApp, pilot: object) -> CorrelationsScreen:
    await pilot.press(":", *"correlations", "enter")  # type: ignore[attr-defined]
    await until(lambda: isinstance(app.screen, CorrelationsScreen), app)
    screen = app.screen
    assert isinstance(screen, CorrelationsScreen)
    await until(lambda: screen.table.row_count, app)
    return screen


async def test_the_list_shows_each_cluster_with_its_shared_indicators(
    clustered: LiveServer,
) -> None:
    with clustered.sync() as admin:
        clusters = admin.correlations(limit=500).items
    assert clusters
    newest = clusters[0]
    app = VtocApp(clustered.client(Role.viewer), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_clusters(app, pilot)
        assert screen.table.ids == [c.id for c in clusters][: screen.table.row_count]
        await terminal.sees(f"Correlations  [{len(clusters)}]")
        await terminal.sees(newest.indicators[0].value)
        row = next(
            line for line in terminal.text().splitlines() if line.startswith(f" {newest.id} ")
        )
        assert str(newest.severity) in row and f" {len(newest.report_ids)} " in row
        keys = screen_text(app).split()
        assert "/" not in keys and "n" not in keys and "d" not in keys  # nothing to search or write


async def test_nine_and_the_palette_reach_it(clustered: LiveServer) -> None:
    app = VtocApp(clustered.client(Role.viewer), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("9")
        await until(lambda: isinstance(app.screen, CorrelationsScreen), app)
        await pilot.press("1")
        await until(lambda: isinstance(app.screen, DashboardScreen), app)
        await pilot.press("ctrl+p", *"correlations")
        await terminal.sees("Go to correlations")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, CorrelationsScreen), app)


async def test_enter_opens_a_cluster_whose_members_open(clustered: LiveServer) -> None:
    with clustered.sync() as admin:
        cluster = admin.correlations(limit=1).items[0]
    app = VtocApp(clustered.client(Role.viewer), readonly=True, live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_clusters(app, pilot)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, CorrelationScreen), app)
        detail = app.screen
        assert isinstance(detail, CorrelationScreen)
        await until(lambda: detail.members.row_count == len(cluster.report_ids), app)
        assert sorted(detail.members.ids) == sorted(cluster.report_ids)
        await terminal.sees(f"vTOC ▸ Correlations ▸ cluster {cluster.id}")
        await terminal.sees(f"{len(cluster.report_ids)} reports")
        shown = screen_text(app)
        assert all(indicator.value in shown for indicator in cluster.indicators)  # their tab
        first = detail.members.rows[0]
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, IntelScreen), app)
        report = app.screen
        assert report.row.id == first.id  # type: ignore[attr-defined]
        await until(lambda: "c" in screen_text(app).split(), app)  # its cluster, from the report
        await pilot.press("c")
        await until(
            lambda: app.screen is not report and isinstance(app.screen, CorrelationScreen), app
        )
        assert app.screen.row.id == cluster.id  # type: ignore[attr-defined]
        await pilot.press("escape", "escape")
        await until(lambda: app.screen is detail, app)
        await pilot.press("x")  # read-only: no escalation
        assert app.screen is detail
        await until(lambda: "x" not in screen_text(app).split(), app)


async def test_escalate_from_the_cluster(clustered: LiveServer) -> None:
    _, ids = linked_pair(clustered)
    run(clustered)
    with clustered.sync() as admin:
        cluster = next(
            c for c in admin.correlations(limit=50).items if set(ids) <= set(c.report_ids)
        )
    app = VtocApp(clustered.client(Role.operator), live=False)
    terminal = Terminal(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_clusters(app, pilot)
        screen.table.move_cursor(screen.table.index_of(cluster.id))
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, CorrelationScreen), app)
        detail = app.screen
        await terminal.sees("not escalated")
        assert "s" not in screen_text(app).split()  # no summary yet
        question = str((await confirmation(app, pilot, "x")).render())
        assert f"Escalate cluster {cluster.id}? Each of its 2 reports" in question
        await pilot.press("y")
        await until(lambda: app.screen is detail, app)
        await terminal.sees("escalated: summary report #")
        with clustered.sync() as admin:
            summary_id = admin.correlation(cluster.id).summary_report_id
            assert summary_id is not None
            assert {admin.intel.get(i).severity for i in ids} == {s.Severity.low}
        await terminal.sees(f"summary report #{summary_id}")
        await until(lambda: "x" not in screen_text(app).split(), app)  # done once
        await pilot.press("s")
        await until(lambda: isinstance(app.screen, IntelScreen), app)
        assert app.screen.row.id == summary_id  # type: ignore[attr-defined]


async def test_clusters_come_and_merge_live(clustered: LiveServer) -> None:
    app = VtocApp(clustered.client(Role.viewer))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_clusters(app, pilot)
        table = screen.table
        first_address, first = linked_pair(clustered)
        second_address, second = linked_pair(clustered)
        run(clustered)
        with clustered.sync() as admin:
            new = [
                c
                for c in admin.correlations(limit=10).items
                if set(c.report_ids) & {*first, *second}
            ]
        assert len(new) == 2
        await until(lambda: {c.id for c in new} <= set(table.rows_by_id), app)
        assert table.cursor_row == 0 and table.ids[0] == max(c.id for c in new)
        # one report names both addresses: the two clusters become one
        with clustered.sync() as admin:
            admin.intel.create(title="Both", body=f"{first_address} and {second_address}")
        merged = run(clustered).clusters
        await until(lambda: len({c.id for c in new} & set(table.rows_by_id)) == 1, app)
        kept = next(c.id for c in new if c.id in table.rows_by_id)
        await until(lambda: len(table.rows_by_id[kept].report_ids) == 5, app)
        assert merged


async def test_a_clusters_events_say_what_it_became_and_open_it_from_the_timeline(
    clustered: LiveServer,
) -> None:
    """The event log words a cluster's event (its size and severity), and on the timeline of
    its reports' operation the cluster's row opens the cluster."""
    address = f"198.51.7.{next(HOSTS)}"
    with clustered.sync() as admin:
        operation = admin.operations.create(name=f"Clustered {address}")
        ids = [
            admin.intel.create(
                title=f"Beacon {n} to {address}", body=f"dst {address}", operation_id=operation.id
            ).id
            for n in (1, 2)
        ]
    run(clustered)
    with clustered.sync() as admin:
        cluster = next(c for c in admin.correlations(limit=50).items if set(ids) <= {*c.report_ids})
    app = VtocApp(clustered.client(Role.viewer), live=False)
    terminal = Terminal(app, size=(120, 30))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press(":", *"events", "enter")
        await until(lambda: isinstance(app.screen, EventsScreen), app)
        events = app.screen.table  # type: ignore[attr-defined]
        mine = ("correlation.merged", cluster.id)
        await until(lambda: any((e.kind, e.entity_id) == mine for e in events.rows), app)
        await terminal.sees(f"correlation.merged      {cluster.id:<6} ")
        await terminal.sees(f"2 reports, {cluster.severity}")

        await pilot.press("escape")  # to the dashboard, where the operator starts
        timeline = await open_timeline(app, pilot, operation)
        await until(lambda: any(r.item.entity == "correlation" for r in timeline.rows), app)
        items = [r.item for r in timeline.rows]
        at = next(i for i, item in enumerate(items) if item.entity == "correlation")
        assert items[at].summary == (
            f"correlation.merged: correlation {cluster.id} 2 reports, {cluster.severity}"
        )
        timeline.move_cursor(at)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, CorrelationScreen), app)
        assert app.screen.row.id == cluster.id  # type: ignore[attr-defined]
