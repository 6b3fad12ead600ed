"""The SSH server: enrolled keys in, the key's identity out — a session token minted through
the API for each session, handed to ``vtoc tui`` or a CLI command, revoked when it ends."""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # asyncssh still loads DSA support, which it need not warn of
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound
from vtoc.config import Context, data_dir
from vtoc.ssh.child import Child, PipedChild, Spares, TerminalChild
from vtoc.ssh.limits import SessionLimits, Throttle

log = logging.getLogger("vtoc.ssh")
HOST_KEY_NAME = "ssh_host_ed25519_key"
EXIT_BUSY = 75  # EX_TEMPFAIL: try again once another session ended
EXIT_IDLE = 124  # what timeout(1) exits with


def base_env() -> dict[str, str]:
    """A session's environment before its own settings: none of this server's ``VTOC_*``
    (its admin token above all)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}


def host_key(directory: Path) -> asyncssh.SSHKey:
    """The server's key, created once (0600) so clients' known_hosts stay valid."""
    path = directory / HOST_KEY_NAME
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        pem = asyncssh.generate_private_key("ssh-ed25519").export_private_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    return asyncssh.read_private_key(path)


@dataclass
class Policy:
    """What the server allows: session counts, the pace of failed logins, idle time."""

    limits: SessionLimits = field(default_factory=SessionLimits)
    throttle: Throttle = field(default_factory=Throttle)
    idle_timeout: float = 3600.0
    """seconds without a keystroke (or resize) before a session is closed; 0: never"""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Gate(asyncssh.SSHServer):
    """One connection: public keys only, and only enrolled, unrevoked ones."""

    def __init__(self, api: AsyncVtocClient, api_url: str, policy: Policy, spares: Spares) -> None:
        self.api = api
        self.api_url = api_url
        self.policy = policy
        self.spares = spares
        self.key: s.SshKey | None = None
        self.peer = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.peer = str(conn.get_extra_info("peername", ("?",))[0])

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for each key the client offers and again for the signed attempt, which
        # is the last call before authentication succeeds: its key is the identity.
        throttle = self.policy.throttle
        delay = throttle.delay(self.peer)
        if delay:
            log.warning("ssh: answering %s in %.0f s: it failed to log in before", self.peer, delay)
            await self.policy.sleep(delay)
        fingerprint = key.get_fingerprint("sha256")
        found = await self.api.ssh_keys.list(fingerprint=fingerprint)
        enrolled = [k for k in found.items if k.revoked_at is None]
        if not enrolled:
            throttle.failed(self.peer)
            log.info("ssh key refused: %s from %s", fingerprint, self.peer)
            return False
        throttle.succeeded(self.peer)
        self.key = enrolled[0]
        return True

    def session_requested(self) -> Session:
        return Session(self)


class Session(asyncssh.SSHServerSession):  # type: ignore[type-arg]
    """A shell (the TUI) or an exec request (a CLI command) as the key's identity."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.argv: list[str] = []
        self.terminal: tuple[str, tuple[int, int]] | None = None
        self.child: Child | None = None
        self.chan: Any = None
        self.task: asyncio.Task[None] | None = None
        self.last_input = 0.0
        self.idled = False
        self.idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        self.terminal = (term_type or "xterm-256color", (term_size[0], term_size[1]))
        return True

    def shell_requested(self) -> bool:
        self.argv = ["tui"]
        return True

    def exec_requested(self, command: str) -> bool:
        try:
            self.argv = shlex.split(command)
        except ValueError:
            return False
        return bool(self.argv)

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        self.task = asyncio.ensure_future(self.run())

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.last_input = asyncio.get_running_loop().time()
        if self.child is not None:
            self.child.feed(data)

    def eof_received(self) -> bool:
        if self.child is not None:
            self.child.end_input()
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.last_input = asyncio.get_running_loop().time()
        if self.child is not None:
            self.child.resize(width, height)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.child is not None:
            self.child.kill()

    def watch_idle(self) -> None:
        """Close the session once nobody typed for the policy's idle time."""
        idle = self.gate.policy.idle_timeout
        loop = asyncio.get_running_loop()
        quiet = loop.time() - self.last_input
        if quiet < idle:
            self.idle_timer = loop.call_later(idle - quiet, self.watch_idle)
            return
        self.idled = True
        log.info("ssh session idle for %.0f s, closed: %s from %s", idle, self.name, self.gate.peer)
        self.chan.write_stderr(f"\r\nvtoc: closed after {idle:.0f} s without input\r\n".encode())
        if self.child is not None:
            self.child.kill()

    async def run(self) -> None:
        if self.terminal is None and self.argv == ["tui"]:
            self.chan.write_stderr(b"vtoc: the TUI needs a terminal (ssh -t)\r\n")
            self.chan.exit(2)
            return
        assert self.gate.key is not None
        fingerprint = self.gate.key.fingerprint
        refused = self.gate.policy.limits.admit(fingerprint)
        if refused is not None:
            log.warning("ssh session refused: %s from %s: %s", self.name, self.gate.peer, refused)
            self.chan.write_stderr(f"vtoc: session refused: {refused}\r\n".encode())
            self.chan.exit(EXIT_BUSY)
            return
        try:
            await self.run_admitted(fingerprint)
        finally:
            self.gate.policy.limits.release(fingerprint)

    async def run_admitted(self, fingerprint: str) -> None:
        try:
            token = await self.gate.api.open_ssh_session(fingerprint, client=self.gate.peer)
        except NotFound:
            self.chan.write_stderr(b"vtoc: this SSH key is no longer enrolled\r\n")
            self.chan.exit(4)
            return
        log.info("ssh session opened: %s (%s) from %s", self.name, token.role, self.gate.peer)
        if self.gate.policy.idle_timeout > 0:
            self.last_input = asyncio.get_running_loop().time()
            self.watch_idle()
        try:
            status = await self.run_child(token)
        finally:
            if self.idle_timer is not None:
                self.idle_timer.cancel()
            closed = await self.gate.api.close_ssh_session(token.id)
            log.info(
                "ssh session closed: %s from %s after %.1f s",
                self.name,
                self.gate.peer,
                closed.duration_seconds or 0.0,
            )
        self.chan.exit(EXIT_IDLE if self.idled else status)

    @property
    def name(self) -> str:
        return self.gate.key.name if self.gate.key is not None else "?"

    async def run_child(self, token: s.TokenCreated) -> int:
        env = {**base_env(), "VTOC_API_URL": self.gate.api_url, "VTOC_TOKEN": token.token}
        if self.terminal is None:
            self.child = await PipedChild.start(
                self.argv, env, self.chan.write, self.chan.write_stderr
            )
        else:
            term_type, size = self.terminal
            env["TERM"] = term_type
            spare = await self.gate.spares.take()
            self.child = await TerminalChild.start(spare, self.argv, env, size, self.chan.write)
        return await self.child.wait()


