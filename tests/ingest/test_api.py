"""POST /api/v1/ingest/wazuh on the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.ingest.conftest import ndjson, unique_copies
from tests.live import serve
from vtoc.client import AuthError, Forbidden, RetryPolicy, VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role
from vtoc.server.app import create_app
from vtoc.server.services import ingest

SECRET = "test-hmac-secret"


def by_ref(client: VtocClient) -> dict[str, Any]:
    return {r.source_ref: r for r in client.intel.iterate(source=["wazuh"], limit=500, raw=True)}


def test_samples_become_reports_with_severity_assets_and_indicators(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    result = operator.ingest_wazuh(ndjson(samples))
    assert (result.created, result.updated, result.duplicates, result.rejected) == (99, 21, 0, [])
    reports = by_ref(operator)
    assert len(reports) == 99
    assert sum(r.occurrences for r in reports.values()) == 120

    levels = {f"wazuh-manager-1/{a['id']}": a["rule"]["level"] for a in samples}
    expected = {3: "info", 5: "low", 6: "low", 7: "low", 10: "medium", 12: "high", 13: "high"}
    for ref, report in reports.items():
        assert report.severity == expected[levels[ref]], ref

    servers = {a.name: a for a in operator.assets.iterate(kind=["server"])}
    assert set(servers) == {a["agent"]["name"] for a in samples}
    assert servers["db-01"].attributes["ip"] == "10.0.1.21"

    web = reports["wazuh-manager-1/1795327318.1172979"]
    assert web.title == "SQL injection attempt."
    assert web.asset_id == servers["dc-01"].id
    assert web.body.startswith("203.0.113.45 - -")
    assert web.raw is not None and web.raw["rule"]["id"] == "31103"
    assert web.observed_at.isoformat() == "2026-11-22T06:01:58.029000+00:00"
    kinds = {(i.kind, i.value) for i in web.indicators}
    assert {("ipv4", "203.0.113.45"), ("url", "/index.php?id=1%27%20OR%201=1--")} <= kinds
    assert ("mitre", "T1190") in kinds

    fim = next(r for r in reports.values() if r.raw and r.raw.get("syscheck"))
    fim_kinds = {i.kind for i in fim.indicators}
    assert {"md5", "sha1", "sha256", "path", "mitre"} <= fim_kinds
    cve = reports["wazuh-manager-1/1795327242.6136241"]
    assert ("cve", "CVE-2021-44228") in {(i.kind, i.value) for i in cve.indicators}

    found = operator.intel.list(indicator="203.0.113.45", limit=500).items
    assert web.id in {r.id for r in found}


def test_the_same_batch_again_creates_nothing(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    operator.ingest_wazuh(ndjson(samples))
    before = by_ref(operator)
    again = operator.ingest_wazuh(samples)  # a JSON array this time
    assert (again.created, again.updated, again.duplicates) == (0, 0, 120)
    after = by_ref(operator)
    assert {r: x.occurrences for r, x in after.items()} == {
        r: x.occurrences for r, x in before.items()
    }


def test_a_flood_of_one_fingerprint_makes_one_report(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    flood = unique_copies([samples[1]], 1000)
    first = operator.ingest_wazuh(ndjson(flood[:500]))
    assert (first.created, first.updated) == (1, 499)
    second = operator.ingest_wazuh(ndjson(flood[500:]))
    assert (second.created, second.updated) == (0, 500)
    (report,) = by_ref(operator).values()
    assert report.occurrences == 1000
    updates = operator.events.list(kind="intel.updated", entity_id=report.id).items
    assert [e.data["occurrences"] for e in updates] == [1000]


@pytest.mark.parametrize("fingerprint_locks", [1000, 100], ids=["one-lock-each", "all-at-once"])
def test_concurrent_deliveries_fold_each_flood_once_and_store_each_alert_once(
    settings: ServerSettings,
    make_token: Callable[..., str],
    samples: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    fingerprint_locks: int,
) -> None:
    # 40 floods of 10 alerts in 8 batches, each batch a slice of every flood, 4 at a time,
    # as several managers deliver at once; then every alert again, in other batches, as
    # retries that race with each other.
    floods, per_flood = 200, 10
    alerts = unique_copies([samples[1]], floods * per_flood)
    for n, alert in enumerate(alerts):
        alert["data"]["srcip"] = f"198.18.{n // per_flood // 250}.{n // per_flood % 250 + 1}"
    token = make_token(Role.operator)
    # Batches of ~200 fingerprints: under the limit each takes a lock per fingerprint,
    # over it the one lock of the whole space.
    monkeypatch.setattr(ingest, "FINGERPRINT_LOCKS", fingerprint_locks)

    def deliver(url: str, batches: list[list[dict[str, Any]]]) -> list[Any]:
        def send(n: int) -> list[Any]:
            with VtocClient(url, token) as client:
                return [client.ingest_wazuh(ndjson(b)) for b in batches[n::4]]

        with ThreadPoolExecutor(4) as pool:
            return [r for rs in pool.map(send, range(4)) for r in rs]

    with serve(create_app(settings)) as url:
        first = deliver(url, [alerts[i::8] for i in range(8)])
        again = deliver(url, [alerts[i::6][::-1] for i in range(6)])
        with VtocClient(url, token) as client:
            reports = by_ref(client)
    assert sum(r.created for r in first) == floods
    assert sum(r.created + r.updated for r in first) == len(alerts)
    assert sum(r.duplicates for r in again) == len(alerts)
    assert len(reports) == floods
    assert sorted(r.occurrences for r in reports.values()) == [per_flood] * floods


def test_concurrent_deliveries_from_the_same_new_agents_neither_fail_nor_stall(
    settings: ServerSettings, make_token: Callable[..., str], samples: list[dict[str, Any]]
) -> None:
    # Two managers see the same 100 agents for the first time and deliver at once, each
    # listing them in the other order; five times, with new agents each time. Every
    # delivery must be answered on its first try: a deadlock, which PostgreSQL breaks after
    # deadlock_timeout by failing one side, answers that side 503. Each agent is one asset.
    rounds, per_round = 5, 100
    alerts = unique_copies([samples[1]], rounds * per_round * 2, vary_source=True)
    pairs = []
    for r in range(rounds):
        pair = alerts[2 * r * per_round : 2 * (r + 1) * per_round]
        for n, alert in enumerate(pair):
            name = f"edge-{r}-{n % per_round:03}"
            alert["agent"] = {"id": f"{n % per_round:03}", "name": name, "ip": "10.9.0.1"}
        by_agent = sorted(pair, key=lambda a: a["agent"]["name"])
        pairs.append((by_agent[0::2], by_agent[1::2][::-1]))
    token = make_token(Role.operator)
    together = threading.Barrier(2)

    def send(batch: list[dict[str, Any]]) -> int:
        with VtocClient(url, token, retry=RetryPolicy(attempts=1)) as client:
            client.whoami()  # connected
            together.wait()
            return client.ingest_wazuh(ndjson(batch)).created

    with serve(create_app(settings)) as url, ThreadPoolExecutor(2) as pool:
        answers = [answer for pair in pairs for answer in pool.map(send, pair)]
        with VtocClient(url, token) as client:
            servers = [a.name for a in client.assets.iterate(kind=["server"])]
    assert sum(answers) == rounds * per_round * 2
    assert len(servers) == len(set(servers)) == rounds * per_round


def test_an_agent_registered_by_a_concurrent_delivery_meanwhile_is_used_not_refused(
    settings: ServerSettings, make_token: Callable[..., str], samples: list[dict[str, Any]]
) -> None:
    # One manager sees 250 new agents, another the last 100 of them, at once: the first
    # is still registering its own when the second commits the shared ones. Each must
    # find the other's agents, not refuse them as a taken name (409).
    token = make_token(Role.operator)
    together = threading.Barrier(2)

    def send(batch: list[dict[str, Any]]) -> int:
        with VtocClient(url, token, retry=RetryPolicy(attempts=1)) as client:
            client.whoami()
            together.wait()
            return client.ingest_wazuh(ndjson(batch)).created

    with serve(create_app(settings)) as url, ThreadPoolExecutor(2) as pool:
        for round_ in range(3):
            alerts = unique_copies([samples[1]], 350, vary_source=True)
            for n, alert in enumerate(alerts):
                name = f"edge-{round_}-{n if n < 250 else n - 100:03}"
                alert["id"] += f".{round_}"
                alert["agent"] = {"id": f"{n:03}", "name": name, "ip": "10.9.0.1"}
            created = list(pool.map(send, [alerts[:250], alerts[250:]]))
            assert sum(created) == 350
        with VtocClient(url, token) as client:
            servers = [a.name for a in client.assets.iterate(kind=["server"])]
    assert len(servers) == len(set(servers)) == 3 * 250


def test_a_retry_racing_its_original_delivery_is_answered_and_stores_nothing_twice(
    settings: ServerSettings, make_token: Callable[..., str], samples: list[dict[str, Any]]
) -> None:
    # A sender that gave up waiting sends the same batch again while the first is still
    # being stored: each alert must be stored once, and both answered (no 500).
    token = make_token(Role.operator)
    together = threading.Barrier(2)

    def send(body: bytes) -> Any:
        with VtocClient(url, token, retry=RetryPolicy(attempts=1)) as client:
            client.whoami()
            together.wait()
            return client.ingest_wazuh(body)

    with serve(create_app(settings)) as url, ThreadPoolExecutor(2) as pool:
        for round_ in range(3):
            batch = unique_copies(samples, 300, vary_source=True)
            for alert in batch:
                alert["id"] += f".{round_}"
            body = ndjson(batch)
            answers = list(pool.map(send, [body, body]))
            assert sum(a.created + a.updated for a in answers) == 300
            assert sorted(a.duplicates for a in answers) == [0, 300]


def test_a_flood_outside_the_window_opens_a_new_report(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    early, late = unique_copies([samples[1]], 2)
    late["timestamp"] = "2026-11-22T08:01:58.029+0000"
    result = operator.ingest_wazuh([early, late])
    assert (result.created, result.updated) == (2, 0)


def test_malformed_alerts_are_named_and_the_good_ones_kept(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    good = unique_copies(samples, 3, vary_source=True)
    no_id = copy.deepcopy(samples[0])
    del no_id["id"]
    bad_level = copy.deepcopy(samples[0]) | {"id": "x.1"}
    bad_level["rule"]["level"] = "high"
    odd = good[2]
    odd["full_log"] = "Überwachung: 攻撃 from 198.51.100.7 " + "A" * 200_000
    lines = [
        json.dumps(good[0]).encode(),
        b'{"timestamp": "2026-11-22T06:00:42',  # truncated delivery
        b"[1, 2]",
        json.dumps(no_id).encode(),
        json.dumps(bad_level).encode(),
        json.dumps(good[1]).encode(),
        json.dumps(odd, ensure_ascii=False).encode(),
    ]
    result = operator.ingest_wazuh(b"\n".join(lines))
    assert result.created == 3
    errors = {r.index: r.error for r in result.rejected}
    assert sorted(errors) == [1, 2, 3, 4]
    assert errors[1].startswith("line 2: not JSON")
    assert errors[3] == "id: missing"
    assert errors[4].startswith("rule.level")
    report = next(r for r in by_ref(operator).values() if r.body.startswith("Überwachung"))
    assert ("ipv4", "198.51.100.7") in {(i.kind, i.value) for i in report.indicators}


def test_a_level_that_only_looks_like_a_number_is_named_and_the_good_ones_kept(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """ "¹" and 5,000 digits pass ``isdigit()`` and failed ``int()``: the whole batch was a
    500, and `vtoc ingest wazuh` failed on it at every re-run."""
    good = unique_copies(samples, 2, vary_source=True)
    odd = []
    for n, level in enumerate(["¹", "7" * 5000, "٣"]):
        alert = copy.deepcopy(samples[0]) | {"id": f"odd.{n}"}
        alert["rule"]["level"] = level
        odd.append(alert)
    result = operator.ingest_wazuh(ndjson([good[0], *odd, good[1]]))
    assert result.created == 2
    assert {r.index: r.error for r in result.rejected} == dict.fromkeys(
        [1, 2, 3], "rule.level: expected a whole number"
    )


def test_long_alert_ids_sharing_their_start_are_two_alerts(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """``source_ref`` was cut to 300 characters: the second alert was dropped as a
    duplicate of the first. A retry of either still stores nothing twice."""
    stem = "1700000000." + "9" * 400
    alerts = [copy.deepcopy(samples[0]) | {"id": stem + tail} for tail in ("1", "2")]
    alerts[1]["agent"]["name"] = "another-host"  # not folded into the first as a flood
    assert operator.ingest_wazuh(ndjson(alerts)).created == 2
    again = operator.ingest_wazuh(ndjson(alerts))
    assert (again.created, again.duplicates) == (0, 2)
    refs = [ref for ref in by_ref(operator) if ref.startswith("wazuh")]
    assert len(set(refs)) == 2 and all(len(ref) <= 300 for ref in refs)


def test_a_byte_order_mark_before_the_first_alert_is_not_an_error(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """Files saved by Windows tools start with one; the first alert is as good as the rest."""
    alerts = unique_copies(samples, 3, vary_source=True)
    result = operator.ingest_wazuh(b"\xef\xbb\xbf" + ndjson(alerts))
    assert (result.created, result.rejected) == (3, [])
    one = alerts[0] | {"id": "bom.1"}  # one object, not NDJSON: folds into its report
    result = operator.ingest_wazuh(b"\xef\xbb\xbf" + json.dumps(one).encode())
    assert (result.updated, result.rejected) == (1, [])


def test_an_alert_with_nul_in_a_key_or_name_is_named_and_the_good_ones_kept(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """NUL cannot be a report's title, its dedup key, an asset's name or an indicator."""
    alerts = unique_copies(samples, 9, vary_source=True)
    alerts[3]["agent"]["name"] = "bad\u0000"
    alerts[4]["id"] = "1800000000.\u00004"
    alerts[5]["manager"] = {"name": "wazuh\u0000"}
    alerts[6]["rule"]["description"] = "evil\u0000title"
    alerts[7]["data"]["srcip"] = "198.51.100.7\u0000"
    alerts[8]["rule"]["mitre"] = {"id": ["T1110\u0000"]}
    result = operator.ingest_wazuh(ndjson(alerts))
    errors = {r.index: r.error for r in result.rejected}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    fields = ["agent.name", "id", "manager.name", "rule.description", "data.srcip"]
    for index, field in enumerate([*fields, "rule.mitre.id"], start=3):
        assert errors[index].startswith(f"{field}: "), errors[index]
        assert "NUL" in errors[index]
    assert result.created == 3
    assert sorted(by_ref(operator)) == sorted(f"wazuh-manager-1/{a['id']}" for a in alerts[:3])
    assert all("\x00" not in asset.name for asset in operator.assets.list().items)


def test_nul_in_the_log_is_dropped_from_the_body_alike_on_both_databases(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """Only stored text: the alert counts, its body reads without NUL, its raw JSON is as sent."""
    (alert,) = unique_copies([samples[1]], 1)
    alert["full_log"] = "before\u0000after"
    assert operator.ingest_wazuh(ndjson([alert])).created == 1
    (report,) = by_ref(operator).values()
    assert report.body == "beforeafter"
    assert report.raw is not None and report.raw["full_log"] == "before\x00after"


def test_an_alert_timed_beyond_the_calendar_is_named_and_the_good_ones_kept(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    alerts = unique_copies(samples, 5, vary_source=True)
    alerts[2]["timestamp"] = "0001-01-01T00:00:00+01:00"
    alerts[3]["timestamp"] = "9999-12-31T23:59:59-01:00"
    alerts[4]["timestamp"] = "0001-01-01T00:10:00+00:00"  # its flood window starts before year 1
    result = operator.ingest_wazuh(ndjson(alerts))
    errors = {r.index: r.error for r in result.rejected}
    assert sorted(errors) == [2, 3]
    assert all(error.startswith("timestamp: ") for error in errors.values())
    assert result.created == 3


def test_viewers_may_not_ingest(
    client_for: Callable[..., VtocClient], samples: list[dict[str, Any]]
) -> None:
    with pytest.raises(Forbidden):
        client_for(Role.viewer).ingest_wazuh(samples[:1])
    with pytest.raises(AuthError):
        client_for(None).ingest_wazuh(samples[:1])


@pytest.fixture
def signed_app(settings: ServerSettings) -> Iterator[TestClient]:
    limited = settings.model_copy(
        update={
            "ingest_hmac_secret": SecretStr(SECRET),
            "ingest_max_batch": 50,
            "ingest_max_body_bytes": 64 * 1024,
        }
    )
    # Like the shared fixtures: no lifespan (the event hub is not needed here).
    app = create_app(limited)
    http = TestClient(app)
    yield http
    http.close()
    app.state.engine.dispose()


def signed(
    body: bytes, *, secret: str = SECRET, at: float | None = None, stamp: str | None = None
) -> dict[str, str]:
    stamp = stamp or str(int(at if at is not None else time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "X-Vtoc-Timestamp": stamp,
        "X-Vtoc-Signature": f"sha256={digest}",
        "Content-Type": "application/x-ndjson",
    }


def post(http: TestClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return http.post("/api/v1/ingest/wazuh", content=body, headers=headers)


def test_hmac_signed_alerts_are_accepted(
    signed_app: TestClient, samples: list[dict[str, Any]]
) -> None:
    body = ndjson(samples[:5])
    answer = post(signed_app, body, signed(body))
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] + answer.json()["updated"] == 5


@pytest.mark.parametrize(
    "case",
    [
        "wrong secret",
        "expired",
        "from the future",
        "missing signature",
        "tampered body",
        "signed never to expire",  # float("nan") is never outside any window
        "signed at infinity",
    ],
)
def test_bad_hmac_is_refused(
    signed_app: TestClient, samples: list[dict[str, Any]], case: str
) -> None:
    body = ndjson(samples[:1])
    headers = {
        "wrong secret": signed(body, secret="guess"),
        "expired": signed(body, at=time.time() - 310),
        "from the future": signed(body, at=time.time() + 310),
        "missing signature": {"X-Vtoc-Timestamp": str(int(time.time()))},
        "tampered body": signed(body),
        "signed never to expire": signed(body, stamp="nan"),
        "signed at infinity": signed(body, stamp="inf"),
    }[case]
    sent = body.replace(b"wazuh-manager-1", b"wazuh-manager-2") if case == "tampered body" else body
    answer = post(signed_app, sent, headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_signature_that_is_not_ascii_is_refused(
    signed_app: TestClient, samples: list[dict[str, Any]]
) -> None:
    body = ndjson(samples[:1])
    headers: dict[str, Any] = {**signed(body), "X-Vtoc-Signature": b"sha256=\xe9"}
    answer = post(signed_app, body, headers)
    assert answer.status_code == 401
    assert "X-Vtoc-Signature" in answer.json()["detail"]


def test_hmac_is_off_without_a_secret(app: Any, samples: list[dict[str, Any]]) -> None:
    body = ndjson(samples[:1])
    answer = post(TestClient(app), body, signed(body))
    assert answer.status_code == 401
    assert "VTOC_INGEST_HMAC_SECRET" in answer.json()["detail"]


def test_too_many_alerts_or_too_many_bytes_is_413(
    signed_app: TestClient, samples: list[dict[str, Any]]
) -> None:
    many = ndjson(unique_copies(samples, 51))
    assert len(many) < 64 * 1024
    answer = post(signed_app, many, signed(many))
    assert answer.status_code == 413
    assert "at most 50" in answer.json()["detail"]
    long_logs = unique_copies(samples, 40, vary_source=True)
    for alert in long_logs:
        alert["full_log"] = "x" * 4000
    huge = ndjson(long_logs)
    assert len(huge) > 64 * 1024
    assert post(signed_app, huge, signed(huge)).status_code == 413


def test_awkward_text_is_stored_exactly(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    bodies = [
        "\\N",
        'quote " comma , tab \t newline \n back \\ slash',
        "",
        "ünïcode ✓ 攻撃",
        "carriage \r return \\t not a tab",
    ]
    alerts = unique_copies([samples[1]], len(bodies), vary_source=True)
    for alert, body in zip(alerts, bodies, strict=True):
        alert["full_log"] = body
    assert operator.ingest_wazuh(alerts).created == len(bodies)
    stored = by_ref(operator).values()
    assert sorted(r.body for r in stored) == sorted(bodies)
    # the raw alert (JSON, whose escapes are backslashes too) comes back as it went in
    assert sorted(r.raw["full_log"] for r in stored if r.raw) == sorted(bodies)


def test_an_ingested_reports_created_event_has_the_apis_shape_and_values(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    """Subscribers read ``intel.created`` alike whichever way the report came in."""
    from vtoc import schemas as s

    typed = operator.intel.create(s.IntelCreate(title="Typed in"))
    operator.ingest_wazuh(ndjson(samples[:1]))
    created = {e.entity_id: e.data for e in operator.events.iterate(kind="intel.created")}
    ingested = next(r for r in by_ref(operator).values())
    assert created[ingested.id].keys() == created[typed.id].keys()
    stated = s.Intel.model_validate({**created[ingested.id], "raw": None})
    assert stated == ingested.model_copy(update={"raw": None})


def test_a_flood_grown_reports_updated_event_has_the_apis_shape_and_values(
    operator: VtocClient, samples: list[dict[str, Any]]
) -> None:
    from vtoc import schemas as s

    typed = operator.intel.create(s.IntelCreate(title="Typed in"))
    operator.intel.update(typed.id, s.IntelUpdate(severity=s.Severity.low))
    first, again = unique_copies([samples[1]], 2)
    operator.ingest_wazuh(ndjson([first]))
    assert operator.ingest_wazuh(ndjson([again])).updated == 1
    updated = {e.entity_id: e.data for e in operator.events.iterate(kind="intel.updated")}
    grown = operator.intel.list(source=["wazuh"]).items[0]
    assert updated[grown.id].keys() == updated[typed.id].keys()
    assert updated[grown.id]["changed"] == ["last_seen_at", "occurrences"]
    stated = s.Intel.model_validate({**updated[grown.id], "raw": None})
    assert stated == grown.model_copy(update={"raw": None})
    assert stated.occurrences == 2
