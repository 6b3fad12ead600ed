"""An operation's timeline under a long history, and a journal entry's way to other clients.

A fresh PostgreSQL database gets one operation with 1,000,000 events and 100,000 journal
entries over 30 days (COPY, ``bench.datagen.load_timeline``): a tenth of the events are the
moves and edits of the ten assets its mission uses, which belong to no operation, as the
positions feed records them. A real ``vtoc server run`` (two workers) serves it. Measured:

- a timeline page of 50 for one client, in order from random points of its history (the
  newest page, the oldest, and pages ``since`` a random time, as an operator scrolls or
  jumps): median, goal < 20 ms;
- the same pages from 10 clients at once (10 connections of wrk, one request at a time
  each): p99, goal < 100 ms;
- filing an entry to its ``journal.created`` frame on 10 other clients' streams: p99,
  goal < 100 ms (``bench.sse_latency``'s harness).

    python -m bench.journal [--quick]

``VTOC_BENCH_KEEP=1`` keeps the database after the run and measures the kept one on the
next (built only when missing): the load takes minutes, the measurement does not.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.common import (
    Load,
    Row,
    database_url,
    drop_database,
    fresh_database,
    row,
    vtoc_server,
    wrk,
)
from bench.datagen import load_fleet, load_timeline, next_id
from bench.sse_latency import Write, measure, percentile

DATABASE = "vtoc_bench_journal"
PAGE = 50
DAYS = 30
ONE_CLIENT_GOAL_MS = 20.0
TEN_CLIENTS_GOAL_MS = 100.0
STREAM_GOAL_MS = 100.0
CLIENTS = 10


# wrk calls request() for every page: where an operator reads, the newest page (a fifth),
# the oldest (a tenth), or from a random moment of the history, older or newer first.
PAGES = """
local path = "{PATH}"
local page = {PAGE}
local history = {SECONDS}
math.randomseed({SEED})

request = function()
    local pick = math.random()
    local query = "limit=" .. page
    if pick < 0.2 then
        query = query .. "&order=desc"
    elseif pick >= 0.3 then
        local since = os.time() - math.random() * history
        local order = math.random() < 0.5 and "asc" or "desc"
        query = query .. "&since=" .. os.date("!%Y-%m-%dT%H:%M:%SZ", since) .. "&order=" .. order
    end
    return wrk.format("GET", path .. "?" .. query)
end
"""


def timeline_pages(
    api: str, token: str, operation_id: int, clients: int, seconds: float, home: Path
) -> Load:
    """Pages from ``clients`` connections, each one request at a time, for ``seconds``.

    The load comes from wrk: ten Python clients took a share of the two cores the server
    shares with them, and their own queueing showed up as the server's tail."""
    script = home / f"pages-{clients}.lua"
    script.write_text(
        PAGES.replace("{PATH}", f"/api/v1/operations/{operation_id}/timeline")
        .replace("{PAGE}", str(PAGE))
        .replace("{SECONDS}", str(DAYS * 86400))
        .replace("{SEED}", str(clients))
    )
    wrk(f"{api}/", token=token, seconds=2, connections=clients, script=script)  # warm up
    return wrk(f"{api}/", token=token, seconds=seconds, connections=clients, script=script)


def kept_operation(name: str) -> int | None:
    """The operation of a database a run with ``VTOC_BENCH_KEEP`` left, if there is one."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from vtoc.server.db import make_engine

    engine = make_engine(database_url(name))
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT min(operation_id) FROM journal_entries"))
            return found.scalar()
    except OperationalError:  # no such database
        return None
    finally:
        engine.dispose()


def run(quick: bool) -> list[Row]:
    from vtoc.server.db import make_engine

    events, entries = (2_000, 200) if quick else (1_000_000, 100_000)
    seconds, posts = (2, 10) if quick else (20, 100)
    keep = os.environ.get("VTOC_BENCH_KEEP") == "1"
    if keep and (found := kept_operation(DATABASE)) is not None:
        url, operation_id = database_url(DATABASE), found
    else:
        url = fresh_database(DATABASE)
        engine = make_engine(url)
        operation_id = next_id(engine, "operations")
        load_fleet(engine, assets=10, operations=1)
        load_timeline(engine, operation_id, events=events, entries=entries, days=DAYS)
        engine.dispose()
    size = f"{events:,} events + {entries:,} entries"
    entry = Write(
        "/api/v1/journal",
        lambda i: {"text": f"bench entry {i}", "kind": "contact", "operation_id": operation_id},
        "journal.",
    )
    try:
        with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
            args = (api, token, operation_id)
            alone = timeline_pages(*args, clients=1, seconds=seconds, home=Path(home))
            crowd = timeline_pages(*args, clients=CLIENTS, seconds=seconds, home=Path(home))
            delivered, _ = asyncio.run(measure(api, token, CLIENTS, posts, 0.05, entry))
    finally:
        if not keep:
            drop_database(DATABASE)
    one, ten = alone.p50, crowd.p99
    stream = percentile(delivered, 99)
    return [
        row(
            f"timeline page of {PAGE} p50, 1 client, {size}",
            one,
            "ms",
            f"< {ONE_CLIENT_GOAL_MS:g} ms",
            one < ONE_CLIENT_GOAL_MS,
        ),
        row(
            f"timeline page of {PAGE} p99, {CLIENTS} clients",
            ten,
            "ms",
            f"< {TEN_CLIENTS_GOAL_MS:g} ms",
            ten < TEN_CLIENTS_GOAL_MS,
            baseline=alone.p99,
        ),
        row(
            f"entry → {CLIENTS} other clients' streams p99",
            stream,
            "ms",
            f"< {STREAM_GOAL_MS:g} ms",
            stream < STREAM_GOAL_MS,
        ),
    ]


def main() -> None:
    for result in run(quick="--quick" in sys.argv[1:]):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
