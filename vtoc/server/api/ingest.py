"""Alert ingestion: a token or an HMAC signature, then the service does the rest."""

import time
from datetime import timedelta
from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.config import ServerSettings
from vtoc.server import metrics, scopes
from vtoc.server.api.deps import SessionDep, bearer, get_principal
from vtoc.server.auth import Principal, verify_hmac
from vtoc.server.services.ingest import IngestOptions, ingest_wazuh

router = APIRouter(prefix="/ingest", tags=["ingest"])

#: Two threads of their own per worker: batches of different fingerprints write side by side
#: (services/ingest.py), and a burst of deliveries never takes the threads that other
#: requests need (``VTOC_DB_THREADS``).
BATCHES = anyio.CapacityLimiter(2)


def options_from(settings: ServerSettings) -> IngestOptions:
    return IngestOptions(
        max_batch=settings.ingest_max_batch,
        window=timedelta(seconds=settings.wazuh_flood_window_seconds),
        fingerprints=settings.wazuh_fingerprints,
    )


def store(
    session: Session, who: Principal, body: bytes, content_type: str, options: IngestOptions
) -> s.IngestResult:
    scopes.unscoped_only(session, "ingest alerts: their reports belong to no operation")
    result = ingest_wazuh(
        session, actor=who.name, body=body, content_type=content_type, options=options
    )
    session.commit()
    metrics.ingest_counted(
        "wazuh",
        created=result.created,
        duplicates=result.duplicates,
        rejected=len(result.rejected),
        updated=result.updated,
    )
    return result


async def ingest_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_vtoc_timestamp: Annotated[str | None, Header()] = None,
    x_vtoc_signature: Annotated[str | None, Header()] = None,
) -> Principal:
    """Who delivers the alerts: an operator token, or (without one) an HMAC signature over
    the body with ``X-Vtoc-Timestamp`` and ``X-Vtoc-Signature``."""
    if credentials is None and (x_vtoc_signature or x_vtoc_timestamp):
        secret = request.app.state.settings.ingest_hmac_secret
        who = verify_hmac(
            secret.get_secret_value() if secret else None,
            timestamp=x_vtoc_timestamp,
            signature=x_vtoc_signature,
            body=await request.body(),
            now=time.time(),
        )
        request.state.principal = who
        request.app.state.limiter.take(f"hmac:{who.name}", kind="ingest")
        return who
    who = await get_principal(request, session, credentials)
    who.require(s.Role.operator)
    return who


@router.post("/wazuh", response_model=s.IngestResult)
async def wazuh(
    request: Request,
    session: SessionDep,
    who: Annotated[Principal, Depends(ingest_principal)],
) -> s.IngestResult:
    """Wazuh alerts: one object, a JSON array, or NDJSON (one alert a line).

    Deduplicated on the alert id and manager; floods of one fingerprint grow one report.
    Authenticate with an operator token, or sign with ``X-Vtoc-Timestamp`` and
    ``X-Vtoc-Signature: sha256=HEX(HMAC(secret, timestamp + "." + body))``.
    """
    body = await request.body()
    settings: ServerSettings = request.app.state.settings
    content_type = request.headers.get("content-type", "")
    work = partial(store, session, who, body, content_type, options_from(settings))
    return await anyio.to_thread.run_sync(work, limiter=BATCHES)
