"""The one HTTP client of vTOC: the CLI, TUI, agents and tests all talk to the server here.

``VtocClient`` (sync) and ``AsyncVtocClient`` share every request description (``Call``);
each only sends them. Idempotent calls are retried with backoff when the server cannot be
reached; creates carry a generated ``Idempotency-Key`` so that a retry never makes a twin.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import orjson
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse, connect_sse
from pydantic import BaseModel, TypeAdapter

from vtoc import schemas as s

T = TypeVar("T")
Out = TypeVar("Out", bound=BaseModel)


# Errors -----------------------------------------------------------------------------------


class VtocError(Exception):
    """A request failed; ``problem`` holds the server's RFC 9457 answer when there was one."""

    status: int | None = None

    def __init__(self, message: str, *, problem: s.Problem | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem

    @property
    def errors(self) -> list[s.FieldError]:
        return self.problem.errors if self.problem else []


class AuthError(VtocError):
    """401: no token, or one the server does not accept."""

    status = 401


class Forbidden(VtocError):
    """403: the token's role is too low for this."""

    status = 403


class NotFound(VtocError):
    status = 404


class Conflict(VtocError):
    """409: a duplicate, or an idempotency key reused with another body."""

    status = 409


class PreconditionFailed(Conflict):
    """412: someone changed the row since you read it (stale ``If-Match``)."""

    status = 412


class PayloadTooLarge(VtocError):
    status = 413


class ValidationFailed(VtocError):
    """422: the server named the fields that were wrong in ``errors``."""

    status = 422


class Unavailable(VtocError):
    """The server could not be reached, or said it is not ready (503)."""

    status = 503


_BY_STATUS: dict[int, type[VtocError]] = {
    cls.status: cls  # type: ignore[misc]
    for cls in (
        AuthError,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        ValidationFailed,
        Unavailable,
    )
}


def error_for(response: httpx.Response) -> VtocError:
    problem: s.Problem | None = None
    with contextlib.suppress(ValueError):
        problem = s.Problem.model_validate(response.json())
    message = (problem.detail or problem.title) if problem else response.text[:200]
    cls = _BY_STATUS.get(response.status_code, VtocError)
    error = cls(message or f"HTTP {response.status_code}", problem=problem)
    error.status = response.status_code
    return error


# Requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its answer; sent by either client."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: a raw body (NDJSON) sent instead of ``json``
    content: bytes | None = None
    #: safe to send again after a failure mid-flight (reads, keyed creates, versioned edits)
    idempotent: bool = True


# Answers are validated from their bytes: pydantic parses JSON in Rust, where
# ``response.json()`` and then validating the dicts took four times as long (a TUI paging in
# hundreds of new reports a second during a flood spent most of its time there).


def model(cls: type[Out]) -> Callable[[httpx.Response], Out]:
    return lambda r: cls.model_validate_json(r.content)


def page_of(cls: type[Out]) -> Callable[[httpx.Response], s.Page[Out]]:
    adapter = TypeAdapter(s.Page[cls])  # type: ignore[valid-type]
    return lambda r: adapter.validate_json(r.content)  # type: ignore[no-any-return]


def nothing(_: httpx.Response) -> None:
    return None


def params_of(filters: dict[str, Any]) -> dict[str, Any]:
    """Query parameters with Nones dropped and enums/dates as the server spells them."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None or value == []:
            continue
        if isinstance(value, list | tuple):
            out[key] = [v.value if isinstance(v, Enum) else str(v) for v in value]
        elif isinstance(value, Enum):
            out[key] = value.value
        elif isinstance(value, bool):
            out[key] = str(value).lower()
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def body_of(data: BaseModel | dict[str, Any] | None, fields: dict[str, Any]) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    return {**(data or {}), **fields}


@dataclass(frozen=True)
class Endpoint(Generic[Out]):
    """A REST resource: its path and the model its rows are read into."""

    path: str
    out: type[Out]

    def at(self, ref: int | str, *more: str) -> str:
        """The path of one row (and below it), its id or name percent-encoded: a name such as
        "3#spare" must not reach the server as row 3."""
        return "/".join([self.path, quote(str(ref), safe=""), *more])

    def list(self, filters: dict[str, Any]) -> Call[s.Page[Out]]:
        return Call("GET", self.path, page_of(self.out), params=params_of(filters))

    def get(self, ref: int | str) -> Call[Out]:
        return Call("GET", self.at(ref), model(self.out))

    def create(self, body: Any, key: str | None = None) -> Call[Out]:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return Call("POST", self.path, model(self.out), json=body, headers=headers)

    def update(self, ref: int | str, body: Any, version: int | None) -> Call[Out]:
        headers = {"If-Match": f'"{version}"'} if version is not None else {}
        return Call(
            "PATCH",
            self.at(ref),
            model(self.out),
            json=body,
            headers=headers,
            idempotent=version is not None,
        )

    def delete(self, ref: int | str) -> Call[None]:
        return Call("DELETE", self.at(ref), nothing)

    def delete_impact(self, ref: int | str) -> Call[s.DeleteImpact]:
        return Call("GET", self.at(ref, "delete-impact"), model(s.DeleteImpact))

    def action(self, method: str, ref: int | str, *more: str, body: Any = None) -> Call[Out]:
        return Call(method, self.at(ref, *more), model(self.out), json=body)


OPERATIONS = Endpoint("/api/v1/operations", s.Operation)
MISSIONS = Endpoint("/api/v1/missions", s.Mission)
ASSETS = Endpoint("/api/v1/assets", s.Asset)
INTEL = Endpoint("/api/v1/intel", s.Intel)
TASKS = Endpoint("/api/v1/tasks", s.Task)
AGENTS = Endpoint("/api/v1/agents", s.Agent)
TOKENS = Endpoint("/api/v1/tokens", s.Token)
EVENTS = Endpoint("/api/v1/events", s.Event)


def whoami_call() -> Call[s.WhoAmI]:
    return Call("GET", "/api/v1/whoami", model(s.WhoAmI))


def token_create_call(data: s.TokenCreate) -> Call[s.TokenCreated]:
    # Never resent after the request left: a lost answer would lose the only copy of the secret.
    return Call(
        "POST",
        TOKENS.path,
        model(s.TokenCreated),
        json=data.model_dump(mode="json"),
        idempotent=False,
    )


def dashboard_call() -> Call[s.Dashboard]:
    return Call("GET", "/api/v1/dashboard", model(s.Dashboard))


def agent_runs_call(ref: int | str, limit: int, cursor: str | None) -> Call[s.Page[s.AgentRun]]:
    return Call(
        "GET",
        AGENTS.at(ref, "runs"),
        page_of(s.AgentRun),
        params=params_of({"limit": limit, "cursor": cursor}),
    )


def event_ticket_call() -> Call[s.EventTicket]:
    return Call("POST", f"{EVENTS.path}/ticket", model(s.EventTicket), idempotent=False)


# Agent runtime: leases, runs, task claims, correlations ------------------------------------

CORRELATIONS_PATH = "/api/v1/correlations"


def lease_call(agent: int | str, data: s.LeaseRequest, *, renew: bool = False) -> Call[s.Agent]:
    # Not resent on a lost answer: a second grant attempt would only see its own lease (409).
    return Call(
        "PUT" if renew else "POST",
        AGENTS.at(agent, "lease"),
        model(s.Agent),
        json=data.model_dump(mode="json"),
        idempotent=renew,
    )


def report_run_call(agent: int | str, data: s.RunReport) -> Call[s.AgentRun]:
    return Call(
        "POST",
        AGENTS.at(agent, "runs"),
        model(s.AgentRun),
        json=data.model_dump(mode="json", exclude_none=True),
        idempotent=False,
    )


def claim_tasks_call(data: s.TaskClaim) -> Call[list[s.Task]]:
    adapter = TypeAdapter(list[s.Task])
    return Call(
        "POST",
        f"{TASKS.path}/claim",
        lambda r: adapter.validate_json(r.content),
        json=data.model_dump(mode="json"),
        idempotent=False,
    )


def task_outcome_call(task: int, data: s.TaskOutcome) -> Call[s.Task]:
    return Call(
        "POST",
        TASKS.at(task, "outcome"),
        model(s.Task),
        json=data.model_dump(mode="json"),
        idempotent=False,
    )


def correlation_run_call(data: s.CorrelationRun) -> Call[s.CorrelationRunResult]:
    return Call(
        "POST",
        f"{CORRELATIONS_PATH}/run",
        model(s.CorrelationRunResult),
        json=data.model_dump(mode="json"),
    )


def correlation_escalate_call(correlation: int) -> Call[s.Intel]:
    """Safe to resend: a cluster that has its summary returns it and changes nothing."""
    return Call("POST", f"{CORRELATIONS_PATH}/{correlation}/escalate", model(s.Intel))


def correlations_call(limit: int, cursor: str | None) -> Call[s.Page[s.Correlation]]:
    return Call(
        "GET",
        CORRELATIONS_PATH,
        page_of(s.Correlation),
        params=params_of({"limit": limit, "cursor": cursor}),
    )


def correlation_call(correlation: int) -> Call[s.Correlation]:
    return Call("GET", f"{CORRELATIONS_PATH}/{correlation}", model(s.Correlation))


def correlated_call(report: int) -> Call[s.Correlated]:
    return Call("GET", INTEL.at(report, "correlated"), model(s.Correlated))


def ingest_wazuh_call(alerts: bytes | Sequence[dict[str, Any]]) -> Call[s.IngestResult]:
    """Alerts as NDJSON (``bytes``, e.g. lines of alerts.json) or as decoded objects.

    Safe to resend: the server deduplicates on the alert id, so no Idempotency-Key.
    """
    if isinstance(alerts, bytes):
        return Call(
            "POST",
            "/api/v1/ingest/wazuh",
            model(s.IngestResult),
            content=alerts,
            headers={"Content-Type": "application/x-ndjson"},
        )
    return Call("POST", "/api/v1/ingest/wazuh", model(s.IngestResult), json=list(alerts))


POSITIONS_PATH = "/api/v1/positions"


def positions_call(
    fixes: Sequence[s.FixIn | dict[str, Any]], *, create_assets: bool = False
) -> Call[s.PositionResult]:
    """Safe to resend: the server deduplicates on (asset, time, source)."""
    body = [
        f.model_dump(mode="json", exclude_none=True) if isinstance(f, BaseModel) else f
        for f in fixes
    ]
    return Call(
        "POST",
        POSITIONS_PATH,
        model(s.PositionResult),
        params={"create_assets": "true"} if create_assets else None,
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json"},
    )


def track_call(asset: int | str, query: s.TrackQuery) -> Call[s.Track]:
    return Call(
        "GET",
        ASSETS.at(asset, "track"),
        model(s.Track),
        params=params_of(query.model_dump(exclude_unset=True)),
    )


# Transport --------------------------------------------------------------------------------

#: Set it (``REQUEST_ID.set(...)``) to pass on the id of the work being done, e.g. an agent
#: run; otherwise every call gets a fresh one. Retries of a call keep its id.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "vtoc_request_id", default=None
)


def with_request_id(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "X-Request-ID": REQUEST_ID.get() or uuid.uuid4().hex}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 3.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2**attempt))


def should_retry(call: Call[Any], exc: Exception) -> bool:
    """A refused connection sent nothing: always safe. Anything later only if idempotent."""
    if isinstance(exc, httpx.ConnectError):
        return True
    if isinstance(exc, httpx.TransportError):
        return call.idempotent
    return isinstance(exc, Unavailable) and call.idempotent


def finish(call: Call[T], response: httpx.Response) -> T:
    if response.status_code >= 400:
        raise error_for(response)
    return call.parse(response)


def unreachable(base_url: str, exc: Exception) -> Unavailable:
    reason = str(exc) or type(exc).__name__
    return Unavailable(f"cannot reach the vTOC server at {base_url}: {reason}")


def auth_headers(token: str | None) -> dict[str, str]:
    headers = {"User-Agent": "vtoc-client", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


# Event stream -----------------------------------------------------------------------------

STREAM_PATH = f"{EVENTS.path}/stream"
#: a stream outlives short outages: about 40 s of failed reconnects before giving up
STREAM_RETRY = RetryPolicy(attempts=12, base_delay=0.2, max_delay=5.0)
#: the server sends a heartbeat every 15 s; this many seconds of silence mean a dead link
STREAM_READ_TIMEOUT = 60.0
#: answers after which reconnecting may help; any other error status is final
RETRYABLE_STATUS = frozenset({502, 503, 504})


class StreamCursor:
    """Where an event stream is and how to reopen it there after a lost connection.

    Shared by the sync and async clients, which only differ in how they wait and read.
    """

    def __init__(self, base_url: str, after: int | None, filters: dict[str, Any]) -> None:
        self.base_url = base_url
        self.after = after
        self.filters = params_of(filters)
        self.failures = 0

    def params(self) -> dict[str, Any]:
        return {**self.filters, **({"after": self.after} if self.after is not None else {})}

    def opened(self, response: httpx.Response) -> None:
        """Raise for an answer that is not a stream (its body read); reset the backoff."""
        if response.status_code >= 400:
            raise error_for(response)
        self.failures = 0

    def read(self, sse: ServerSentEvent) -> s.Event | None:
        """The event in ``sse``, or None for the server's id-only resume point."""
        if sse.id:
            self.after = int(sse.id)
        return s.Event.model_validate_json(sse.data) if sse.data else None

    def retry_delay(self, exc: Exception) -> float:
        """Seconds to wait before reconnecting, or raise when it is hopeless."""
        retryable = isinstance(exc, httpx.TransportError) or (
            isinstance(exc, VtocError) and exc.status in RETRYABLE_STATUS
        )
        self.failures += 1
        if not retryable or self.failures >= STREAM_RETRY.attempts:
            if isinstance(exc, VtocError):
                raise exc
            raise unreachable(self.base_url, exc) from exc
        return STREAM_RETRY.delay(self.failures - 1)


def stream_filters(
    kinds: list[str] | None, entity: str | None, operation_id: int | None
) -> dict[str, Any]:
    return {"kind": kinds or [], "entity": entity, "operation_id": operation_id}


def stream_timeout(http: httpx.Client | httpx.AsyncClient) -> httpx.Timeout:
    return httpx.Timeout(http.timeout.connect, read=STREAM_READ_TIMEOUT)


class VtocClient:
    """Blocking client for scripts and the CLI."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        token: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = http or httpx.Client(base_url=self.base_url, timeout=timeout)
        self.http.headers.update(auth_headers(token))
        self.operations = SyncResource(self, OPERATIONS)
        self.missions = SyncResource(self, MISSIONS)
        self.assets = SyncResource(self, ASSETS)
        self.intel = SyncResource(self, INTEL)
        self.tasks = SyncResource(self, TASKS)
        self.agents = SyncResource(self, AGENTS)
        self.tokens = SyncResource(self, TOKENS)
        self.events = SyncResource(self, EVENTS)

    def send(self, call: Call[T]) -> T:
        headers = with_request_id(call.headers)
        for attempt in range(self.retry.attempts):
            try:
                response = self.http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    content=call.content,
                    headers=headers,
                )
                if response.status_code == 503:
                    raise error_for(response)
                return finish(call, response)
            except (httpx.TransportError, Unavailable) as exc:
                if attempt + 1 >= self.retry.attempts or not should_retry(call, exc):
                    if isinstance(exc, VtocError):
                        raise
                    raise unreachable(self.base_url, exc) from exc
                time.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    def whoami(self) -> s.WhoAmI:
        return self.send(whoami_call())

    def create_token(self, data: s.TokenCreate) -> s.TokenCreated:
        return self.send(token_create_call(data))

    def revoke_token(self, ref: int | str) -> s.Token:
        return self.send(Call("DELETE", TOKENS.at(ref), model(s.Token)))

    def assign_asset(
        self, mission: int | str, asset_id: int, *, assigned: bool = True
    ) -> s.Mission:
        return self.send(
            MISSIONS.action("PUT" if assigned else "DELETE", mission, "assets", str(asset_id))
        )

    def heartbeat(self, asset: int | str, beat: s.Heartbeat | None = None) -> s.Asset:
        body = (beat or s.Heartbeat()).model_dump(mode="json", exclude_none=True)
        return self.send(ASSETS.action("POST", asset, "heartbeat", body=body))

    def ingest_wazuh(self, alerts: bytes | Sequence[dict[str, Any]]) -> s.IngestResult:
        return self.send(ingest_wazuh_call(alerts))

    def post_positions(
        self, fixes: Sequence[s.FixIn | dict[str, Any]], *, create_assets: bool = False
    ) -> s.PositionResult:
        return self.send(positions_call(fixes, create_assets=create_assets))

    def track(self, asset: int | str, query: s.TrackQuery | None = None) -> s.Track:
        return self.send(track_call(asset, query or s.TrackQuery()))

    def trigger_agent(self, agent: int | str) -> s.Agent:
        return self.send(AGENTS.action("POST", agent, "trigger"))

    def agent_runs(
        self, agent: int | str, *, limit: int = 50, cursor: str | None = None
    ) -> s.Page[s.AgentRun]:
        return self.send(agent_runs_call(agent, limit, cursor))

    def dashboard(self) -> s.Dashboard:
        return self.send(dashboard_call())

    def correlations(self, *, limit: int = 50, cursor: str | None = None) -> s.Page[s.Correlation]:
        return self.send(correlations_call(limit, cursor))

    def correlation(self, correlation: int) -> s.Correlation:
        return self.send(correlation_call(correlation))

    def correlated(self, report: int) -> s.Correlated:
        return self.send(correlated_call(report))

    def correlation_escalate(self, correlation: int) -> s.Intel:
        return self.send(correlation_escalate_call(correlation))

    def event_ticket(self) -> s.EventTicket:
        return self.send(event_ticket_call())

    def stream_events(
        self,
        *,
        after: int | None = None,
        kinds: list[str] | None = None,
        entity: str | None = None,
        operation_id: int | None = None,
    ) -> Iterator[s.Event]:
        """Events after ``after`` (default: from now), live, forever; see ``AsyncVtocClient``."""
        cursor = StreamCursor(self.base_url, after, stream_filters(kinds, entity, operation_id))
        while True:
            try:
                with connect_sse(
                    self.http,
                    "GET",
                    STREAM_PATH,
                    params=cursor.params(),
                    timeout=stream_timeout(self.http),
                ) as source:
                    if source.response.is_error:
                        source.response.read()
                    cursor.opened(source.response)
                    for sse in source.iter_sse():
                        if (event := cursor.read(sse)) is not None:
                            yield event
                raise httpx.RemoteProtocolError("the server ended the event stream")
            except (httpx.TransportError, VtocError) as exc:
                time.sleep(cursor.retry_delay(exc))
            except SSEError as exc:
                raise VtocError(f"not an event stream: {exc}") from exc

    def ready(self) -> bool:
        try:
            return self.http.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> VtocClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncVtocClient:
    """Non-blocking client for the TUI and the agents."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        token: str | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = http or httpx.AsyncClient(base_url=self.base_url, timeout=timeout)
        self.http.headers.update(auth_headers(token))
        self.operations = AsyncResource(self, OPERATIONS)
        self.missions = AsyncResource(self, MISSIONS)
        self.assets = AsyncResource(self, ASSETS)
        self.intel = AsyncResource(self, INTEL)
        self.tasks = AsyncResource(self, TASKS)
        self.agents = AsyncResource(self, AGENTS)
        self.tokens = AsyncResource(self, TOKENS)
        self.events = AsyncResource(self, EVENTS)

    async def send(self, call: Call[T]) -> T:
        headers = with_request_id(call.headers)
        for attempt in range(self.retry.attempts):
            try:
                response = await self.http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    content=call.content,
                    headers=headers,
                )
                if response.status_code == 503:
                    raise error_for(response)
                return finish(call, response)
            except (httpx.TransportError, Unavailable) as exc:
                if attempt + 1 >= self.retry.attempts or not should_retry(call, exc):
                    if isinstance(exc, VtocError):
                        raise
                    raise unreachable(self.base_url, exc) from exc
                await asyncio.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    async def whoami(self) -> s.WhoAmI:
        return await self.send(whoami_call())

    async def create_token(self, data: s.TokenCreate) -> s.TokenCreated:
        return await self.send(token_create_call(data))

    async def assign_asset(
        self, mission: int | str, asset_id: int, *, assigned: bool = True
    ) -> s.Mission:
        method = "PUT" if assigned else "DELETE"
        return await self.send(MISSIONS.action(method, mission, "assets", str(asset_id)))

    async def heartbeat(self, asset: int | str, beat: s.Heartbeat | None = None) -> s.Asset:
        body = (beat or s.Heartbeat()).model_dump(mode="json", exclude_none=True)
        return await self.send(ASSETS.action("POST", asset, "heartbeat", body=body))

    async def ingest_wazuh(self, alerts: bytes | Sequence[dict[str, Any]]) -> s.IngestResult:
        return await self.send(ingest_wazuh_call(alerts))

    async def post_positions(
        self, fixes: Sequence[s.FixIn | dict[str, Any]], *, create_assets: bool = False
    ) -> s.PositionResult:
        return await self.send(positions_call(fixes, create_assets=create_assets))

    async def track(self, asset: int | str, query: s.TrackQuery | None = None) -> s.Track:
        return await self.send(track_call(asset, query or s.TrackQuery()))

    async def trigger_agent(self, agent: int | str) -> s.Agent:
        return await self.send(AGENTS.action("POST", agent, "trigger"))

    async def agent_runs(
        self, agent: int | str, *, limit: int = 50, cursor: str | None = None
    ) -> s.Page[s.AgentRun]:
        return await self.send(agent_runs_call(agent, limit, cursor))

    async def dashboard(self) -> s.Dashboard:
        return await self.send(dashboard_call())

    async def lease(
        self, agent: int | str, data: s.LeaseRequest, *, renew: bool = False
    ) -> s.Agent:
        return await self.send(lease_call(agent, data, renew=renew))

    async def report_run(self, agent: int | str, data: s.RunReport) -> s.AgentRun:
        return await self.send(report_run_call(agent, data))

    async def claim_tasks(self, data: s.TaskClaim) -> list[s.Task]:
        return await self.send(claim_tasks_call(data))

    async def task_outcome(self, task: int, data: s.TaskOutcome) -> s.Task:
        return await self.send(task_outcome_call(task, data))

    async def correlation_run(self, data: s.CorrelationRun) -> s.CorrelationRunResult:
        return await self.send(correlation_run_call(data))

    async def correlation_escalate(self, correlation: int) -> s.Intel:
        return await self.send(correlation_escalate_call(correlation))

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async def event_ticket(self) -> s.EventTicket:
        """A one-time pass for ``/events/stream?ticket=``, for clients that cannot send headers."""
        return await self.send(event_ticket_call())

    async def stream_events(
        self,
        *,
        after: int | None = None,
        kinds: list[str] | None = None,
        entity: str | None = None,
        operation_id: int | None = None,
    ) -> AsyncIterator[s.Event]:
        """Events after ``after`` (default: from now), then live ones, forever.

        ``kinds`` are kind prefixes (any matches). A lost connection is reopened with backoff
        from the last id seen, so nothing is missed or repeated; after about 40 s of failures
        it raises ``Unavailable``. A 401/403 raises at once.
        """
        cursor = StreamCursor(self.base_url, after, stream_filters(kinds, entity, operation_id))
        while True:
            try:
                async with aconnect_sse(
                    self.http,
                    "GET",
                    STREAM_PATH,
                    params=cursor.params(),
                    timeout=stream_timeout(self.http),
                ) as source:
                    if source.response.is_error:
                        await source.response.aread()
                    cursor.opened(source.response)
                    async for sse in source.aiter_sse():
                        if (event := cursor.read(sse)) is not None:
                            yield event
                raise httpx.RemoteProtocolError("the server ended the event stream")
            except (httpx.TransportError, VtocError) as exc:
                await asyncio.sleep(cursor.retry_delay(exc))
            except SSEError as exc:
                raise VtocError(f"not an event stream: {exc}") from exc

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncVtocClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


