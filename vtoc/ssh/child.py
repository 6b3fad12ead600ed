"""The process an SSH session runs — ``vtoc tui`` or a CLI command — and the pipes or the
pseudo-terminal between it and the SSH channel."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import struct
import sys
import termios
from collections.abc import Callable, Mapping, Sequence

Output = Callable[[bytes], None]
VTOC = (sys.executable, "-m", "vtoc")


def set_window_size(fd: int, columns: int, rows: int) -> None:
    """The kernel signals SIGWINCH to the terminal's foreground process (the TUI)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(rows, 1), max(columns, 1), 0, 0))


def take_controlling_terminal() -> None:
    """Run in the child after ``setsid``: its stdin becomes its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Child:
    """One ``vtoc`` process; ``feed`` is what the SSH client types or sends."""

    def __init__(self, proc: asyncio.subprocess.Process, pumps: Sequence[asyncio.Future[None]]):
        self.proc = proc
        self.pumps = pumps

    async def wait(self) -> int:
        status = await self.proc.wait()
        # Output still buffered when the process ended is sent before the exit status.
        await asyncio.wait(self.pumps, timeout=2)
        return status

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()

    def feed(self, data: bytes) -> None:
        raise NotImplementedError

    def end_input(self) -> None:
        """The client sent EOF."""

    def resize(self, columns: int, rows: int) -> None:
        """The client's window changed size."""


class PipedChild(Child):
    """A CLI command with stdout and stderr kept apart, as a script over SSH expects."""

    @classmethod
    async def start(
        cls, argv: Sequence[str], env: Mapping[str, str], stdout: Output, stderr: Output
    ) -> PipedChild:
        pipe = asyncio.subprocess.PIPE
        proc = await asyncio.create_subprocess_exec(
            *VTOC, *argv, stdin=pipe, stdout=pipe, stderr=pipe, env=dict(env)
        )
        assert proc.stdout is not None and proc.stderr is not None
        pumps = [
            asyncio.ensure_future(pump(proc.stdout, stdout)),
            asyncio.ensure_future(pump(proc.stderr, stderr)),
        ]
        return cls(proc, pumps)

    def feed(self, data: bytes) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.write(data)

    def end_input(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()


async def pump(stream: asyncio.StreamReader, out: Output) -> None:
    while chunk := await stream.read(65536):
        out(chunk)


class TerminalChild(Child):
    """``vtoc tui`` (or any command under ``ssh -t``) in a pseudo-terminal of the client's
    size, its own session and controlling terminal so resizes reach it as SIGWINCH."""

    def __init__(
        self, proc: asyncio.subprocess.Process, pumps: Sequence[asyncio.Future[None]], fd: int
    ):
        super().__init__(proc, pumps)
        self.fd = fd

    @classmethod
    async def start(
        cls,
        spare: Spare,
        argv: Sequence[str],
        env: Mapping[str, str],
        size: tuple[int, int],
        out: Output,
    ) -> TerminalChild:
        """Hand the session to ``spare``: the terminal sized first, so the TUI starts at
        the client's size."""
        set_window_size(spare.master, *size)
        os.write(spare.pipe, json.dumps({"env": dict(env), "argv": list(argv)}).encode() + b"\n")
        os.close(spare.pipe)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_reader(spare.master, read_terminal, spare.master, out, done)
        return cls(spare.proc, [done], spare.master)

    async def wait(self) -> int:
        try:
            return await super().wait()
        finally:
            asyncio.get_running_loop().remove_reader(self.fd)
            os.close(self.fd)

    def feed(self, data: bytes) -> None:
        # A full or vanished terminal drops keystrokes rather than buffering them forever.
        with contextlib.suppress(OSError):
            os.write(self.fd, data)

    def resize(self, columns: int, rows: int) -> None:
        set_window_size(self.fd, columns, rows)


class Spare:
    """A ``vtoc`` process in a pseudo-terminal of its own, its imports done, waiting for a
    session (``vtoc.cli.warm``): a session then starts in the time its TUI takes to paint,
    not in the time Python takes to import it."""

    def __init__(self, proc: asyncio.subprocess.Process, master: int, pipe: int) -> None:
        self.proc = proc
        self.master = master
        self.pipe = pipe

    @classmethod
    async def start(cls, env: Mapping[str, str]) -> Spare:
        master, slave = pty.openpty()
        session_in, pipe = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "vtoc.cli.warm",
                str(session_in),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                start_new_session=True,
                preexec_fn=take_controlling_terminal,
                pass_fds=(session_in,),
            )
        finally:
            os.close(slave)
            os.close(session_in)
        os.set_blocking(master, False)
        return cls(proc, master, pipe)

    def discard(self) -> None:
        """No session will come: the spare reads end of file and exits."""
        os.close(self.pipe)
        os.close(self.master)


class Spares:
    """Keeps one spare ready; ``take`` hands it out and starts the next."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.next: asyncio.Task[Spare] | None = None

    async def take(self) -> Spare:
        ready = self.next
        self.next = asyncio.ensure_future(Spare.start(self.env))
        if ready is not None:
            spare = await ready
            if spare.proc.returncode is None:
                return spare
            spare.discard()
        return await Spare.start(self.env)

    def prepare(self) -> None:
        if self.next is None:
            self.next = asyncio.ensure_future(Spare.start(self.env))

    def close(self) -> None:
        """The server stops: the spare waiting for a session exits."""
        ready, self.next = self.next, None
        if ready is None:
            return
        if ready.done() and ready.exception() is None:
            ready.result().discard()
        else:
            ready.cancel()


def read_terminal(fd: int, out: Output, done: asyncio.Future[None]) -> None:
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return
    except OSError:  # EIO: every process holding the terminal has closed it
        chunk = b""
    if chunk:
        out(chunk)
    else:
        asyncio.get_running_loop().remove_reader(fd)
        if not done.done():
            done.set_result(None)
