"""Access logs, request ids, redaction and Prometheus metrics, on the real app."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from pythonjsonlogger import json as pythonjson

from vtoc.client import REQUEST_ID, NotFound, VtocClient
from vtoc.config import ServerSettings
from vtoc.schemas import Role, TokenCreate
from vtoc.server import access, logs, metrics
from vtoc.server.app import create_app


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, object]]]]:
    """Everything logged while the test runs, as the JSON lines production writes."""
    stream = io.StringIO()
    handler = logs.make_handler(stream, "json")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def read() -> list[dict[str, object]]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line]

    yield read
    root.removeHandler(handler)
    root.setLevel(old_level)


def access_lines(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in lines if line["logger"] == "vtoc.access"]


def test_request_id_is_generated_or_accepted_and_returned(admin: VtocClient) -> None:
    generated = admin.http.get("/api/v1/operations").headers["X-Request-ID"]
    assert len(generated) == 32
    given = admin.http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    hostile = admin.http.get("/healthz", headers={"X-Request-ID": "x\nforged log line"})
    assert hostile.headers["X-Request-ID"] != "x\nforged log line"


def test_access_log_line_names_request_actor_route_status_and_duration(
    client_for: Callable[..., VtocClient],
    make_token: Callable[..., str],
    log_lines: Callable[[], list[dict[str, object]]],
) -> None:
    client = client_for(token=make_token(Role.viewer, "night-shift"))
    REQUEST_ID.set("agent-run-42")
    try:
        with pytest.raises(NotFound):
            client.operations.get(987654)
    finally:
        REQUEST_ID.set(None)
    (line,) = access_lines(log_lines())
    assert line["request_id"] == "agent-run-42"
    assert line["actor"] == "night-shift"
    assert line["route"] == "/api/v1/operations/{ref}"
    assert line["path"] == "/api/v1/operations/987654"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and "time" in line


def test_client_sends_a_fresh_request_id_per_call(
    admin: VtocClient, log_lines: Callable[[], list[dict[str, object]]]
) -> None:
    admin.operations.list()
    admin.operations.list()
    ids = [line["request_id"] for line in access_lines(log_lines())]
    assert len(ids) == 2 and ids[0] != ids[1]


def test_secrets_never_reach_the_logs(
    admin: VtocClient,
    client_for: Callable[..., VtocClient],
    log_lines: Callable[[], list[dict[str, object]]],
) -> None:
    secret_token = admin.create_token(TokenCreate(name="leaky", role=Role.operator)).token
    leaky = client_for(token=secret_token)
    leaky.operations.list()
    leaky.http.get("/api/v1/operations", params={"token": secret_token})
    client_for(token="vtoc_notavalidtokenbutsecretlooking").http.get("/api/v1/operations")
    hmac_secret = "hmac-s3cr3t-value-0123456789"
    pg_password = "pg-pa55word-xyz"
    log = logging.getLogger("vtoc.test")
    log.warning("connecting to postgresql://vtoc:%s@db:5432/vtoc", pg_password)
    log.warning("ingest signature=%s secret=%s", "sha256=deadbeefcafe", hmac_secret)
    try:
        raise RuntimeError(f"Authorization: Bearer {secret_token}")
    except RuntimeError:
        log.exception("request failed")
    text = json.dumps(log_lines())
    assert access_lines(log_lines()), "the requests were logged"
    for secret in (secret_token, "notavalidtokenbutsecretlooking", hmac_secret, pg_password):
        assert secret not in text
    assert "deadbeefcafe" not in text
    assert "postgresql://vtoc:***@db:5432/vtoc" in text


def scrape(client: VtocClient | TestClient, token: str | None = None) -> dict[str, float]:
    http = client.http if isinstance(client, VtocClient) else client
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_metrics_count_requests_by_route_template(admin: VtocClient) -> None:
    key = "vtoc_http_requests_total{method=GET,route=/api/v1/operations/{ref},status=404}"
    before = scrape(admin).get(key, 0.0)
    for ref in (987651, 987652, 987653):
        admin.http.get(f"/api/v1/operations/{ref}")
    admin.http.get("/no/such/path/at/all")
    after = scrape(admin)
    assert after[key] == before + 3
    assert after["vtoc_http_requests_total{method=GET,route=<unmatched>,status=404}"] >= 1
    histogram = (
        "vtoc_http_request_duration_seconds_count{method=GET,route=/api/v1/operations/{ref}}"
    )
    assert after[histogram] >= 3
    assert after["vtoc_db_pool_checked_out{}"] >= 1  # the scrape itself holds one
    assert after["vtoc_db_pool_connections{}"] >= 1


def test_metrics_report_events_lag(admin: VtocClient) -> None:
    created = admin.operations.create(name="Lag check")
    samples = scrape(admin)
    assert samples["vtoc_events_last_id{}"] >= 1
    assert 0 <= samples["vtoc_events_lag_seconds{}"] < 60
    assert created.id


def test_metric_helpers_for_other_areas_show_up(admin: VtocClient) -> None:
    before = scrape(admin)
    metrics.ingest_counted("wazuh", created=5, duplicates=2, rejected=1)
    metrics.agent_run_finished("monitor", "succeeded", 0.3)
    with metrics.sse_subscriber():
        during = scrape(admin)
    after = scrape(admin)

    def delta(key: str) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("vtoc_ingest_alerts_total{outcome=created,source=wazuh}") == 5
    assert delta("vtoc_ingest_alerts_total{outcome=duplicate,source=wazuh}") == 2
    assert delta("vtoc_ingest_alerts_total{outcome=rejected,source=wazuh}") == 1
    assert delta("vtoc_agent_runs_total{agent=monitor,status=succeeded}") == 1
    assert delta("vtoc_agent_run_duration_seconds_count{agent=monitor}") == 1
    assert during["vtoc_sse_subscribers{}"] == before["vtoc_sse_subscribers{}"] + 1
    assert after["vtoc_sse_subscribers{}"] == before["vtoc_sse_subscribers{}"]


def test_metrics_need_an_admin_when_no_metrics_token_is_set(
    client_for: Callable[..., VtocClient],
) -> None:
    assert client_for(None).http.get("/metrics").status_code == 401
    assert client_for(Role.operator).http.get("/metrics").status_code == 403
    assert client_for(Role.admin).http.get("/metrics").status_code == 200


def test_metrics_token_opens_metrics_and_nothing_else(
    settings: ServerSettings, make_token: Callable[..., str]
) -> None:
    scraper = "prometheus-scrape-token-0123456789"
    app: FastAPI = create_app(settings.model_copy(update={"metrics_token": SecretStr(scraper)}))
    with TestClient(app) as http:
        assert any(key.startswith("vtoc_http_requests_total") for key in scrape(http, scraper))
        bearer = {"Authorization": f"Bearer {scraper}"}
        assert http.get("/api/v1/operations", headers=bearer).status_code == 401
        admin = {"Authorization": f"Bearer {make_token(Role.admin)}"}
        assert http.get("/metrics", headers=admin).status_code == 401
        assert http.get("/metrics").status_code == 401


def test_wazuh_ingest_is_counted_by_outcome(operator: VtocClient, admin: VtocClient) -> None:
    alerts = (Path(__file__).parent.parent / "ingest" / "wazuh-alerts.ndjson").read_bytes()
    lines = alerts.splitlines()[:20]
    before = scrape(admin)
    first = operator.ingest_wazuh(b"\n".join(lines))
    again = operator.ingest_wazuh(b"\n".join(lines[:5]) + b"\nnot json")
    after = scrape(admin)

    def delta(outcome: str) -> float:
        key = f"vtoc_ingest_alerts_total{{outcome={outcome},source=wazuh}}"
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("created") == first.created + again.created and first.created >= 1
    assert delta("duplicate") == first.duplicates + again.duplicates >= 5
    assert delta("rejected") == len(again.rejected) == 1
    assert delta("updated") == first.updated + again.updated


#: pieces of credentials the patterns know, and of texts they must leave alone
PIECES = [
    *("Bearer ", "BASIC ", "vtoc_abcdefgh12", "postgresql://u:", "p@h", "://"),
    *("PassWord=", "passwd: ", "Secret=", "token=", 'token": "', "Api-Key=", "apikey: "),
    *("SIGNATURE=", "token", "=", " ", '"', "/api/v1/tokens", "GET", "x1"),
    "\u017fecret=",  # long s: the regexes fold it to s
    "s\u0130gnature=",  # dotted capital I: lowercases to two characters
]


@example("Bearer abc")
@example("basic abc")
@example("vtoc_abcdefgh12")
@example("postgresql://u:pw@h")
@example("PassWord=x1")
@example("Secret=x1")
@example("token=x1")
@example("Api-Key=x1")
@example("api_key: x1")
@example("APIKEY=x1")
@example("SIGNATURE=x1")
@example("\u017fecret=x1")
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=8).map("".join))
def test_the_redactors_shortcut_masks_what_the_patterns_mask(text: str) -> None:
    """``redact`` skips its regexes for text without a clue; it must mask the same."""
    masked = text
    for pattern, replacement in logs._SECRETS:
        masked = pattern.sub(replacement, masked)
    assert logs.redact(text) == masked


EXTRAS = st.dictionaries(
    st.sampled_from(["request_id", "actor", "route", "status", "duration_ms", "_hidden", "n"]),
    st.none() | st.text(max_size=6) | st.integers() | st.floats(allow_nan=False),
    max_size=5,
)


@given(st.sampled_from(PIECES) | st.text(max_size=8), EXTRAS, st.floats(0, 2e9))
def test_the_json_formatters_own_lines_are_the_librarys(
    message: str, extras: dict[str, object], created: float
) -> None:
    """``logs.JsonFormatter`` writes a plain record itself: the same line python-json-logger
    writes, whatever the extras, and the record's secrets masked as on its general path."""
    ours = logs.make_formatter("json")
    library = pythonjson.JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        timestamp=False,
    )

    def record() -> logging.LogRecord:
        made = logging.getLogger("vtoc.access").makeRecord(
            "vtoc.access", logging.INFO, __file__, 1, "%s %s", (message, 7), None, extra=extras
        )
        made.created, made.msecs = created, (created - int(created)) * 1000
        logs.Redactor().filter(made)
        return made

    assert ours.format(record()) == library.format(record())