def next_key(endpoint: Endpoint[Any], filters: dict[str, Any]) -> str:
    """Events page by ``after`` (or ``before``, newest first); every other list by ``cursor``."""
    if endpoint is not EVENTS:
        return "cursor"
    return "before" if filters.get("order") == s.EventOrder.desc else "after"


class SyncResource(Generic[Out]):
    def __init__(self, client: VtocClient, endpoint: Endpoint[Out]) -> None:
        self.client, self.endpoint = client, endpoint

    def list(self, **filters: Any) -> s.Page[Out]:
        return self.client.send(self.endpoint.list(filters))

    def iterate(self, **filters: Any) -> Iterator[Out]:
        """Every matching row, following cursors page by page."""
        while True:
            page = self.list(**filters)
            yield from page.items
            if not page.next_cursor:
                return
            filters = {**filters, next_key(self.endpoint, filters): page.next_cursor}

    def get(self, ref: int | str) -> Out:
        return self.client.send(self.endpoint.get(ref))

    def create(self, data: BaseModel | dict[str, Any] | None = None, **fields: Any) -> Out:
        return self.client.send(self.endpoint.create(body_of(data, fields)))

    def update(
        self,
        ref: int | str,
        data: BaseModel | dict[str, Any] | None = None,
        *,
        version: int | None = None,
        **fields: Any,
    ) -> Out:
        return self.client.send(self.endpoint.update(ref, body_of(data, fields), version))

    def delete(self, ref: int | str) -> None:
        self.client.send(self.endpoint.delete(ref))

    def delete_impact(self, ref: int | str) -> s.DeleteImpact:
        """What deleting the row would take with it: ask before, say so in the confirmation."""
        return self.client.send(self.endpoint.delete_impact(ref))


