"""Small modal dialogs: confirm, one-line prompt (``:`` and ``/``) and help."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label

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


class HelpScreen(ModalScreen[None]):
    """Every binding, from the same keymap the screens bind."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close"),
        Binding("q", "close", "Close"),
    ]

    def __init__(self, readonly: bool) -> None:
        super().__init__(classes="dialog")
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label("Keys  (esc closes)", id="help-title")
            yield DataTable[str](id="help-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("KEY", width=18)
        table.add_column("ACTION", width=38)
        table.add_column("WHERE")
        for row in help_rows(self.readonly):
            table.add_row(*row)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
