"""The staff journal from any screen: a quick-entry line (``L``), one entry read whole, and
the watch's handover.

The entry is filed for the operation in view; its time is now unless the operator types one
(``14:32Z``, ``-10m``, as the CLI's ``--at`` reads it). A refused entry keeps the line open
with what was typed, and a notification says why.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, VtocError
from vtoc.tui.resources import plain
from vtoc.tui.screens.dialogs import ReadScreen
from vtoc.when import parse_past


def refusal(exc: VtocError) -> str:
    """The server's reason, by field when it named them."""
    return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.message


class QuickEntryScreen(ModalScreen[s.JournalEntry | None]):
    """One line at the bottom: kind, time, text; ``enter`` files it, ``esc`` drops it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, client: AsyncVtocClient, operation_id: int | None, label: str) -> None:
        super().__init__(classes="prompt")
        self.client = client
        self.operation_id = operation_id
        self.label = label

    def compose(self) -> ComposeResult:
        with Horizontal(id="quick-entry"):
            yield Label(f"log {self.label} ", id="entry-for", markup=False)
            kinds = [(kind.value, kind) for kind in s.JournalKind]
            yield Select(
                kinds, value=s.JournalKind.note, allow_blank=False, compact=True, id="entry-kind"
            )
            yield Input(
                placeholder="now", id="entry-at", compact=True, tooltip="14:32Z, -10m, ISO 8601"
            )
            yield Input(placeholder="what happened (enter files it)", compact=True, id="entry-text")

    def on_mount(self) -> None:
        self.query_one("#entry-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.file()

    @work(exclusive=True, group="file-entry")
    async def file(self) -> None:
        text = self.query_one("#entry-text", Input).value
        typed_at = self.query_one("#entry-at", Input).value.strip()
        if not text.strip():
            self.notify("nothing to log: type what happened", severity="warning")
            return
        try:
            occurred_at = parse_past(typed_at) if typed_at else None
        except ValueError as exc:
            self.notify(f"time: {exc}", severity="error")
            self.query_one("#entry-at", Input).focus()
            return
        kind = self.query_one("#entry-kind", Select).value
        try:
            entry = await self.client.journal.create(
                text=text,
                kind=kind,
                occurred_at=occurred_at.isoformat() if occurred_at else None,
                operation_id=self.operation_id,
            )
        except VtocError as exc:
            self.notify(refusal(exc), title="Not logged", severity="error")
            return
        self.dismiss(entry)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EntryScreen(ReadScreen):
    """One journal entry whole (the timeline shows its first line): its text, who wrote it,
    when it happened and when it was recorded, what it corrects or is corrected by."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "close", "Close", show=False)]

    def __init__(self, entry: s.JournalEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical(id="help"):
            yield Label(f"Journal entry {entry.id}  (esc closes)", id="help-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static(self.render_entry(), id="entry-body")

    def render_entry(self) -> Group:
        entry = self.entry
        lines = [
            Text.assemble((entry.kind.value, "bold"), f" by {entry.author}"),
            Text(
                f"happened {entry.occurred_at:%Y-%m-%d %H:%M:%S}Z, "
                f"recorded {entry.recorded_at:%Y-%m-%d %H:%M:%S}Z"
            ),
        ]
        if entry.corrects is not None:
            lines.append(plain(f"corrects entry {entry.corrects}: {entry.reason or ''}", "yellow"))
        if entry.corrected_by is not None:
            lines.append(Text(f"corrected by entry {entry.corrected_by}", style="bold yellow"))
        if entry.refs:
            lines.append(Text("refs " + ", ".join(f"{r.entity}:{r.id}" for r in entry.refs)))
        return Group(*lines, Text(""), plain(entry.text))


async def hand_over(client: AsyncVtocClient, notes: str) -> str:
    """File the handover; what the notification says."""
    handover = await client.handovers.create(text=notes.strip() or None)
    opened = sum(len(ids) for ids in handover.open_items.values())
    return (
        f"handover {handover.id} filed (entry {handover.entry_id}, {opened} open items); "
        f"the next watch accepts it with: vtoc handover --accept {handover.id}"
    )


async def accept_handover(client: AsyncVtocClient, typed: str) -> str:
    number = s.id_in_text(typed.strip())
    if number is None:
        raise ValueError(f"{typed.strip()!r} is not a handover id")
    handover = await client.accept_handover(number)
    return f"you have the watch: handover {handover.id} from {handover.handed_by} accepted"
