"""``/assets``: its rows, an asset's heartbeat and its track."""

from typing import Annotated, Any

from fastapi import Query, Response

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router, plain_json
from vtoc.server.api.deps import Operator, SessionDep, Viewer, committed, in_worker
from vtoc.server.services import deletes
from vtoc.server.services.assets import assets
from vtoc.server.services.positions import check_in
from vtoc.server.services.tracks import read_track

router = crud_router(
    assets,
    prefix="/assets",
    delete_role=s.Role.operator,
    delete=deletes.delete_asset,
    impact=deletes.asset_impact,
)


@router.post("/{ref}/heartbeat", response_model=s.Asset)
def heartbeat(
    ref: str,
    session: SessionDep,
    who: Operator,
    beat: s.Heartbeat | None = None,
) -> Any:
    """The asset checked in (optionally with its position); it is reachable again."""
    return committed(
        session, check_in(session, actor=who.name, ref=ref, beat=beat or s.Heartbeat())
    )


@router.get("/{ref}/track", response_model=s.Track)
async def track(
    ref: str, session: SessionDep, _: Viewer, query: Annotated[s.TrackQuery, Query()]
) -> Response:
    """The asset's fixes in time order, thinned on the server to ``max_points`` keeping
    the first, the last and the turning points."""
    return await in_worker(session, lambda: plain_json(read_track(session, ref=ref, query=query)))
