"""Bulk data for benchmarks: a million intel reports (or events) in seconds, through
PostgreSQL COPY.

Rows get explicit ids (and the sequences are moved past them), so indicators can point
at their reports without a round trip. Indicator values come from pools with a long tail:
a few values are shared by many reports, most by a handful — as in real feeds.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

CHUNK = 50_000
TEMPLATES = [
    ("sshd: brute force from {ip}", "Failed password for root from {ip} port 22 ssh2 (T1110.001)"),
    ("Beacon to {domain}", "Host {host} resolved {domain} and connected to {ip} (T1071)"),
    ("Malware on {host}", "File {hash} written on {host}, fetched from http://{domain}/x.bin"),
    ("Exploit attempt {cve}", "Request from {ip} matching {cve} against {host} (T1190)"),
    ("Port scan from {ip}", "SYN sweep of 1024 ports from {ip} seen by sensor {host}"),
]
SEVERITIES = ["info", "low", "medium", "high", "critical"]


def _pool(rng: random.Random, size: int, make: str) -> list[str]:
    if make == "ip":
        return [".".join(str(rng.randint(1, 223)) for _ in range(4)) for _ in range(size)]
    if make == "domain":
        letters = "abcdefghijklmnopqrstuvwxyz"
        tlds = ["com", "net", "xyz", "top"]
        return [f"{''.join(rng.choices(letters, k=8))}.{rng.choice(tlds)}" for _ in range(size)]
    if make == "hash":
        return [rng.randbytes(32).hex() for _ in range(size)]
    if make == "cve":
        return [f"CVE-20{rng.randint(15, 25)}-{rng.randint(1000, 99999)}" for _ in range(size)]
    return [f"srv-{n:05d}" for n in range(size)]


def _skewed(rng: random.Random, pool: list[str]) -> str:
    # Pareto-like: low indices are picked far more often (shared indicators).
    return pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)]


def _copy(
    engine: Engine, table: str, columns: list[str], rows: Iterator[tuple[object, ...]]
) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        while True:
            buffer = io.StringIO()
            n = 0
            for row in rows:
                buffer.write("\t".join(_cell(v) for v in row) + "\n")
                n += 1
                if n == CHUNK:
                    break
            if n == 0:
                break
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            count += n
        raw.commit()
    finally:
        raw.close()
    return count


def _cell(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def next_id(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one())


def settle(engine: Engine, *tables: str) -> None:
    """What autovacuum and the checkpointer do soon after a bulk load on a live server (to
    ``tables``, or the whole database): a bench then measures the steady state, with the
    visibility map set (index-only scans skip the heap) and statistics current, and no
    autovacuum worker, nor a checkpoint spread over minutes writing the load's pages, on
    the CPU and the disk while it runs."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM (ANALYZE) {', '.join(tables)}"))
        conn.execute(text("CHECKPOINT"))


