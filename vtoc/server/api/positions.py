"""``/positions``: fixes in, in batches from feeds and gateways; ``/tracks``: many assets'
recent tracks out at once (one asset's: ``/assets``)."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.config import ServerSettings
from vtoc.server import scopes
from vtoc.server.api.crud import plain_json
from vtoc.server.api.deps import Operator, SessionDep, Viewer, committed, in_worker
from vtoc.server.services.positions import store_positions
from vtoc.server.services.tracks import read_tracks

router = APIRouter()

FIXES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/FixIn"}}
            }
        },
    }
}


def store(
    session: Session, actor: str, body: bytes, create_assets: bool, max_batch: int
) -> s.PositionResult:
    if create_assets:
        scopes.unscoped_only(session, "create assets")
    return committed(
        session,
        store_positions(
            session, actor=actor, body=body, create_assets=create_assets, max_batch=max_batch
        ),
    )


@router.post(
    "/positions", response_model=s.PositionResult, tags=["positions"], openapi_extra=FIXES_BODY
)
async def post_positions(
    request: Request, session: SessionDep, who: Operator, create_assets: bool = False
) -> s.PositionResult:
    """A batch of fixes: ``[{asset, at, lat, lon, alt?, course?, speed?, accuracy?,
    source?}]``, the asset by id (a number) or name (a string).

    Each bad fix is named in ``rejected`` by its index; the good ones are stored. A fix
    already stored (same asset, time and source) counts as a duplicate: a retry is safe.
    ``create_assets=true`` registers assets named for the first time.
    """
    body = await request.body()
    settings: ServerSettings = request.app.state.settings
    work = partial(store, session, who.name, body, create_assets, settings.positions_max_batch)
    result = await in_worker(session, work)
    request.app.state.track_keeper.moves_waiting()
    return result


@router.get("/tracks", response_model=s.Tracks, tags=["positions"])
async def tracks(
    session: SessionDep, _: Viewer, query: Annotated[s.TracksQuery, Query()]
) -> Response:
    """The recent tracks (default: the last 30 minutes) of every asset with a fix in the
    range, or of the ``asset`` ids given, each thinned on the server to ``max_points``
    keeping its shape: a map's trails in one request. A token limited to operations gets
    its assets' tracks only."""
    return await in_worker(session, lambda: plain_json(read_tracks(session, query)))
