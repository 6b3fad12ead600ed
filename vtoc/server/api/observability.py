"""``/metrics``: Prometheus text, behind its own token (or an admin's when none is set)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from vtoc.schemas import Role
from vtoc.server import metrics
from vtoc.server.api.deps import SessionDep, bearer, get_principal
from vtoc.server.errors import AuthenticationError

router = APIRouter(tags=["observability"])


async def metrics_access(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """``VTOC_METRICS_TOKEN`` when set (so a scraper holds no API token), else an admin."""
    configured = request.app.state.settings.metrics_token
    if configured is None:
        (await get_principal(request, session, credentials)).require(Role.admin)
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), configured.get_secret_value().encode()):
        raise AuthenticationError("/metrics needs the metrics token (VTOC_METRICS_TOKEN)")


@router.get(
    "/metrics",
    dependencies=[Depends(metrics_access)],
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def scrape(session: SessionDep) -> Response:
    """Prometheus exposition: requests, latency, DB pool, events lag, ingest, agents, SSE."""
    body, content_type = metrics.exposition(session)
    return Response(body, media_type=content_type)
