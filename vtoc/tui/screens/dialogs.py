"""Small modal dialogs: confirm, one-line prompt (``:`` and ``/``) and help."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from vtoc.tui.access import Access
from vtoc.tui.keymap import help_rows


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no; ``y`` confirms, ``n`` or ``esc`` declines. Deletes always pass through here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error", compact=True)
                yield Button("No (n)", id="no", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PromptScreen(ModalScreen[str | None]):
    """A one-line prompt at the bottom, like k9s's ``:`` and ``/``; ``esc`` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prefix: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="prompt")
        self.prefix = prefix
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Horizontal(id="prompt"):
            yield Label(self.prefix, id="prompt-prefix")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReadScreen(ModalScreen[None]):
    """A box the operator reads and closes with ``esc``: the keys, this vTOC's access, a
    journal entry."""

    DEFAULT_CLASSES = "dialog"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def action_close(self) -> None:
        self.dismiss(None)


def access_table(access: Access) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=False, expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    for what, where in access.rows():
        table.add_row(Text(what), Text(where))
    return table


class AccessScreen(ReadScreen):
    """The token and the addresses of the vTOC ``vtoc up`` started; ``c`` copies the token
    (to the terminal's clipboard, where it supports OSC 52)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "copy", "Copy the token")]

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("This vTOC  (c copies the token; esc closes)", id="access-title")
            yield Static(access_table(self.access), id="access")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.access.token)
        self.notify("token copied (if the terminal allows)")


class HelpScreen(ReadScreen):
    """Every binding, from the same keymap the screens bind; under ``vtoc up``, how to reach
    this vTOC from a browser or another terminal first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "close", "Close"),
        Binding("q", "close", "Close"),
    ]

    def __init__(self, readonly: bool, access: Access | None = None) -> None:
        super().__init__()
        self.readonly = readonly
        self.access = access

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label("Keys  (esc closes; up/down scroll)", id="help-title")
            with VerticalScroll(id="help-body"):
                if self.access is not None:
                    yield Static(access_table(self.access), id="help-access")
                yield Static(self.keys(), id="help-table")

    def keys(self) -> Table:
        """A table that wraps its descriptions to the terminal (80 columns or 120)."""
        table = Table("KEY", "ACTION", "WHERE", box=None, padding=(0, 1), expand=True)
        table.columns[0].no_wrap = True
        table.columns[2].no_wrap = True
        table.columns[1].ratio = 1
        for key, what, where in help_rows(self.readonly):
            table.add_row(Text(key), Text(what), Text(where))
        return table

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
