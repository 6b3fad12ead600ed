"""The routers of operations, missions, assets, intelligence and tasks."""

from typing import Any

from fastapi import APIRouter

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router
from vtoc.server.api.deps import Operator, PathId, SessionDep
from vtoc.server.services.assets import assets
from vtoc.server.services.intel import intel
from vtoc.server.services.missions import missions
from vtoc.server.services.operations import operations
from vtoc.server.services.positions import check_in
from vtoc.server.services.tasks import tasks

operations_router = crud_router(
    operations, create=s.OperationCreate, update=s.OperationUpdate, query=s.OperationQuery
)

missions_router = crud_router(
    missions,
    create=s.MissionCreate,
    update=s.MissionUpdate,
    query=s.MissionQuery,
    delete_role=s.Role.operator,
)


@missions_router.put("/{ref}/assets/{asset_id}", response_model=s.Mission, tags=["missions"])
def assign_asset(ref: str, asset_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Assign an asset to the mission (no-op when it already is)."""
    assets.get(session, asset_id)
    row = missions.assign(session, actor=who.name, ref=ref, asset_id=asset_id, assigned=True)
    session.commit()
    return row


@missions_router.delete("/{ref}/assets/{asset_id}", response_model=s.Mission, tags=["missions"])
def release_asset(ref: str, asset_id: PathId, session: SessionDep, who: Operator) -> Any:
    """Take an asset off the mission."""
    row = missions.assign(session, actor=who.name, ref=ref, asset_id=asset_id, assigned=False)
    session.commit()
    return row


assets_router = crud_router(
    assets,
    create=s.AssetCreate,
    update=s.AssetUpdate,
    query=s.AssetQuery,
    delete_role=s.Role.operator,
)


@assets_router.post("/{ref}/heartbeat", response_model=s.Asset, tags=["assets"])
def heartbeat(
    ref: str,
    session: SessionDep,
    who: Operator,
    beat: s.Heartbeat | None = None,
) -> Any:
    """The asset checked in (optionally with its position); it is reachable again."""
    row = check_in(session, actor=who.name, ref=ref, beat=beat or s.Heartbeat())
    session.commit()
    return row


intel_router = crud_router(intel, create=s.IntelCreate, update=s.IntelUpdate, query=s.IntelQuery)
tasks_router = crud_router(tasks, create=s.TaskCreate, update=s.TaskUpdate, query=s.TaskQuery)


def include(api: APIRouter) -> None:
    api.include_router(operations_router, prefix="/operations", tags=["operations"])
    api.include_router(missions_router, prefix="/missions", tags=["missions"])
    api.include_router(assets_router, prefix="/assets", tags=["assets"])
    api.include_router(intel_router, prefix="/intel", tags=["intel"])
    api.include_router(tasks_router, prefix="/tasks", tags=["tasks"])