def test_an_access_record_is_the_one_make_record_makes() -> None:
    """``access.access_record`` builds on the fields every access line shares: the same
    fields, in the same order, with the same values as ``makeRecord``'s (but the clock's)."""
    extra = {"request_id": "r1", "actor": None, "method": "GET", "route": "/healthz"}
    clock = ("created", "msecs", "relativeCreated")

    def fields(record: logging.LogRecord) -> list[tuple[str, object]]:
        return [(k, v) for k, v in record.__dict__.items() if k not in clock]

    made = access._made(("GET", "/healthz", 200), dict(extra))
    built = access.access_record(("GET", "/healthz", 200), dict(extra))
    assert fields(built) == fields(made)
    assert [k for k in built.__dict__] == [k for k in made.__dict__]
    assert abs(built.created - made.created) < 5

    class Traced(logging.LogRecord):
        """A record factory of someone else's (tracing adds its ids this way)."""

    # someone else's record factory makes every record again
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(Traced)
    try:
        assert type(access.access_record(("GET", "/", 200), {})) is Traced
    finally:
        logging.setLogRecordFactory(previous)


@pytest.fixture
def served_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging set up as a server process sets it up (``logs.configure``), into a string."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    uvicorn = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = (
        root.handlers[:],
        root.level,
        [(u.handlers[:], u.propagate, u.disabled) for u in uvicorn],
    )
    logs.configure("json", "INFO")
    yield stream
    root.handlers[:], _, _ = saved
    root.setLevel(saved[1])
    for logger, (handlers, propagate, disabled) in zip(uvicorn, saved[2], strict=True):
        logger.handlers[:], logger.propagate, logger.disabled = handlers, propagate, disabled
    monkeypatch.setattr(logs, "_configured", None)