class AsyncResource(Generic[Out]):
    def __init__(self, client: AsyncVtocClient, endpoint: Endpoint[Out]) -> None:
        self.client, self.endpoint = client, endpoint

    async def list(self, **filters: Any) -> s.Page[Out]:
        return await self.client.send(self.endpoint.list(filters))

    async def iterate(self, **filters: Any) -> AsyncIterator[Out]:
        while True:
            page = await self.list(**filters)
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            filters = {**filters, next_key(self.endpoint, filters): page.next_cursor}

    async def get(self, ref: int | str) -> Out:
        return await self.client.send(self.endpoint.get(ref))

    async def create(self, data: BaseModel | dict[str, Any] | None = None, **fields: Any) -> Out:
        return await self.client.send(self.endpoint.create(body_of(data, fields)))

    async def update(
        self,
        ref: int | str,
        data: BaseModel | dict[str, Any] | None = None,
        *,
        version: int | None = None,
        **fields: Any,
    ) -> Out:
        return await self.client.send(self.endpoint.update(ref, body_of(data, fields), version))

    async def delete(self, ref: int | str) -> None:
        await self.client.send(self.endpoint.delete(ref))

    async def delete_impact(self, ref: int | str) -> s.DeleteImpact:
        return await self.client.send(self.endpoint.delete_impact(ref))
