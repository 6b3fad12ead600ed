"""Mixed reads and writes from 50 concurrent connections on loopback: throughput, p50/p99,
errors.

A real `vtoc server run` (two workers, PostgreSQL) under the default rate limits; each request
carries one of ten operator tokens. Four in five requests read (lists, one row, the
dashboard), one in five writes (a keyed create). Any answer other than 2xx, and any request
the connection lost, is an error.

The load comes from wrk with a Lua script: a Python client at this rate took a third of the
two cores the server shares with it, and its own queueing showed up as the server's latency.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import httpx

from bench.common import Row, fresh_database, row, vtoc_server, wrk

CONNECTIONS = 50

# wrk calls request() for every request: a weighted pick of four, a random token and row.
MIXED = """
local tokens = {TOKENS}
local ids = {IDS}
local sent = 0

request = function()
    sent = sent + 1
    local headers = {}
    headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
    local pick = math.random()
    if pick < 0.2 then
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = string.format("load-%d-%d", sent, math.random(1e9))
        local body = string.format('{"name": "Load %d"}', sent)
        return wrk.format("POST", "/api/v1/operations", headers, body)
    elseif pick < 0.5 then
        return wrk.format("GET", "/api/v1/operations?limit=20", headers)
    elseif pick < 0.8 then
        return wrk.format("GET", "/api/v1/operations/" .. ids[math.random(#ids)], headers)
    end
    return wrk.format("GET", "/api/v1/dashboard", headers)
end
"""


def lua_list(values: list[str] | list[int]) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def seed(url: str, admin_token: str) -> tuple[list[str], list[int]]:
    """Ten operator tokens, and fifty operations for the single-row reads."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"}) as http:
        tokens = []
        for i in range(10):
            made = http.post("/api/v1/tokens", json={"name": f"load-{i}", "role": "operator"})
            made.raise_for_status()
            tokens.append(made.json()["token"])
        ids = []
        for i in range(50):
            made = http.post("/api/v1/operations", json={"name": f"Seed {i}"})
            made.raise_for_status()
            ids.append(made.json()["id"])
    return tokens, ids


def run(quick: bool) -> list[Row]:
    seconds = 4.0 if quick else 60.0
    url = fresh_database("vtoc_bench_load")
    with tempfile.TemporaryDirectory() as home, vtoc_server(url, Path(home)) as (api, token):
        tokens, ids = seed(api, token)
        script = Path(home) / "mixed.lua"
        script.write_text(
            MIXED.replace("{TOKENS}", lua_list(tokens)).replace("{IDS}", lua_list(ids))
        )
        load = wrk(
            f"{api}/", seconds=seconds, connections=CONNECTIONS, script=script, count_errors=True
        )
    return [
        row(f"mixed load, {CONNECTIONS} concurrent, {seconds:g} s", load.rps, "req/s", "-", None),
        row("mixed load p50", load.p50, "ms", "-", None),
        row("mixed load p99", load.p99, "ms", "< 1000 ms", load.p99 < 1000),
        row("mixed load errors", load.errors, "requests", "0", load.errors == 0),
    ]
