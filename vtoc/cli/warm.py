"""``python -m vtoc.cli.warm FD``: a ``vtoc`` process started before its session, in the
session's pseudo-terminal, with the CLI and the TUI imported already (most of a session's
start). It waits for one line of JSON on file descriptor FD — the session's environment and
``vtoc`` arguments — and then runs them as ``vtoc`` would; end of file (no session came)
ends it."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # as vtoc.cli.entry
    import vtoc.cli.main
    import vtoc.tui.app  # noqa: F401  (imported for its cost, before a session waits)
    from vtoc.cli.entry import run

    with os.fdopen(int(sys.argv[1]), "rb") as pipe:
        line = pipe.readline()
    if not line:
        return
    session = json.loads(line)
    os.environ.clear()
    os.environ.update(session["env"])
    sys.argv = ["vtoc", *session["argv"]]
    run()


if __name__ == "__main__":
    main()
