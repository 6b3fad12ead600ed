"""Batches of external alerts into reports: dedup by alert id, flood suppression by
fingerprint, bulk writes.

Per batch: one query for the alert ids already stored, one for the open flood reports
(each an index probe per key), then COPYs (reports, indicators, alert ids; the events at
commit) and one executemany for the reports a flood grew. No ORM objects per alert.
Deliveries of different fingerprints run side by side; see ``lock_fingerprints``.

Longer than most modules: a batch's steps share its ``Flood`` records and its locks, and
the reasons for each PostgreSQL statement stand beside it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import events
from vtoc.server.db import again_after_lost_race, on_postgres, utcnow
from vtoc.server.errors import TooLargeError
from vtoc.server.models import FIRST_VERSION, Asset, IndicatorRow, IngestedAlert, IntelReport
from vtoc.server.services.assets import assets
from vtoc.server.services.bulk import insert_rows
from vtoc.server.services.intel import with_indicators
from vtoc.server.services.wazuh import Alert, AlertError, decode, map_alert

CHUNK = 1000
#: above this many fingerprints in one batch, the batch locks them all at once
FINGERPRINT_LOCKS = 1000
#: the advisory lock space of flood decisions: (FLOODS, 0) all of it, (FLOODS + 1, key) one key
FLOODS = 0x666C6F6F  # "floo"
FIRST_TIME = datetime.min.replace(tzinfo=UTC)
T = TypeVar("T")
REPORTS = cast(Table, IntelReport.__table__)
INDICATORS = cast(Table, IndicatorRow.__table__)
INGESTED = cast(Table, IngestedAlert.__table__)
#: a report's columns as the API shows it (``schemas.Intel`` without ``raw``)
SHOWN = [REPORTS.c[name] for name in s.Intel.model_fields if name in REPORTS.c and name != "raw"]
#: what a new report's alert does not say: the API's defaults, and a new row's version
DEFAULTS = {"confidence": s.INTEL_CONFIDENCE, "tlp": s.INTEL_TLP, "version": FIRST_VERSION}


@dataclass(frozen=True)
class IngestOptions:
    max_batch: int = 5000
    window: timedelta = timedelta(hours=1)
    #: per rule id, the dotted alert fields its fingerprint is made of
    fingerprints: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Flood:
    """The report an alert's fingerprint currently folds into (stored or new in this batch)."""

    alert: Alert
    last_seen_at: datetime
    occurrences: int
    report_id: int | None = None
    refs: list[str] = field(default_factory=list)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The batch's look-ups on PostgreSQL: one index probe per key, whatever the statistics say.
# As ``key = ANY(array)`` the planner estimates 500 constants against statistics that a
# table filling up under a flood does not have yet, and picked a sequential scan (or the
# whole ``source`` prefix of an index): a look-up grew with the table, 3 ms a batch at
# 20,000 reports, 15 ms at 60,000. A LATERAL subquery with LIMIT cannot be flattened, so
# each key is one descent of the unique or fingerprint index.
STORED_REFS = text("""
SELECT key.ref FROM unnest(CAST(:refs AS text[])) AS key(ref)
CROSS JOIN LATERAL (
    SELECT 1 FROM ingested_alerts AS stored
    WHERE stored.source = :source AND stored.source_ref = key.ref LIMIT 1
) AS found
""")
LATEST_FLOODS = text("""
SELECT flood.id, key.fingerprint, flood.last_seen_at, flood.occurrences
FROM unnest(CAST(:fingerprints AS text[])) AS key(fingerprint)
CROSS JOIN LATERAL (
    SELECT id, last_seen_at, occurrences FROM intel_reports AS report
    WHERE report.fingerprint = key.fingerprint AND report.last_seen_at >= :since
    ORDER BY last_seen_at DESC LIMIT 1
) AS flood
""")


