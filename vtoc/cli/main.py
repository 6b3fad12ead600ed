"""Entry point of ``vtoc``. Command groups are imported only when invoked (``LazyGroup``), and
heavy modules inside the commands that need them, so ``vtoc --help`` stays fast."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer
from typer.core import MarkupMode
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

import vtoc
from vtoc.cli.completion import context_names
from vtoc.cli.errors import EXIT_USAGE, ReportingGroup
from vtoc.cli.help import tidy


class Entry(NamedTuple):
    """A top-level command: where it lives and what the root help says about it."""

    module: str
    attr: str  # ``app`` for a command group, else the command function
    panel: str
    help: str


# Root help lists these in this order, by panel; the help text is the command's own first line
# (tests/cli/test_import_hygiene.py checks both match).
COMMANDS: dict[str, Entry] = {
    "up": Entry(
        "up",
        "up",
        "Start here",
        "Start vTOC locally: migrate, seed demo data once, mint an admin token, serve, open "
        "the TUI.",
    ),
    "tui": Entry(
        "tui",
        "tui",
        "Start here",
        "Open the terminal UI: dashboard, lists, map, live events. Press ? for keys.",
    ),
    "sitrep": Entry(
        "sitrep",
        "sitrep",
        "Operations",
        "A situation report to paste into a briefing: operations, readiness, intel, delays.",
    ),
    "ops": Entry("ops", "app", "Operations", "Operations: list, show, create, update, delete."),
    "missions": Entry("missions", "app", "Operations", "Missions: list, create, assign assets."),
    "assets": Entry("assets", "app", "Operations", "Assets: list, create, heartbeat, track."),
    "intel": Entry("intel", "app", "Operations", "Intelligence reports: list, file, update."),
    "map": Entry("map", "app", "Operations", "The map in the terminal: watch a past period again."),
    "correlations": Entry(
        "correlations",
        "app",
        "Operations",
        "Correlated intelligence: list, show, of a report, escalate.",
    ),
    "log": Entry("journal", "app", "Operations", "The staff journal: add, list, correct."),
    "ack": Entry(
        "watch",
        "ack",
        "Operations",
        "Acknowledge intelligence reports: you saw them.",
    ),
    "watch": Entry(
        "watch",
        "watch",
        "Operations",
        "What needs a human now: unacknowledged reports, overdue missions, failures.",
    ),
    "handover": Entry(
        "watch",
        "handover",
        "Operations",
        "Hand the watch over to the next operator, or --accept a handover as the incoming one.",
    ),
    "tasks": Entry("tasks", "app", "Operations", "Tasks: queue, cancel, requeue."),
    "agents": Entry("agents", "app", "Operations", "Agents: list, tune, trigger, run a worker."),
    "events": Entry("events", "app", "Operations", "The event log: list or tail it."),
    "whoami": Entry(
        "context",
        "whoami",
        "Access",
        "Who the server thinks you are: the server, the token's name and its role.",
    ),
    "tokens": Entry("tokens", "app", "Access", "API tokens: create, list, revoke."),
    "ssh": Entry(
        "ssh", "app", "Access", "SSH access: the TUI and CLI over SSH, one identity per key."
    ),
    "context": Entry("context", "app", "Access", "Contexts: which server and token to use."),
    "server": Entry("server", "app", "Administration", "Run and administer the API server."),
    "demo": Entry("demo", "app", "Administration", "Demo data."),
    "ingest": Entry("ingest", "app", "Integrations", "Feed external alerts (Wazuh) into vTOC."),
    "feed": Entry("feed", "app", "Integrations", "Positions from GPS, AIS and ADS-B receivers."),
    "tak": Entry("tak", "app", "Integrations", "TAK clients: Cursor-on-Target in and out."),
}

MARKUP: MarkupMode = "rich"


def load(name: str) -> Any:  # click.Command, vendored by typer
    """Import the module behind one top-level command and build its click command."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"vtoc.cli.{entry.module}"), entry.attr)
    if isinstance(target, typer.Typer):
        group = TyperInfo(target, name=name, rich_help_panel=entry.panel)
        return tidy(
            get_group_from_info(
                group, pretty_exceptions_short=True, suggest_commands=True, rich_markup_mode=MARKUP
            )
        )
    command = CommandInfo(name=name, callback=target, rich_help_panel=entry.panel)
    return tidy(
        get_command_from_info(command, pretty_exceptions_short=True, rich_markup_mode=MARKUP)
    )


class LazyCommands(MutableMapping[str, Any]):
    """The root's sub-commands by name, each imported on first use; the names alone (help,
    "did you mean") import nothing."""

    def __init__(self) -> None:
        self.loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self.loaded[name] = load(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.loaded]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*COMMANDS, *self.loaded]))


class LazyGroup(ReportingGroup):
    """The root group: sub-commands load on demand, and its help is plain text built from
    ``COMMANDS`` (no rich, no sub-command imports), so it can also be served pre-rendered."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Typer's rich error path prints nothing for no_args_is_help, expecting rich help.
        if not args and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())
            raise typer.Exit(EXIT_USAGE)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        self.format_options(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        width = max(map(len, COMMANDS))  # one column for every panel
        for panel in dict.fromkeys(entry.panel for entry in COMMANDS.values()):
            rows = [(n.ljust(width), e.help) for n, e in COMMANDS.items() if e.panel == panel]
            with formatter.section(panel):
                formatter.write_dl(rows)


app = typer.Typer(
    name="vtoc",
    help="vTOC: a terminal-first tactical operations center.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=MARKUP,
    cls=LazyGroup,
)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"vtoc {vtoc.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Print the version."),
    ] = False,
    context_name: Annotated[
        str | None,
        typer.Option(
            "--context",
            help="Use this context instead of the current one.",
            autocompletion=context_names,
        ),
    ] = None,
) -> None:
    """vTOC: operations, missions, assets and intelligence from the terminal.

    VTOC_API_URL and VTOC_TOKEN override the context. Example: vtoc ops list --status active
    """
    from vtoc.cli.session import current  # pydantic-settings: not needed for --help

    current.context = context_name


def render_root_help() -> str:
    """``vtoc --help`` as click prints it on a terminal of 80 columns or more; ``make cli-help``
    stores it in vtoc/cli/root_help.py for vtoc.cli.entry."""
    command = typer.main.get_command(app)
    with command.make_context("vtoc", [], resilient_parsing=True, terminal_width=78) as ctx:
        return str(command.get_help(ctx)) + "\n"


def write_root_help() -> None:
    text = render_root_help()
    if '"""' in text or "\\" in text:
        raise ValueError("the root help must fit a plain triple-quoted string")
    header = '"""Generated by `make cli-help` from vtoc.cli.main: do not edit."""'
    Path(__file__).with_name("root_help.py").write_text(f'{header}\n\nTEXT = """\\\n{text}"""\n')
