"""The SSH server: enrolled keys in, the key's identity out — a session token minted through
the API for each session, handed to ``vtoc tui`` or a CLI command, revoked when it ends."""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # asyncssh still loads DSA support, which it need not warn of
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh

from vtoc import schemas as s
from vtoc.client import AsyncVtocClient, NotFound
from vtoc.config import Context, data_dir
from vtoc.ssh.child import Child, PipedChild, TerminalChild

log = logging.getLogger("vtoc.ssh")
HOST_KEY_NAME = "ssh_host_ed25519_key"


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


class Gate(asyncssh.SSHServer):
    """One connection: public keys only, and only enrolled, unrevoked ones."""

    def __init__(self, api: AsyncVtocClient, api_url: str) -> None:
        self.api = api
        self.api_url = api_url
        self.fingerprint = ""
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
        fingerprint = key.get_fingerprint("sha256")
        enrolled = [k async for k in self.api.ssh_keys.iterate() if k.revoked_at is None]
        if not any(k.fingerprint == fingerprint for k in enrolled):
            log.info("ssh key refused: %s from %s", fingerprint, self.peer)
            return False
        self.fingerprint = fingerprint
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
        if self.child is not None:
            self.child.feed(data)

    def eof_received(self) -> bool:
        if self.child is not None:
            self.child.end_input()
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.child is not None:
            self.child.resize(width, height)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.child is not None:
            self.child.kill()

    async def run(self) -> None:
        if self.terminal is None and self.argv == ["tui"]:
            self.chan.write_stderr(b"vtoc: the TUI needs a terminal (ssh -t)\r\n")
            self.chan.exit(2)
            return
        try:
            token = await self.gate.api.open_ssh_session(self.gate.fingerprint)
        except NotFound:
            self.chan.write_stderr(b"vtoc: this SSH key is no longer enrolled\r\n")
            self.chan.exit(4)
            return
        log.info("ssh session as %s (%s) from %s", token.name, token.role, self.gate.peer)
        try:
            status = await self.run_child(token)
        finally:
            await self.gate.api.revoke_token(token.id)
        self.chan.exit(status)

    async def run_child(self, token: s.TokenCreated) -> int:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VTOC_")}
        env.update(VTOC_API_URL=self.gate.api_url, VTOC_TOKEN=token.token)
        if self.terminal is None:
            self.child = await PipedChild.start(
                self.argv, env, self.chan.write, self.chan.write_stderr
            )
        else:
            term_type, size = self.terminal
            env["TERM"] = term_type
            self.child = await TerminalChild.start(self.argv, env, size, self.chan.write)
        return await self.child.wait()


async def serve(ctx: Context, *, host: str, port: int) -> asyncssh.SSHAcceptor:
    """Start listening; the context's token must be an admin's (it mints session tokens)."""
    api = AsyncVtocClient(ctx.api_url, ctx.token)
    me = await api.whoami()
    if me.role is not s.Role.admin:
        raise PermissionError(f"vtoc ssh serve needs an admin token; {me.name!r} is {me.role}")
    return await asyncssh.create_server(
        lambda: Gate(api, ctx.api_url),
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


def serve_forever(ctx: Context, *, host: str, port: int, ready: Callable[[], None]) -> None:
    async def main() -> None:
        acceptor = await serve(ctx, host=host, port=port)
        ready()
        await acceptor.wait_closed()

    asyncio.run(main())
