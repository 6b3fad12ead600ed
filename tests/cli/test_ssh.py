"""``vtoc ssh``: keys enrolled with the CLI, then the real OpenSSH client against a real
``vtoc ssh serve`` in front of a real ``vtoc server run``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
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


class Served:
    """A running ``vtoc ssh serve``: its port and the lines it logged so far."""

    def __init__(self, port: int, process: subprocess.Popen[str]) -> None:
        self.port = port
        self.log: list[str] = []
        assert process.stderr is not None
        first = process.stderr.readline()
        assert "listening" in first, first + process.stderr.read()
        self.reader = threading.Thread(target=self.log.extend, args=(process.stderr,))
        self.reader.start()

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.log)


@pytest.fixture
def serve_ssh(
    base_env: dict[str, str | None], admin_token: str, tmp_path: Path
) -> Iterator[Callable[..., Served]]:
    """``vtoc ssh serve ARGS`` on a free port with the admin context; its data dir in
    tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env.update({k: v for k, v in base_env.items() if v is not None})
    env.update(VTOC_TOKEN=admin_token, XDG_DATA_HOME=str(tmp_path / "data"))
    running: list[tuple[subprocess.Popen[str], Served]] = []

    def start(*args: str) -> Served:
        port = free_port()
        command = [VTOC, "ssh", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        running.append((process, Served(port, process)))
        return running[-1][1]

    yield start
    for process, served in running:
        process.terminate()
        process.wait(timeout=15)
        served.reader.join()


@pytest.fixture
def ssh_port(serve_ssh: Callable[..., Served]) -> int:
    return serve_ssh().port


def ssh_args(port: int, key: Path) -> list[str]:
    """The OpenSSH client with one key and no config, agent or password fallback."""
    args = ["ssh", "-F", "/dev/null", "-p", str(port), "-i", str(key)]
    for option in (
        "IdentitiesOnly=yes",
        "IdentityAgent=none",
        "BatchMode=yes",
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "LogLevel=ERROR",
    ):
        args += ["-o", option]
    return args


def ssh_to(port: int) -> Ssh:
    def run(key: Path, *command: str, user: str = "anyone") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*ssh_args(port, key), f"{user}@127.0.0.1", *command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


@pytest.fixture
def ssh(ssh_port: int) -> Ssh:
    return ssh_to(ssh_port)


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


def test_passwords_forwarding_and_subsystems_are_refused(
    vtoc: Run, ssh_port: int, tmp_path: Path
) -> None:
    """An enrolled key gets the TUI or a command, nothing else: no password is offered, and
    no tunnel (either way), X11 or sftp is opened through the server."""
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")

    def attempt(
        *options: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        args = [*ssh_args(ssh_port, key), *options]
        return subprocess.run(
            args, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL
        )

    password = attempt(
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "PreferredAuthentications=password,keyboard-interactive",
        "anyone@127.0.0.1",
        "whoami",
    )
    assert password.returncode == 255 and "Permission denied (publickey)" in password.stderr

    remote = attempt(
        "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9", "anyone@127.0.0.1"
    )
    assert remote.returncode == 255 and "forwarding failed" in remote.stderr, remote.stderr
    local = attempt("-W", f"127.0.0.1:{ssh_port}", "anyone@127.0.0.1")
    assert local.returncode == 255 and "forwarding failed" in local.stderr, local.stderr
    sftp = attempt("-s", "anyone@127.0.0.1", "sftp")
    assert sftp.returncode != 0 and "subsystem" in sftp.stderr.lower(), sftp.stderr
    x11 = attempt("-X", "anyone@127.0.0.1", "whoami", "--json", env={**os.environ, "DISPLAY": ":0"})
    assert json.loads(x11.stdout)["name"].startswith("ssh.alice."), "the command itself runs"
    assert "X11 forwarding request failed" in x11.stderr


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


def ssh_sessions(vtoc: Run) -> list[dict[str, object]]:
    return list(json.loads(ok(vtoc("events", "list", "--entity", "ssh", "-o", "json"))))


def test_sessions_are_recorded_and_logged(
    vtoc: Run, serve_ssh: Callable[..., Served], tmp_path: Path
) -> None:
    from tests.tui.test_terminal import wait_for

    served = serve_ssh()
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    assert ssh_to(served.port)(key, "whoami").returncode == 0

    wait_for(lambda: len(ssh_sessions(vtoc)) == 2, 10, "the session's close recorded")
    opened, closed = ssh_sessions(vtoc)
    assert (opened["kind"], closed["kind"]) == ("ssh.session_opened", "ssh.session_closed")
    fingerprint = json.loads(ok(vtoc("ssh", "keys", "list", "-o", "json")))[0]
    expected = {"key": "alice", "fingerprint": fingerprint["fingerprint"], "client": "127.0.0.1"}
    assert opened["data"] == expected
    assert isinstance(closed["data"], dict) and closed["data"]["duration_seconds"] >= 0
    wait_for(lambda: served.logged("ssh session closed: alice from 127.0.0.1"), 10, "the log")
    assert served.logged("ssh session opened: alice (operator) from 127.0.0.1")


def test_a_keys_sessions_are_limited(
    vtoc: Run, admin_token: str, serve_ssh: Callable[..., Served], tmp_path: Path
) -> None:
    from tests.tui.test_terminal import wait_for

    served = serve_ssh("--max-sessions-per-key", "1")
    alice, bob = keygen(tmp_path / "alice"), keygen(tmp_path / "bob")
    enroll(vtoc, alice, "alice", "operator")
    enroll(vtoc, bob, "bob", "viewer")
    held = subprocess.Popen(
        [*ssh_args(served.port, alice), "127.0.0.1", "events", "tail", "--follow"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(ssh_sessions(vtoc)) == 1, 30, "alice's first session")
        second = ssh_to(served.port)(alice, "whoami")
        assert second.returncode == 75, second
        assert "this key has its 1 sessions open" in second.stderr
        assert ssh_to(served.port)(bob, "whoami").returncode == 0, "another key's are its own"
    finally:
        held.kill()
        held.wait()
    wait_for(lambda: ssh_to(served.port)(alice, "whoami").returncode == 0, 30, "a free place")


def test_an_idle_session_is_closed(
    vtoc: Run, serve_ssh: Callable[..., Served], tmp_path: Path
) -> None:
    served = serve_ssh("--idle-timeout", "1")
    key = keygen(tmp_path / "alice")
    enroll(vtoc, key, "alice", "operator")
    idle = ssh_to(served.port)(key, "events", "tail", "--follow")
    assert idle.returncode == 124, idle
    assert "closed after 1 s without input" in idle.stderr
    kinds = [e["kind"] for e in ssh_sessions(vtoc)]
    assert kinds == ["ssh.session_opened", "ssh.session_closed"]


def test_failed_logins_from_one_address_are_slowed(
    server_url: str, admin_token: str, vtoc: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate in this process with a sleep that only notes how long it was asked to wait;
    the OpenSSH client offers a stranger's key, then an enrolled one from the same address."""
    import asyncio

    from vtoc.config import Context
    from vtoc.ssh.limits import Throttle
    from vtoc.ssh.server import Policy, serve

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    stranger, alice = keygen(tmp_path / "stranger"), keygen(tmp_path / "alice")
    enroll(vtoc, alice, "alice", "viewer")
    waits: list[float] = []

    async def noted(seconds: float) -> None:
        waits.append(seconds)

    async def attempts() -> list[int]:
        policy = Policy(throttle=Throttle(free=2, first_delay=5, longest=20), sleep=noted)
        context = Context(api_url=server_url, token=admin_token)
        listening = await serve(context, host="127.0.0.1", port=0, policy=policy)
        port = listening.get_port()
        statuses = []
        try:
            for key in (stranger, stranger, stranger, stranger, alice):
                args = [*ssh_args(port, key), "127.0.0.1", "whoami"]
                client = await asyncio.create_subprocess_exec(
                    *args,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                statuses.append(await client.wait())
        finally:
            listening.close()
        return statuses

    assert asyncio.run(attempts()) == [255, 255, 255, 255, 0]
    # the third stranger waited 5 s, the fourth 10 s; a good key from that address waits
    # too (20 s), and clears it: its signed attempt right after waits no more
    assert waits == [5, 10, 20]


def test_vtoc_up_serves_ssh_when_asked(tmp_path: Path) -> None:
    """``vtoc up --no-tui --ssh``: the local stack with the SSH server in it; a key
    enrolled with the local context logs in, and SIGTERM stops the SSH server too."""
    from tests.tui.test_terminal import alive, children_of, up_env, wait_for

    env = up_env(tmp_path)
    port, ssh_port = free_port(), free_port()
    notice = tmp_path / "notice.log"
    with notice.open("wb") as log:
        up = subprocess.Popen(
            [
                VTOC,
                "up",
                "--no-tui",
                "--no-demo",
                "--port",
                str(port),
                "--ssh",
                "--ssh-port",
                str(ssh_port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for(lambda: "ctrl+c" in notice.read_text(), 60, "vtoc up")
        assert f"vTOC over SSH on port {ssh_port}" in notice.read_text()
        key = keygen(tmp_path / "alice")
        added = subprocess.run(
            [VTOC, "ssh", "keys", "add", "--name", "alice", "--role", "viewer"],
            env=env,
            input=key.with_suffix(".pub").read_text(),
            capture_output=True,
            text=True,
        )
        assert added.returncode == 0, added.stderr
        me = ssh_to(ssh_port)(key, "whoami", "--json")
        assert me.returncode == 0, me.stderr
        assert json.loads(me.stdout)["name"].startswith("ssh.alice.")
        started = children_of(up.pid)
        up.send_signal(signal.SIGTERM)
        assert up.wait(20) == 0
    finally:
        if up.poll() is None:
            up.kill()
    assert not [pid for pid in started if alive(pid)]


def test_a_key_limited_to_an_operation_sees_only_it(vtoc: Run, ssh: Ssh, tmp_path: Path) -> None:
    ok(vtoc("ops", "create", "--name", "Alpha"))
    ok(vtoc("ops", "create", "--name", "Bravo"))
    key = keygen(tmp_path / "alice")
    pub = key.with_suffix(".pub").read_text()
    added = vtoc(
        "ssh", "keys", "add", "--name", "alice", "--operation", "OP-0002", "--json", input=pub
    )
    assert json.loads(ok(added))["operation_ids"] == [2]
    listed = ssh(key, "ops", "list", "-o", "json")
    assert [o["code"] for o in json.loads(listed.stdout)] == ["OP-0002"], listed.stderr
    hidden = ssh(key, "ops", "show", "OP-0001")
    assert hidden.returncode != 0 and "OP-0001" in hidden.stderr


def test_the_tui_survives_a_terminal_of_1x1_and_of_1000x1000(
    vtoc: Run, serve_ssh: Callable[..., Served], tmp_path: Path
) -> None:
    """asyncssh as the client, so the window sizes are exactly these; then ctrl+q ends the
    TUI normally (exit status 0), and nothing was written to stderr."""
    import asyncio

    import asyncssh

    served = serve_ssh()
    key = asyncssh.generate_private_key("ssh-ed25519")
    line = key.export_public_key().decode()
    ok(vtoc("ssh", "keys", "add", "--name", "alice", "--role", "viewer", input=line))

    async def session() -> tuple[int | None, str, str]:
        seen = ""
        async with asyncssh.connect(
            "127.0.0.1",
            served.port,
            username="alice",
            client_keys=[key],
            known_hosts=None,
            agent_path=None,
        ) as conn:
            process = await conn.create_process(term_type="xterm-256color", term_size=(80, 24))

            async def until(text: str) -> None:
                nonlocal seen
                while text not in seen:
                    chunk = await asyncio.wait_for(process.stdout.read(65536), 60)
                    assert chunk, f"the session ended before {text!r}:\n{seen[-2000:]}"
                    seen += chunk

            await until("Dashboard")
            for size in ((1, 1), (1000, 1000), (1, 1000), (1000, 1), (100, 30)):
                process.change_terminal_size(*size)
            seen = ""
            await until("Dashboard")  # repainted at 100x30
            process.stdin.write("\x11")  # ctrl+q
            done = await asyncio.wait_for(process.wait(check=False), 60)
            return done.exit_status, seen, str(done.stderr or "")

    status, _, stderr = asyncio.run(session())
    assert status == 0, stderr
    assert "Traceback" not in stderr
