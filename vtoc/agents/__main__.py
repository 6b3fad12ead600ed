"""``python -m vtoc.agents``: the worker without the CLI (for tests and containers)."""

from __future__ import annotations

import argparse

from vtoc.agents.worker import main

parser = argparse.ArgumentParser(prog="python -m vtoc.agents", description=main.__doc__)
parser.add_argument("--once", action="store_true", help="one pass over due agents, then exit")
parser.add_argument("--only", action="append", help="run only this agent (repeatable)")
parser.add_argument("--worker-id", help="this worker's name in leases and runs")
parser.add_argument("--context", help="the client context to use")
parser.add_argument("--poll-seconds", type=float, default=5.0, help="pause between ticks")
parser.add_argument("--lease-seconds", type=int, default=30, help="lease length (renewed at 1/3)")
args = parser.parse_args()
main(
    once=args.once,
    only=args.only,
    worker_id=args.worker_id,
    context=args.context,
    poll_seconds=args.poll_seconds,
    lease_seconds=args.lease_seconds,
)