def load_reports(engine: Engine, count: int, *, seed: int = 1, days: int = 30) -> range:
    """Append ``count`` intel reports with their indicators; returns their ids."""
    rng = random.Random(seed)
    pools = {
        k: _pool(rng, max(50, count // 20), k) for k in ("ip", "domain", "hash", "cve", "host")
    }
    first = next_id(engine, "intel_reports")
    ids = range(first, first + count)
    now = datetime.now(UTC)
    indicators: list[tuple[object, ...]] = []

    def reports() -> Iterator[tuple[object, ...]]:
        for report_id in ids:
            values = {k: _skewed(rng, pool) for k, pool in pools.items()}
            title, body = rng.choice(TEMPLATES)
            observed = now - timedelta(seconds=rng.randint(0, days * 86400))
            stamp = observed.isoformat()
            for kind, key in (
                ("ipv4", "ip"),
                ("domain", "domain"),
                ("sha256", "hash"),
                ("cve", "cve"),
            ):
                if "{" + key + "}" in title + body:
                    indicators.append((report_id, kind, values[key]))
            yield (
                report_id,
                title.format(**values),
                body.format(**values),
                "osint",
                None,
                rng.choice(SEVERITIES),
                rng.randint(10, 95),
                "amber",
                stamp,
                None,
                None,
                1,
                stamp,
                None,
                1,
                stamp,
                stamp,
            )

    _copy(
        engine,
        "intel_reports",
        [
            "id",
            "title",
            "body",
            "source",
            "source_ref",
            "severity",
            "confidence",
            "tlp",
            "observed_at",
            "operation_id",
            "asset_id",
            "occurrences",
            "last_seen_at",
            "raw",
            "version",
            "created_at",
            "updated_at",
        ],
        reports(),
    )
    _copy(engine, "indicators", ["report_id", "kind", "value"], iter(indicators))
    _reset_sequences(engine, ["intel_reports", "indicators"])
    return ids


def load_fleet(engine: Engine, *, assets: int, operations: int, seed: int = 2) -> None:
    """Operations with one mission each, and a fleet of assets."""
    rng = random.Random(seed)
    stamp = datetime.now(UTC).isoformat()
    op0 = next_id(engine, "operations")
    _copy(
        engine,
        "operations",
        [
            "id",
            "code",
            "name",
            "description",
            "status",
            "priority",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                op0 + n,
                f"BENCH-{op0 + n}",
                f"Operation {op0 + n}",
                "",
                rng.choice(["planned", "active"]),
                "medium",
                1,
                stamp,
                stamp,
            )
            for n in range(operations)
        ),
    )
    _copy(
        engine,
        "missions",
        [
            "operation_id",
            "name",
            "objective",
            "status",
            "priority",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (op0 + n, f"Mission {n}", "", "pending", "medium", 1, stamp, stamp)
            for n in range(operations)
        ),
    )
    a0 = next_id(engine, "assets")
    _copy(
        engine,
        "assets",
        [
            "name",
            "kind",
            "status",
            "lat",
            "lon",
            "attributes",
            "version",
            "created_at",
            "updated_at",
        ],
        (
            (
                f"bench-asset-{a0 + n}",
                "sensor",
                "available",
                round(rng.uniform(-60, 60), 4),
                round(rng.uniform(-150, 150), 4),
                {},
                1,
                stamp,
                stamp,
            )
            for n in range(assets)
        ),
    )
    _reset_sequences(engine, ["operations", "missions", "assets"])


#: an operation's own events; its assets' events (moves, status) belong to no operation
EVENT_KINDS = [
    ("mission", "mission.updated"),
    ("intel", "intel.created"),
    ("operation", "operation.updated"),
]
ASSET_EVENT_KINDS = ["asset.moved", "asset.updated"]
JOURNAL_KINDS = ["note", "contact", "order", "decision", "report"]


def load_timeline(
    engine: Engine,
    operation_id: int,
    *,
    events: int,
    entries: int,
    assets: int = 10,
    asset_share: float = 0.1,
    seed: int = 3,
    days: int = 30,
) -> None:
    """An operation's history over the last ``days`` days: ``events`` events, of which
    ``asset_share`` are the events of ``assets`` new assets its first mission uses (moves
    and status, with no operation, as positions and edits record them), and ``entries``
    journal entries at their own times (back-dated ones among the events)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    first_event = next_id(engine, "events")
    first_asset = next_id(engine, "assets")
    stamp = now.isoformat()
    with engine.connect() as conn:
        mission = conn.execute(
            text("SELECT min(id) FROM missions WHERE operation_id = :op"), {"op": operation_id}
        ).scalar_one()
    asset_ids = range(first_asset, first_asset + assets)
    _copy(
        engine,
        "assets",
        ["id", "name", "kind", "status", "attributes", "version", "created_at", "updated_at"],
        ((a, f"timeline-asset-{a}", "vehicle", "deployed", {}, 1, stamp, stamp) for a in asset_ids),
    )
    _copy(engine, "mission_assets", ["mission_id", "asset_id"], ((mission, a) for a in asset_ids))

    def moment() -> str:
        return (now - timedelta(seconds=rng.uniform(60, days * 86400))).isoformat()

    def event_rows() -> Iterator[tuple[object, ...]]:
        for n in range(events):
            if rng.random() < asset_share:
                asset = rng.choice(asset_ids)
                data = {"id": asset, "name": f"timeline-asset-{asset}", "lat": 59.9, "lon": 10.7}
                kind = rng.choice(ASSET_EVENT_KINDS)
                yield (first_event + n, moment(), "bench", kind, "asset", asset, None, data)
                continue
            entity, kind = rng.choice(EVENT_KINDS)
            data = {"title": f"{entity} {n}", "changed": ["status"]}
            yield (first_event + n, moment(), "bench", kind, entity, n % 5000, operation_id, data)

    def entry_rows() -> Iterator[tuple[object, ...]]:
        for n in range(entries):
            at = moment()
            text_ = f"Entry {n}: Hawk-{n % 40:02d} reports contact at grid {rng.randint(10, 99)}U"
            yield (at, at, f"op-{n % 7}", rng.choice(JOURNAL_KINDS), text_, operation_id, [])

    _copy(
        engine,
        "events",
        ["id", "ts", "actor", "kind", "entity", "entity_id", "operation_id", "data"],
        event_rows(),
    )
    _copy(
        engine,
        "journal_entries",
        ["occurred_at", "recorded_at", "author", "kind", "text", "operation_id", "refs"],
        entry_rows(),
    )
    _reset_sequences(engine, ["assets", "events", "journal_entries"])


def _reset_sequences(engine: Engine, tables: list[str]) -> None:
    with engine.begin() as conn:
        for table in tables:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
        conn.execute(text(f"ANALYZE {', '.join(tables)}"))