def test_an_access_line_written_straight_is_the_one_logging_writes(
    admin: VtocClient, served_logs: io.StringIO
) -> None:
    """A server writes its access lines straight to its handler (``logs.write_access``);
    with another handler on the way (a test's, a user's) they take ``logging``'s own path.
    Both write the same line, with the same secrets masked."""
    path = "/api/v1/operations/vtoc_l00ks-like-a-token"
    headers = {"X-Request-ID": "same-request"}

    def line() -> tuple[str, dict[str, object]]:
        assert admin.http.get(path, headers=headers).status_code == 404
        text = [t for t in served_logs.getvalue().splitlines() if "vtoc.access" in t][-1]
        return text, json.loads(text)

    root = logging.getLogger()
    others = [handler for handler in root.handlers if handler is not logs._configured]
    for handler in others:  # pytest's own, which would take the line the general way
        root.removeHandler(handler)
    try:
        straight_text, straight = line()
    finally:
        for handler in others:
            root.addHandler(handler)
    other = logging.NullHandler()
    logs.ACCESS.addHandler(other)
    try:
        general_text, general = line()
    finally:
        logs.ACCESS.removeHandler(other)
    # which way each took shows in the spacing: the library's encoder puts blanks after ':'
    assert '"level":"INFO"' in straight_text and '"level": "INFO"' in general_text
    assert "l00ks-like-a-token" not in straight_text + general_text
    for varying in ("time", "duration_ms"):
        assert type(straight.pop(varying)) is type(general.pop(varying))
    assert straight == general
    assert list(straight) == list(general)  # the same fields in the same order
    assert straight["path"] == "/api/v1/operations/vtoc_***"
