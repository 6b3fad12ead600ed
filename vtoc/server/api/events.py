"""``/events``: the event log, page by page or live (Server-Sent Events), and the tickets
browsers open the stream with."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import AfterValidator
from sse_starlette import EventSourceResponse, ServerSentEvent

from vtoc import schemas as s
from vtoc.server import events, metrics
from vtoc.server.api.deps import SessionDep, Viewer, bearer, committed
from vtoc.server.auth import Principal, authenticate
from vtoc.server.errors import InvalidError, UnavailableError
from vtoc.server.realtime.hub import Filter, Hub, Item
from vtoc.server.services import tickets

router = APIRouter(prefix="/events", tags=["events"])

#: how long a browser's EventSource waits before reconnecting, in milliseconds
RECONNECT_MS = 1000


@router.get("", response_model=s.Page[s.Event])
def list_events(session: SessionDep, _: Viewer, q: Annotated[s.EventQuery, Query()]) -> Any:
    """Events with ids above ``after`` (and below ``before``), oldest first; ``next_cursor``
    is the next ``after``. With ``order=desc`` newest first, ``next_cursor`` the next ``before``.
    """
    newest_first = q.order is s.EventOrder.desc
    page = events.list_before if newest_first else events.list_after
    rows = page(session, **q.model_dump(exclude={"order"}))
    more = str(rows[-1].id) if len(rows) == q.limit else None
    return {"items": rows, "next_cursor": more}


@router.post("/ticket", response_model=s.EventTicket)
def create_ticket(request: Request, session: SessionDep, who: Viewer) -> Any:
    """A single-use ticket, valid for a minute, for ``/events/stream?ticket=``."""
    ttl = timedelta(seconds=request.app.state.settings.event_ticket_seconds)
    return committed(session, tickets.issue(session, principal=who, ttl=ttl))


def stream_principal(request: Request, bearer_secret: str | None, ticket: str | None) -> Principal:
    """Authenticate on a short-lived session: a stream must not hold a pooled connection."""
    with request.app.state.sessions() as session:
        if ticket:
            principal = tickets.redeem(session, ticket)
        else:
            touch = timedelta(seconds=request.app.state.settings.token_touch_seconds)
            principal = authenticate(session, bearer_secret, touch_after=touch)
    principal.require(s.Role.viewer)
    return principal


def start_position(after: int | None, last_event_id: str | None) -> int | None:
    """``Last-Event-ID`` (a reconnecting EventSource) wins over ``?after=``."""
    if last_event_id is None or not last_event_id.strip():
        return after
    position = s.id_in_text(last_event_id.strip())
    if position is None:
        raise InvalidError("Last-Event-ID", "expected an event id such as 42")
    return position


async def counted(
    messages: AsyncIterator[ServerSentEvent | bytes],
) -> AsyncIterator[ServerSentEvent | bytes]:
    """The stream, counted in the SSE subscribers gauge while it is open: from its resume
    point on (the first message), when it follows the log and misses no later event."""
    first = await anext(messages)
    with metrics.sse_subscriber():
        yield first
        async for message in messages:
            yield message


def encode(message: Item | int) -> ServerSentEvent | bytes:
    if isinstance(message, int):
        # An id with no data: EventSource and our client remember it as the resume point,
        # but dispatch nothing. Sent first, so "from now" survives a reconnect too.
        return ServerSentEvent(id=str(message), retry=RECONNECT_MS)
    return message.frame


#: a filter PostgreSQL can compare with: NUL is a 422, as on ``/events`` (the stream was cut)
FilterText = Annotated[str, AfterValidator(s.storable)]


@router.get(
    "/stream",
    summary="Follow the event log live (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def stream(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    after: Annotated[
        int | None,
        Query(ge=0, le=s.MAX_ROW_ID, description="resume after this id (default: from now)"),
    ] = None,
    kind: Annotated[
        list[FilterText] | None, Query(description="kind prefixes, e.g. 'intel.'")
    ] = None,
    entity: FilterText | None = None,
    operation_id: Annotated[int | None, Query(ge=1, le=s.MAX_ROW_ID)] = None,
    ticket: Annotated[str | None, Query(description="from POST /events/ticket")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Each event's log id is the SSE ``id``, its kind the ``event``, the Event JSON the data.

    Reconnect with ``Last-Event-ID`` (or ``?after=``) to get every event missed since, then
    live ones. Auth: a bearer token, or ``?ticket=`` for browsers. Viewer role.
    """
    secret = credentials.credentials if credentials else None
    request.state.principal = await run_in_threadpool(stream_principal, request, secret, ticket)
    position = start_position(after, last_event_id)
    hub: Hub = request.app.state.hub
    if not hub.running:
        raise UnavailableError("the event stream is not running on this server")
    wanted = Filter(
        kinds=tuple(kind or ()),
        entity=entity,
        operation_id=operation_id,
        operations=request.state.principal.operations,
    )
    messages = counted(encode(m) async for m in hub.subscribe(position, wanted))
    return EventSourceResponse(messages, ping=request.app.state.settings.sse_heartbeat_seconds)
