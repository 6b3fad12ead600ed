"""What ``--help`` shows and what the flags mean: the same rule in every command."""

from __future__ import annotations

import json
import os
import subprocess
from itertools import pairwise
from typing import Any

import yaml

from tests.cli.conftest import Process, Run, ok
from tests.processes import VTOC
from vtoc.cli.main import COMMANDS, load

HELP_ENV = {"COLUMNS": "80", "TERM": "xterm"}


def every_command() -> list[tuple[str, Any]]:
    """(path, click command) for every command below the root."""
    found: list[tuple[str, Any]] = []

    def walk(path: str, command: Any) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(f"{path} {name}", sub)

    for name in COMMANDS:
        walk(name, load(name))
    return found


def test_f_is_file_and_capital_f_is_follow_in_every_command() -> None:
    for path, command in every_command():
        for param in command.params:
            opts = [*param.opts, *param.secondary_opts]
            if "-f" in opts:
                assert "--file" in opts, f"vtoc {path}: -f is {opts}"
            if "--follow" in opts:
                assert "-F" in opts, f"vtoc {path}: --follow is {opts}"


def test_a_repeatable_option_shows_the_type_of_one_value() -> None:
    shown = subprocess.run(
        [*VTOC, "missions", "create", "--help"],
        env=os.environ | HELP_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if "│ --asset " in line)
    assert "<str>" in line
    assert "list[" not in shown.stdout


def prose(help_text: str) -> list[list[str]]:
    """The paragraphs of a command's description: what comes before its first box."""
    text = help_text.split("╭")[0]
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines()[2:]:  # the blank line and the usage line
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def test_help_wraps_at_the_terminal_and_flags_show_no_type(cli: Process) -> None:
    for args in (["ingest", "wazuh"], ["server"], ["agents", "update"], ["intel", "list"]):
        shown = cli(*args, "--help", env=HELP_ENV)
        assert shown.returncode == 0, shown.stderr
        assert "<bool>" not in shown.stdout, args
        for paragraph in prose(shown.stdout):
            for line, after in pairwise(paragraph):
                words_that_fit = len(line) + 1 + len(after.split()[0])
                assert words_that_fit > 78, f"{args}: broke after {line.strip()!r}"


def test_events_tail_prints_yaml_it_offers(cli: Process, vtoc: Run) -> None:
    ok(vtoc("ops", "create", "--name", "Logged"))
    shown = cli("events", "tail", "-n", "5", "-o", "yaml")
    assert shown.returncode == 0, shown.stderr
    documents = list(yaml.safe_load_all(shown.stdout))
    assert [d["kind"] for d in documents][-1] == "operation.created"


def test_agent_settings_take_what_the_schema_takes_from_flags_and_files(cli: Process) -> None:
    by_flag = cli("agents", "update", "monitor", "--interval", "5", "--json")
    assert by_flag.returncode == 0, by_flag.stderr
    assert json.loads(by_flag.stdout)["interval_seconds"] == 5
    by_file = cli("agents", "update", "analyzer", "-f", "-", input='{"interval_seconds": 5}')
    assert by_file.returncode == 0, by_file.stderr
    too_small = cli("agents", "update", "monitor", "--interval", "0")
    assert too_small.returncode == 2
    too_small_in_a_file = cli("agents", "update", "monitor", "-f", "-", input="interval_seconds: 0")
    assert too_small_in_a_file.returncode == 2
    assert "interval_seconds: must be 1 or more" in too_small_in_a_file.stderr


def test_every_port_is_a_port_before_anything_binds(cli: Process) -> None:
    """A port past 65535 was an OverflowError from bind(), not a usage error."""
    ports = [
        (path, param)
        for path, command in every_command()
        for param in command.params
        if param.name in ("port", "udp_port", "web_port")
    ]
    assert ports
    for path, param in ports:
        assert (param.min, param.max) == (1, 65535), f"vtoc {path} --{param.name}"
    refused = cli("tak", "serve", "--port", "99999")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--port" in refused.stderr
