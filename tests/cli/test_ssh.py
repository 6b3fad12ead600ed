"""``vtoc ssh``: keys enrolled with the CLI, then the real OpenSSH client against a real
``vtoc ssh serve`` in front of a real ``vtoc server run``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import VTOC, Process, Run, ok
from tests.processes import free_port

pytestmark = pytest.mark.skipif(
    not shutil.which("ssh"), reason="needs the OpenSSH client (make tui-deps)"
)

Ssh = Callable[..., subprocess.CompletedProcess[str]]


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path


@pytest.fixture
def ssh_port(base_env: dict[str, str | None], admin_token: str, tmp_path: Path) -> Iterator[int]:
    """``vtoc ssh serve`` on a free port with the admin context; its data dir in tmp_path."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env.update({k: v for k, v in base_env.items() if v is not None})
    env.update(VTOC_TOKEN=admin_token, XDG_DATA_HOME=str(tmp_path / "data"))
    serve = subprocess.Popen(
        [VTOC, "ssh", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serve.stderr is not None
    first = serve.stderr.readline()
    assert "listening" in first, first + serve.stderr.read()
    try:
        yield port
    finally:
        serve.terminate()
        serve.wait(timeout=15)


@pytest.fixture
def ssh(ssh_port: int) -> Ssh:
    """The OpenSSH client with one key and no config, agent or password fallback."""

    def run(key: Path, *command: str, user: str = "anyone") -> subprocess.CompletedProcess[str]:
        args = ["ssh", "-F", "/dev/null", "-p", str(ssh_port), "-i", str(key)]
        for option in (
            "IdentitiesOnly=yes",
            "IdentityAgent=none",
            "BatchMode=yes",
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "LogLevel=ERROR",
        ):
            args += ["-o", option]
        return subprocess.run(
            [*args, f"{user}@127.0.0.1", *command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def enroll(vtoc: Run, key: Path, name: str, role: str) -> dict[str, str]:
    pub = key.with_suffix(".pub").read_text()
    added = vtoc("ssh", "keys", "add", "--name", name, "--role", role, "-o", "json", input=pub)
    return dict(json.loads(ok(added)))


def test_keys_add_list_revoke(vtoc: Run, tmp_path: Path) -> None:
    key = keygen(tmp_path / "alice")
    added = enroll(vtoc, key, "alice", "operator")
    printed = subprocess.run(
        ["ssh-keygen", "-lf", str(key.with_suffix(".pub"))], capture_output=True, text=True
    ).stdout
    assert added["fingerprint"] in printed, "the fingerprint OpenSSH prints"
    listed = json.loads(ok(vtoc("ssh", "keys", "list", "-o", "json")))
    assert [(k["name"], k["role"], k["revoked_at"]) for k in listed] == [
        ("alice", "operator", None)
    ]
    assert "alice" in vtoc("ssh", "keys", "revoke", "alice", "--yes").stderr
    garbage = vtoc("ssh", "keys", "add", "--name", "bob", input="hello\n")
    assert garbage.exit_code == 2 and "public_key" in garbage.stderr


def test_exec_runs_the_cli_as_the_keys_identity(
    vtoc: Run, cli: Process, ssh: Ssh, tmp_path: Path
) -> None:
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    ok(vtoc("ops", "create", "--name", "Nightwatch"))

    over_ssh = ssh(key, "ops", "list", "-o", "json", user="root")
    assert over_ssh.returncode == 0, over_ssh.stderr
    assert json.loads(over_ssh.stdout) == json.loads(cli("ops", "list", "-o", "json").stdout)
    me = json.loads(ssh(key, "whoami", "--json").stdout)
    assert me["role"] == "operator" and me["name"].startswith("ssh.alice.")

    sessions = [
        t for t in json.loads(ok(vtoc("tokens", "list", "--json"))) if t["name"].startswith("ssh.")
    ]
    assert len(sessions) == 2 and all(t["revoked_at"] for t in sessions), sessions


def test_a_viewers_write_fails_with_the_reason(vtoc: Run, ssh: Ssh, tmp_path: Path) -> None:
    key = keygen(tmp_path / "victor")
    enroll(vtoc, key, "victor", "viewer")
    refused = ssh(key, "ops", "create", "--name", "Nope")
    assert refused.returncode != 0
    assert "operator" in refused.stderr, refused.stderr
    assert json.loads(ok(vtoc("ops", "list", "-o", "json"))) == []
    unknown = ssh(key, "no-such-command")
    assert unknown.returncode == 2 and "no-such-command" in unknown.stderr


def test_unknown_and_revoked_keys_are_refused(vtoc: Run, ssh: Ssh, tmp_path: Path) -> None:
    stranger = ssh(keygen(tmp_path / "stranger"), "whoami")
    assert stranger.returncode == 255 and "Permission denied" in stranger.stderr
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    assert ssh(key, "whoami").returncode == 0
    ok(vtoc("ssh", "keys", "revoke", "alice", "--yes"))
    revoked = ssh(key, "whoami")
    assert revoked.returncode == 255 and "Permission denied" in revoked.stderr


def session_secret(api_url: str, besides: str) -> str | None:
    """The token in the environment of the ``vtoc`` process an SSH session runs, read the
    way anyone on the host as that user could: from /proc."""
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            variables = dict(
                v.split(b"=", 1) for v in environ.read_bytes().split(b"\0") if b"=" in v
            )
        except OSError:
            continue
        if variables.get(b"VTOC_API_URL") == api_url.encode() and b"VTOC_TOKEN" in variables:
            secret = variables[b"VTOC_TOKEN"].decode()
            if secret != besides:  # the admin token ``vtoc ssh serve`` itself runs with
                return secret
    return None


def test_the_session_token_dies_with_the_session(
    server_url: str, admin_token: str, vtoc: Run, ssh_port: int, tmp_path: Path
) -> None:
    """The client vanishes mid-command (``events tail --follow`` never ends by itself); the
    token its command ran with answers 401 afterwards."""
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    options = ["BatchMode=yes", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"]
    client = subprocess.Popen(
        ["ssh", "-F", "/dev/null", "-p", str(ssh_port), "-i", str(key)]
        + [arg for option in options for arg in ("-o", option)]
        + ["127.0.0.1", "events", "tail", "--follow"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    secret = None
    while secret is None and time.monotonic() < deadline:
        secret = session_secret(server_url, besides=admin_token)
        time.sleep(0.1)
    assert secret is not None
    whoami = f"{server_url}/api/v1/whoami"
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(whoami, headers=bearer).json()["name"].startswith("ssh.alice.")
    client.kill()
    client.wait()
    while httpx.get(whoami, headers=bearer).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert httpx.get(whoami, headers=bearer).status_code == 401


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
def test_the_tui_over_ssh_follows_resizes_and_its_token_dies_with_it(
    vtoc: Run, ssh_port: int, tmp_path: Path
) -> None:
    from tests.tui.test_terminal import Tmux, wait_for

    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    options = ["BatchMode=yes", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"]
    command = " ".join(
        ["ssh", "-tt", "-F", "/dev/null", "-p", str(ssh_port), "-i", str(key)]
        + [arg for option in options for arg in ("-o", option)]
        + ["alice@127.0.0.1"]
    )
    tmux = Tmux()
    tmux.run("new-session", "-d", "-s", "tui", "-x", "80", "-y", "24", command)
    try:
        tmux.sees("vTOC ▸ Dashboard")
        narrow = max(len(line) for line in tmux.screen().splitlines())
        tmux.run("resize-window", "-t", "tui", "-x", "140", "-y", "30")
        wait_for(
            lambda: max(len(line) for line in tmux.screen().splitlines()) > 80,
            what=f"the dashboard to reflow past {narrow} columns:\n{tmux.screen()}",
        )
        tmux.keys("C-q")
        wait_for(tmux.closed, 10, "the session to end")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)

    def session_tokens() -> list[dict[str, str]]:
        listed = json.loads(ok(vtoc("tokens", "list", "--json")))
        return [t for t in listed if t["name"].startswith("ssh.alice.")]

    wait_for(lambda: all(t["revoked_at"] for t in session_tokens()), 10, "the token revoked")
    assert len(session_tokens()) == 1