_pausing = threading.Lock()
_paused_batches = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch runs (in any thread).

    A batch of 500 alerts is ~30,000 small dicts and lists that live until its end; the
    collector would walk them again and again (~20 % of the CPU of an ingest) to find no
    cycles. The batch frees them by reference counting; the collector resumes after the
    last batch in flight.
    """
    global _paused_batches
    with _pausing:
        # Paused by someone else (a test, an embedding app) when no batch is in flight:
        # leave the collector as they set it.
        ours = _paused_batches > 0 or gc.isenabled()
        if ours:
            _paused_batches += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _pausing:
                _paused_batches -= 1
                if _paused_batches == 0:
                    gc.enable()


def ingest_wazuh(
    session: Session, *, actor: str, body: bytes, content_type: str, options: IngestOptions
) -> s.IngestResult:
    """Store a delivery of Wazuh alerts; the caller commits (new agents are committed at
    once, see ``agent_assets``).

    Concurrent deliveries run side by side (see ``lock_fingerprints``). When one of them
    stored an alert id or a new agent this one also carries, between this one's look-up and
    its insert, the insert fails on a unique key (or the asset service refuses the taken
    name); the batch then runs again from the start, and its look-ups see what the other
    stored.
    """
    run = partial(
        ingest_batch, session, actor=actor, body=body, content_type=content_type, options=options
    )
    with collector_paused():
        return again_after_lost_race(session, run)


def lock_fingerprints(session: Session, fingerprints: set[str]) -> None:
    """Take this transaction's turn for each fingerprint of the batch (PostgreSQL).

    Deciding whether an alert opens a report or grows an open flood must not race with
    another delivery of the same fingerprint; deliveries of other fingerprints go on at the
    same time. Locks are taken in key order, so two batches never wait on each other in a
    circle. A batch of more fingerprints than ``FINGERPRINT_LOCKS`` takes the whole space
    at once (the exclusive form of the lock every other batch holds shared), so that no
    batch fills PostgreSQL's lock table.
    """
    if not on_postgres(session):
        return  # SQLite: one writer at a time already
    if len(fingerprints) > FINGERPRINT_LOCKS:
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, 0)"), {"ns": FLOODS})
        return
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock_shared(:ns, 0), "
            "(SELECT count(pg_advisory_xact_lock(:ns + 1, key)) FROM "
            "(SELECT key FROM unnest(CAST(:keys AS int[])) AS key ORDER BY key) AS keys)"
        ),
        {"ns": FLOODS, "keys": sorted({lock_key(f) for f in fingerprints})},
    )


def lock_key(fingerprint: str) -> int:
    """32 bits of the fingerprint's hash as a signed int (two fingerprints sharing a key
    only ever wait for each other)."""
    key = int(fingerprint[:8], 16)
    return key - (1 << 32) if key >= 1 << 31 else key


def ingest_batch(
    session: Session, *, actor: str, body: bytes, content_type: str, options: IngestOptions
) -> s.IngestResult:
    items = decode(body, content_type)
    if len(items) > options.max_batch:
        raise TooLargeError(
            f"the batch has {len(items)} alerts; at most {options.max_batch} are accepted at once"
        )
    result = s.IngestResult()
    mapped: list[Alert] = []
    for index, item in enumerate(items):
        try:
            if isinstance(item, AlertError):
                raise item
            mapped.append(map_alert(item, options.fingerprints))
        except AlertError as exc:
            result.rejected.append(s.IngestRejected(index=index, error=str(exc)))
    if mapped:
        store(session, actor=actor, alerts=mapped, window=options.window, result=result)
    return result


def store(
    session: Session,
    *,
    actor: str,
    alerts: list[Alert],
    window: timedelta,
    result: s.IngestResult,
) -> None:
    fresh = new_alerts(session, alerts)
    result.duplicates = len(alerts) - len(fresh)
    if not fresh:
        return
    asset_ids = agent_assets(session, actor, fresh)
    lock_fingerprints(session, {a.fingerprint for a in fresh})
    floods = open_floods(session, fresh, window)
    created: list[Flood] = []
    grown: dict[int, Flood] = {}
    for alert in fresh:
        flood = floods.get(alert.fingerprint)
        if flood is not None and abs(alert.observed_at - flood.last_seen_at) <= window:
            flood.occurrences += 1
            flood.last_seen_at = max(flood.last_seen_at, alert.observed_at)
            flood.refs.append(alert.source_ref)
            if flood.report_id is not None:
                grown[flood.report_id] = flood
            result.updated += 1
            continue
        flood = Flood(alert, alert.observed_at, 1, refs=[alert.source_ref])
        floods[alert.fingerprint] = flood
        created.append(flood)
    result.created = len(created)
    now = utcnow()
    insert_reports(session, created, asset_ids, now)
    grow_reports(session, list(grown.values()), now)
    touched = [*created, *grown.values()]
    insert_rows(
        session,
        INGESTED,
        [
            {"source": s.IntelSource.wazuh, "source_ref": ref, "report_id": f.report_id}
            | {"received_at": now}
            for f in touched
            for ref in f.refs
        ],
    )
    record_events(session, actor, created, list(grown.values()), asset_ids, now)
    result.report_ids = [f.report_id for f in touched if f.report_id is not None]


def new_alerts(session: Session, alerts: list[Alert]) -> list[Alert]:
    """The alerts whose id was never stored, each once."""
    refs = list(dict.fromkeys(a.source_ref for a in alerts))
    seen: set[str] = set()
    if on_postgres(session):
        seen.update(
            session.scalars(STORED_REFS, {"refs": refs, "source": s.IntelSource.wazuh.value})
        )
    else:
        for part in chunks(refs):
            seen.update(
                session.scalars(
                    select(IngestedAlert.source_ref).where(
                        IngestedAlert.source == s.IntelSource.wazuh,
                        IngestedAlert.source_ref.in_(part),
                    )
                )
            )
    fresh = []
    for alert in alerts:
        if alert.source_ref not in seen:
            seen.add(alert.source_ref)
            fresh.append(alert)
    return fresh


def agent_assets(session: Session, actor: str, alerts: Iterable[Alert]) -> dict[str, int]:
    """Asset ids by Wazuh agent name; an agent seen for the first time becomes a server.

    New agents are committed at once, in a transaction of their own: a concurrent delivery
    from the same agents waits on an uncommitted asset name until its transaction ends,
    which would otherwise be at the end of this whole batch. Names go in sorted order, so
    two deliveries never wait on each other in a circle (PostgreSQL would break the circle
    only after ``deadlock_timeout``, by failing one). The agent stays an asset whatever
    becomes of the batch: it did report.
    """
    agents = {a.agent_name: a for a in alerts if a.agent_name}
    ids: dict[str, int] = {}
    for part in chunks(list(agents)):
        rows = session.execute(select(Asset.name, Asset.id).where(Asset.name.in_(part)))
        ids.update({name: asset_id for name, asset_id in rows})
    new = sorted(agents.keys() - ids.keys())
    for name in new:
        alert = agents[name]
        attributes = {"wazuh_agent_id": alert.agent_id} if alert.agent_id else {}
        if alert.agent_ip:
            attributes["ip"] = alert.agent_ip
        data = s.AssetCreate(name=name, kind=s.AssetKind.server, attributes=attributes)
        ids[name] = assets.create(session, actor=actor, data=data).id
    if new:
        session.commit()
    return ids


def open_floods(session: Session, alerts: list[Alert], window: timedelta) -> dict[str, Flood]:
    """The latest stored report of each fingerprint still within the window of the batch.

    Only Wazuh ingest sets fingerprints, so no ``source`` condition is needed.
    """
    earliest = min(a.observed_at for a in alerts)
    since = earliest - min(window, earliest - FIRST_TIME)  # no window reaches before year 1
    latest = {a.fingerprint: a for a in alerts}
    rows: Iterable[Any]
    if on_postgres(session):
        rows = session.execute(LATEST_FLOODS, {"fingerprints": list(latest), "since": since})
    else:
        rows = (
            row
            for part in chunks(list(latest))
            for row in session.execute(
                select(
                    IntelReport.id,
                    IntelReport.fingerprint,
                    IntelReport.last_seen_at,
                    IntelReport.occurrences,
                )
                .where(IntelReport.fingerprint.in_(part), IntelReport.last_seen_at >= since)
                .order_by(IntelReport.last_seen_at)
            )
        )
    floods: dict[str, Flood] = {}
    for report_id, fingerprint, last_seen_at, occurrences in rows:
        floods[fingerprint] = Flood(latest[fingerprint], last_seen_at, occurrences, report_id)
    return floods


def insert_reports(
    session: Session, created: list[Flood], asset_ids: dict[str, int], now: datetime
) -> None:
    if not created:
        return
    rows = [
        {
            "title": f.alert.title,
            "body": f.alert.body,
            "source": s.IntelSource.wazuh,
            "source_ref": f.alert.source_ref,
            "severity": f.alert.severity,
            "observed_at": f.alert.observed_at,
            "asset_id": asset_ids.get(f.alert.agent_name or ""),
            "occurrences": f.occurrences,
            "last_seen_at": f.last_seen_at,
            "raw": f.alert.raw,
            "fingerprint": f.alert.fingerprint,
            "created_at": now,
            "updated_at": now,
        }
        | DEFAULTS
        for f in created
    ]
    ids = insert_rows(session, REPORTS, rows, with_ids=True)
    for flood, report_id in zip(created, ids, strict=True):
        flood.report_id = report_id
    indicators = [
        {"report_id": f.report_id, "kind": kind, "value": value}
        for f in created
        for kind, value in f.alert.indicators
    ]
    insert_rows(session, INDICATORS, indicators)


def grow_reports(session: Session, grown: list[Flood], now: datetime) -> None:
    if not grown:
        return
    table = REPORTS
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            occurrences=bindparam("b_occurrences"),
            last_seen_at=bindparam("b_last_seen_at"),
            updated_at=now,
            version=table.c.version + 1,
        ),
        [
            {"b_id": f.report_id, "b_occurrences": f.occurrences, "b_last_seen_at": f.last_seen_at}
            for f in grown
        ],
    )


def record_events(
    session: Session,
    actor: str,
    created: list[Flood],
    grown: list[Flood],
    asset_ids: dict[str, int],
    now: datetime,
) -> None:
    """One ``intel.created`` per new report, one ``intel.updated`` per report a flood grew."""
    stamp = now.isoformat()
    rows: list[dict[str, Any]] = [
        event_row(actor, s.EventKind.intel_created, f, now, created_data(f, asset_ids, stamp))
        for f in created
    ]
    shown = grown_reports(session, grown)
    changed = ["last_seen_at", "occurrences"]
    rows += [
        event_row(
            actor,
            s.EventKind.intel_updated,
            f,
            now,
            {**shown[f.report_id], "changed": changed},
        )
        for f in grown
        if f.report_id is not None
    ]
    events.record_many(session, rows)


def grown_reports(session: Session, grown: list[Flood]) -> dict[int, dict[str, Any]]:
    """The reports floods grew as the API's ``intel.updated`` shows them, read after the
    update (their other fields are what the stored report has)."""
    ids = [f.report_id for f in grown if f.report_id is not None]
    rows = [
        row
        for part in chunks(ids)
        for row in session.execute(select(*SHOWN).where(REPORTS.c.id.in_(part)))
    ]
    return {
        report["id"]: {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in report.items()
        }
        for report in with_indicators(session, rows)
    }


def event_row(
    actor: str, kind: s.EventKind, flood: Flood, now: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ts": now,
        "actor": actor,
        "kind": kind,
        "entity": s.Entity.intel,
        "entity_id": flood.report_id,
        "operation_id": None,
        "data": data,
    }


def created_data(flood: Flood, asset_ids: dict[str, int], now: str) -> dict[str, Any]:
    """The new report as the API's ``intel.created`` carries it (``schemas.Intel`` without
    ``raw``), built from the alert: validating a model per report would cost more."""
    alert = flood.alert
    observed_at = alert.observed_at.isoformat()
    # Usually the same datetime: isoformat is the dearest part of this dict.
    same = flood.last_seen_at is alert.observed_at
    return {
        "id": flood.report_id,
        "title": alert.title,
        "body": alert.body,
        "source": s.IntelSource.wazuh.value,
        "source_ref": alert.source_ref,
        "severity": alert.severity.value,
        "observed_at": observed_at,
        "operation_id": None,
        "asset_id": asset_ids.get(alert.agent_name or ""),
        "occurrences": flood.occurrences,
        "last_seen_at": observed_at if same else flood.last_seen_at.isoformat(),
        # The kinds are StrEnums: they serialize as their values, no ``.value`` per item.
        "indicators": [{"kind": k, "value": v} for k, v in alert.indicators],
        "created_at": now,
        "updated_at": now,
        **DEFAULTS,
    }
