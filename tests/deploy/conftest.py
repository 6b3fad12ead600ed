"""Fixtures of the deployment checks: the files under deploy/ and the tools that read them."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
#: Services that run once and exit; every other service must stay up and report its health.
ONE_SHOT = {"migrate"}


def tool(name: str) -> str:
    """A console script installed next to the interpreter (the `dev` extra installs them)."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: run `make setup` (it is in the dev extra)")
    return str(path)


def run(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


@cache
def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture
def compose() -> dict[str, Any]:
    return _compose()


@pytest.fixture
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def env_example() -> dict[str, str]:
    """deploy/.env.example as Compose reads it (KEY=VALUE, optional single quotes)."""
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip().strip("'")
    return pairs


_VAR = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, enough for these files."""

    def sub(match: re.Match[str]) -> str:
        default = re.match(r"\$\{\w+:?-([^}]*)\}", match.group(0))
        return values.get(match.group(1), default.group(1) if default else "")

    return _VAR.sub(sub, text)


def routers(labels: dict[str, str]) -> dict[str, dict[str, str]]:
    """Traefik router settings by router name, from docker-provider labels."""
    found: dict[str, dict[str, str]] = {}
    for key, value in labels.items():
        parts = key.split(".")
        if parts[:3] == ["traefik", "http", "routers"]:
            found.setdefault(parts[3], {})[".".join(parts[4:])] = str(value)
    return found


def path_prefixes(rule: str) -> set[str]:
    return set(re.findall(r"PathPrefix\(`([^`]*)`\)", rule))
