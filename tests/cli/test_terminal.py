"""On a terminal: colour and rich rendering; piped: plain text. Every command has help."""

from __future__ import annotations

import json

from typer.main import get_command

from tests.cli.conftest import Run, ok
from vtoc.cli.main import app

TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "160"}


def test_tables_are_coloured_on_a_terminal_only(vtoc: Run) -> None:
    ok(vtoc("ops", "create", "--name", "Northern Watch", "--status", "active"))
    coloured = ok(vtoc("ops", "list", env=TERMINAL))
    assert "\x1b[32mactive\x1b[0m" in coloured, "active is green"
    assert "\t" not in coloured
    piped = ok(vtoc("ops", "list"))
    assert "\x1b[" not in piped and "\tactive\t" in piped


def test_sitrep_is_rendered_on_a_terminal_and_raw_when_piped(vtoc: Run) -> None:
    ok(vtoc("ops", "create", "--name", "Northern Watch"))
    rendered = ok(vtoc("sitrep", env=TERMINAL))
    assert "\x1b[" in rendered and "|---|" not in rendered and "# SITREP" not in rendered
    raw = ok(vtoc("sitrep"))
    assert raw.startswith("# SITREP") and "|---|" in raw


def leaves(command: object, path: str = "vtoc") -> list[tuple[str, object]]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [(path, command)]
    return [leaf for name, sub in subcommands.items() for leaf in leaves(sub, f"{path} {name}")]


def test_every_command_has_help_with_an_example() -> None:
    root = get_command(app)
    found = leaves(root)
    assert len(found) > 40
    missing = [path for path, cmd in found if "Example: " not in (getattr(cmd, "help", "") or "")]
    assert missing == []


def test_brackets_print_as_written_on_a_terminal(vtoc: Run) -> None:
    """Rich reads "[/b]" as a closing tag and "[root]" as a style: both are text here."""
    title = "[/etc/passwd] changed by [root]"
    body = "beacon to http://evil.example/a[/b]/c"
    created = ok(vtoc("intel", "create", "--title", title, "--body", body, "-o", "json"))
    report_id = str(json.loads(created)["id"])
    assert title in ok(vtoc("intel", "list", env=TERMINAL))
    shown = ok(vtoc("intel", "show", report_id, env=TERMINAL))
    assert title in shown and "url:http://evil.example/a[/b]/c" in shown
    piped = dict(line.split("\t", 1) for line in ok(vtoc("intel", "show", report_id)).splitlines())
    assert json.loads(piped["indicators"]) == [
        {"kind": "url", "value": "http://evil.example/a[/b]/c"}
    ]


def test_bidirectional_overrides_show_as_escapes(vtoc: Run) -> None:
    """U+202E would make "invoice\u202egpj.exe" read as "invoiceexe.jpg" (Trojan Source)."""
    ok(vtoc("intel", "create", "--title", "invoice\u202egpj.exe"))
    assert "invoice\\u202egpj.exe" in ok(vtoc("intel", "list", env=TERMINAL))
    assert "invoice\\u202egpj.exe" in ok(vtoc("intel", "list"))