class Listening:
    """The listening server: its port, and ``close`` for it and the spare it keeps."""

    def __init__(self, acceptor: asyncssh.SSHAcceptor, spares: Spares) -> None:
        self.acceptor = acceptor
        self.spares = spares

    def get_port(self) -> int:
        return int(self.acceptor.get_port())

    def close(self) -> None:
        self.acceptor.close()
        self.spares.close()

    async def wait_closed(self) -> None:
        await self.acceptor.wait_closed()


async def serve(ctx: Context, *, host: str, port: int, policy: Policy | None = None) -> Listening:
    """Start listening; the context's token must be an admin's (it mints session tokens)."""
    policy = policy or Policy()
    api = AsyncVtocClient(ctx.api_url, ctx.token)
    me = await api.whoami()
    if me.role is not s.Role.admin:
        raise PermissionError(f"vtoc ssh serve needs an admin token; {me.name!r} is {me.role}")
    spares = Spares(base_env())
    spares.prepare()
    acceptor = await asyncssh.create_server(
        lambda: Gate(api, ctx.api_url, policy, spares),
        host,
        port,
        server_host_keys=[host_key(data_dir())],
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        password_auth=False,
        kbdint_auth=False,
    )
    return Listening(acceptor, spares)


def serve_forever(
    ctx: Context, *, host: str, port: int, policy: Policy, ready: Callable[[], None]
) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    async def main() -> None:
        listening = await serve(ctx, host=host, port=port, policy=policy)
        ready()
        await listening.wait_closed()

    asyncio.run(main())
