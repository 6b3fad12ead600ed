"""The list of one resource: paged from the server, filtered there, edited through forms."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType

from vtoc.cascade import delete_question, label_of
from vtoc.tui.keymap import LIST
from vtoc.tui.refusal import refusal_notified
from vtoc.tui.resources import ResourceSpec
from vtoc.tui.screens.base import VtocScreen
from vtoc.tui.screens.dialogs import PromptScreen
from vtoc.tui.screens.form import FormScreen, edit_form
from vtoc.tui.widgets.resource_table import ResourceTable
from vtoc.tui.widgets.row_list import RowList


class ListScreen(VtocScreen):
    BINDINGS: ClassVar[list[BindingType]] = LIST

    def __init__(
        self, spec: ResourceSpec, *, filters: dict[str, Any] | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.spec = spec
        self.filters = dict(filters or {})
        self.title_text = title or spec.title

    def body(self) -> ComposeResult:
        yield ResourceTable(self.spec, self.client, filters=self.filters, id="rows")

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#rows", ResourceTable)

    def on_mount(self) -> None:
        self.table.focus()

    def on_resource_table_loaded(self, message: ResourceTable.Loaded) -> None:
        table = message.table
        count = f"  [{table.row_count}{'+' if table.more else ''}]"
        query = f"  /{table.query_text}" if table.query_text else ""
        self.set_heading(count + query)

    def operation_in_view(self) -> int | None:
        """The highlighted operation, or the highlighted row's."""
        row = self.table.selected
        if row is None:
            return None
        return (
            int(row.id) if self.spec.entity == "operation" else getattr(row, "operation_id", None)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"new", "edit"} and not self.spec.writable:
            return False
        if action == "delete" and not self.spec.deletable:
            return False
        if action == "filter" and not self.spec.searchable:
            return False
        return super().check_action(action, parameters)

    # Actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.table.reload(text.strip(), keep_query=False)

        self.app.push_screen(
            PromptScreen("/", self.table.query_text or "", "search (enter to apply)"), apply
        )

    def action_back(self) -> None:
        """``esc`` clears a filter first, then goes back."""
        if self.table.query_text:
            self.table.reload(None, keep_query=False)
        else:
            super().action_back()

    def on_row_list_chosen(self, _: RowList.Chosen) -> None:
        self.action_drill()

    def action_drill(self) -> None:
        row = self.table.selected
        if row is not None:
            self.vtoc.open_detail(self.spec, row)

    def action_new(self) -> None:
        endpoint = self.spec.endpoint(self.client)

        async def create(body: dict[str, Any], _: int | None) -> Any:
            return await endpoint.create({**self.defaults(), **body})

        self.app.push_screen(
            FormScreen(f"New {self.spec.entity}", self.spec.fields, create),
            partial(self.saved, select=True),
        )

    def defaults(self) -> dict[str, Any]:
        """A row made inside a drill-down belongs to what was drilled into."""
        return {
            k: v
            for k, v in self.filters.items()
            if k in {f.name for f in self.spec.fields} and not isinstance(v, list)
        }

    def action_edit(self) -> None:
        row = self.table.selected
        if row is not None:
            self.app.push_screen(edit_form(self.spec, self.client, row), self.saved)

    def saved(self, row: Any, *, select: bool = False) -> None:
        """A saved row shows at once (its event comes later); a created one is selected."""
        if row is not None:
            self.table.show(row, select=select)
            self.notify(f"saved {self.spec.entity} {row.id}")

    def action_delete(self) -> None:
        row = self.table.selected
        if row is not None:
            self.confirm_delete(row)

    @work(group="write")
    async def confirm_delete(self, row: Any) -> None:
        with refusal_notified(self, "Not deleted"):
            impact = await self.spec.endpoint(self.client).delete_impact(row.id)
            question = delete_question(label_of(self.spec.entity, row), impact)
            self.confirm(question, partial(self.delete, row.id))

    @work(group="write")
    async def delete(self, row_id: int) -> None:
        with refusal_notified(self, "Not deleted"):
            await self.spec.endpoint(self.client).delete(row_id)
            self.table.drop(row_id)
            self.notify(f"deleted {self.spec.entity} {row_id}")
