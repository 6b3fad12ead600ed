"""Agents: schedule and health, the runs history of the highlighted one, ``t`` runs it now."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from vtoc import schemas as s
from vtoc.tui.keymap import AGENTS
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import FormField, ago, plain, styled
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.form import FormScreen
from vtoc.validation import bounds

FIELDS = (
    FormField(
        "interval_seconds",
        f"Interval (seconds, {bounds(s.AgentUpdate, 'interval_seconds')})",
        kind=int,
    ),
    FormField("enabled", "Enabled", ("true", "false")),
)


def agent_cells(agent: s.Agent) -> list[Any]:
    return [
        agent.name,
        str(agent.kind),
        f"{agent.interval_seconds}s",
        "yes" if agent.enabled else "no",
        ago(agent.last_run_at),
        ago(agent.next_run_at),
    ]


class AgentsScreen(VtocScreen):
    title_text = "Agents"
    BINDINGS: ClassVar[list[BindingType]] = AGENTS

    def __init__(self) -> None:
        super().__init__()
        self.agents: dict[str, s.Agent] = {}

    def body(self) -> ComposeResult:
        yield DataTable[Any](id="agents-table", cursor_type="row")
        yield Static("Runs", id="runs-title", markup=False)
        yield DataTable[Any](id="runs-table", cursor_type="row")

    def on_mount(self) -> None:
        agents = self.query_one("#agents-table", DataTable)
        for label in ("NAME", "KIND", "EVERY", "ON", "LAST RUN", "NEXT RUN"):
            agents.add_column(label, key=label)
        runs = self.query_one("#runs-table", DataTable)
        for label in ("RUN", "STARTED", "STATUS", "SUMMARY"):
            runs.add_column(label, key=label)
        agents.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(exclusive=True, group="agents")
    async def load(self) -> None:
        with refusal_notified(self):
            page = await self.client.agents.list()
            table = self.query_one("#agents-table", DataTable)
            for agent in page.items:
                self.agents[agent.name] = agent
                if agent.name in table.rows:
                    for label, value in zip(table.columns, agent_cells(agent), strict=True):
                        table.update_cell(agent.name, label, value)
                else:
                    table.add_row(*agent_cells(agent), key=agent.name)
            self.load_runs()

    @property
    def selected(self) -> s.Agent | None:
        table = self.query_one("#agents-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.agents.get(key or "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "agents-table":
            self.load_runs()

    @work(exclusive=True, group="runs")
    async def load_runs(self) -> None:
        agent = self.selected
        if agent is None:
            return
        page = await self.client.agent_runs(agent.name, limit=50)
        runs = self.query_one("#runs-table", DataTable)
        runs.clear()
        for run in page.items:
            runs.add_row(str(run.id), ago(run.started_at), styled(run.status), plain(run.summary))
        self.query_one("#runs-title", Static).update(f"Runs of {agent.name}: {len(page.items)}")

    def action_trigger(self) -> None:
        self.trigger()

    @work(group="write")
    async def trigger(self) -> None:
        agent = self.selected
        if agent is None:
            return
        with refusal_notified(self, "Not triggered"):
            await self.client.trigger_agent(agent.name)
            self.notify(f"{agent.name} will run on the next worker tick")
            self.load()

    def action_edit(self) -> None:
        agent = self.selected
        if agent is None:
            return

        async def update(body: dict[str, Any], version: int | None) -> Any:
            return await self.client.agents.update(agent.name, body, version=version)

        async def latest() -> Any:
            return await self.client.agents.get(agent.name)

        form = FormScreen(f"Edit agent {agent.name}", FIELDS, update, row=agent, reload=latest)

        def saved(row: Any) -> None:
            if row is not None:
                self.load()

        self.app.push_screen(form, saved)

    def apply_events(self, batch: list[s.Event]) -> None:
        if any(e.entity in {"agent", "agent_run"} or e.kind.startswith("agent") for e in batch):
            self.load()
