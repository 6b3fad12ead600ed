"""``/missions``: its rows, and assigning assets to a mission."""

from typing import Any

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router
from vtoc.server.api.deps import Operator, PathId, SessionDep, committed
from vtoc.server.services.assets import assets
from vtoc.server.services.missions import missions

router = crud_router(
    missions,
    prefix="/missions",
    delete_role=s.Role.operator,
)


@router.put("/{ref}/assets/{asset_id}", response_model=s.Mission)
def assign_asset(ref: str, asset_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Assign an asset to the mission (no-op when it already is)."""
    assets.get(session, asset_id)
    return committed(
        session, missions.assign(session, actor=who.name, ref=ref, asset_id=asset_id, assigned=True)
    )


@router.delete("/{ref}/assets/{asset_id}", response_model=s.Mission)
def release_asset(ref: str, asset_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Take an asset off the mission."""
    return committed(
        session,
        missions.assign(session, actor=who.name, ref=ref, asset_id=asset_id, assigned=False),
    )
