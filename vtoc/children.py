"""Child processes that end with their parent, even when the parent is SIGKILLed.

``vtoc up`` stops what it started on every exit it sees (normal, ctrl+c, SIGTERM, an
exception), but SIGKILL, the OOM killer or a segfault give it no chance to: the server, the
agents worker, Traefik and the static server would keep their ports and the database.

Linux's ``prctl(PR_SET_PDEATHSIG)`` makes the kernel signal the child when its parent
dies, whatever the cause. It is chosen over having the children watch their parent's pid
because it needs nothing from the child: Traefik is a Go binary we cannot teach to poll,
a polling child lingers for its poll interval, and a child stuck in a slow request never
polls. Two details make it reliable:

- The setting is made in the forked child before ``exec`` (``preexec_fn``) and survives
  the ``exec``; then the child checks that its parent is still the one that forked it, so
  a parent killed between ``fork`` and ``prctl`` is not missed.
- The signal fires when the parent *thread* that forked the child ends, not the process:
  spawn from the main thread (``vtoc up`` does), never from a short-lived worker thread.

SIGKILL is the signal sent: nobody is left to escalate if a child ignored SIGTERM, and
what the children hold is safe to drop (database transactions roll back, agent leases
expire, the proxy and static server keep no state). Orderly exits still stop the children
with SIGTERM first. Elsewhere than Linux this is a no-op.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that ties the child's life to this process."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: no dlopen in the forked child
    parent = os.getpid()

    def in_child() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return in_child


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a child to serve on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop(
    children: list[subprocess.Popen[bytes]], timeout: float = 10.0
) -> list[subprocess.Popen[bytes]]:
    """SIGTERM to every child still running, then SIGKILL to those not gone in ``timeout``;
    returns the children that had to be killed."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    killed = []
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            killed.append(child)
    return killed
