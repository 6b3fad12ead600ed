"""Create and edit forms. The server validates: its field errors appear under each field.

A stale edit (412: someone changed the row since it was read) keeps what the operator
typed and offers to reload the latest version, so nothing is overwritten blindly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from vtoc.client import AsyncVtocClient, PreconditionFailed, VtocError
from vtoc.tui.keymap import FORM
from vtoc.tui.resources import FormField, ResourceSpec

if TYPE_CHECKING:
    from vtoc.tui.app import VtocApp

Submit = Callable[[dict[str, Any], int | None], Awaitable[Any]]
Reload = Callable[[], Awaitable[Any]]
STALE = "changed by someone else since you opened it: press ctrl+l to load their version"


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, list):
        return ", ".join(map(shown, value))
    return str(value)


class FormScreen(ModalScreen[Any]):
    """A modal form over a resource's fields; dismisses with the saved row, or None."""

    BINDINGS: ClassVar[list[BindingType]] = FORM

    def __init__(
        self,
        title: str,
        fields: tuple[FormField, ...],
        submit: Submit,
        *,
        row: Any = None,
        reload: Reload | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.fields = tuple(f for f in fields if row is None or not f.create_only)
        self.submit = submit
        self.row = row
        self.fetch_latest = reload

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.title_text, id="form-title", markup=False)
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    value = shown(getattr(self.row, f.name, None)) if self.row else ""
                    yield Label(f.label + (" *" if f.required else ""), classes="field-label")
                    if f.choices:
                        options = [(c, c) for c in f.choices]
                        yield Select(
                            options, value=value or Select.NULL, id=f"field-{f.name}", compact=True
                        )
                    else:
                        yield Input(value, id=f"field-{f.name}", compact=True)
                    yield Static("", id=f"error-{f.name}", classes="field-error", markup=False)
            yield Static("", id="form-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Typing goes to the first field (else to the scrolling container, and is lost)."""
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def value_of(self, f: FormField) -> str:
        widget = self.query_one(f"#field-{f.name}")
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def draft(self) -> dict[str, str]:
        """What the form holds: every filled field on create, only the changed ones on edit."""
        out: dict[str, str] = {}
        for f in self.fields:
            value = self.value_of(f)
            if value != (shown(getattr(self.row, f.name, None)) if self.row else ""):
                out[f.name] = value
        return out

    async def body(self, draft: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """What to send, and the fields that could not be read. A field with a reader
        becomes what the API takes (a code an id, "+2h" a time); the others go as typed,
        and the server parses them and names what is wrong."""
        out: dict[str, Any] = {}
        wrong: dict[str, str] = {}
        client = cast("VtocApp", self.app).client
        for f in self.fields:
            if f.name not in draft:
                continue
            value = draft[f.name]
            if value == "":  # cleared on edit (a create's draft has no empty field)
                out[f.name] = value if f.kind is str else None
            elif f.read is None:
                out[f.name] = value
            else:
                try:
                    out[f.name] = await f.read(client, value)
                except (ValueError, VtocError) as exc:
                    wrong[f.name] = exc.message if isinstance(exc, VtocError) else str(exc)
        return out, wrong

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.fields}
        for f in self.fields:
            widget = self.query_one(f"#error-{f.name}", Static)
            widget.update(errors.get(f.name, ""))
            widget.set_class(f.name in errors, "shown")
        wrong = [f for f in self.fields if f.name in errors]
        if wrong:  # the operator types the fix straight away
            self.query_one(f"#field-{wrong[0].name}").focus()
        unplaced = [f"{k}: {v}" for k, v in errors.items() if k not in names]
        self.query_one("#form-error", Static).update("\n".join([general, *unplaced]).strip())

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        self.save()

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        version = getattr(self.row, "version", None)
        body, wrong = await self.body(self.draft())
        if wrong:
            self.show_errors(wrong)
            return
        try:
            saved = await self.submit(body, version)
        except PreconditionFailed:
            self.show_errors({}, STALE)
            return
        except VtocError as exc:
            self.show_errors(
                {e.field: e.message for e in exc.errors}, "" if exc.errors else exc.message
            )
            return
        self.dismiss(saved)

    @work(exclusive=True, group="save")
    async def action_reload(self) -> None:
        """Load the row as it is now and keep the operator's draft: the fields they left
        alone take the new values, the ones they typed in keep their text, with the other
        side's value shown under them. Saving then applies the draft to the new version."""
        if self.fetch_latest is None:
            return
        draft = self.draft()
        try:
            self.row = await self.fetch_latest()
        except VtocError as exc:
            self.show_errors({}, exc.message)
            return
        theirs: dict[str, str] = {}
        for f in self.fields:
            value = shown(getattr(self.row, f.name, None))
            if f.name in draft:
                if value != draft[f.name]:
                    theirs[f.name] = f"theirs: {value or '(empty)'}; yours is kept"
                continue
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                widget.value = value or Select.NULL
            elif isinstance(widget, Input):
                widget.value = value
        self.show_errors(theirs, f"reloaded version {self.row.version}; ctrl+s saves yours on it")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def edit_form(spec: ResourceSpec, client: AsyncVtocClient, row: Any) -> FormScreen:
    """The form that edits ``row`` (from its list or its detail); a stale save offers the
    latest version (ctrl+l)."""
    endpoint = spec.endpoint(client)

    async def update(body: dict[str, Any], version: int | None) -> Any:
        return await endpoint.update(row.id, body, version=version)

    async def latest() -> Any:
        return await endpoint.get(row.id)

    return FormScreen(f"Edit {spec.entity} {row.id}", spec.fields, update, row=row, reload=latest)
