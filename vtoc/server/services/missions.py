"""Missions: the work of an operation, with the assets assigned to it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.errors import InvalidError
from vtoc.server.models import Asset, Mission, mission_assets
from vtoc.server.services.operations import operations
from vtoc.server.services.resource import Resource

FINISHED = (s.MissionStatus.completed, s.MissionStatus.failed, s.MissionStatus.cancelled)


class Missions(Resource[Mission, s.MissionCreate, s.MissionUpdate, s.MissionQuery]):
    model = Mission
    public = s.Mission
    entity = s.Entity.mission
    ref_columns = ("name",)
    search_columns = ("name", "objective", "status")
    filters = ("operation_id", "status", "priority")

    def query(self, session: Session, query: s.MissionQuery) -> Select[Mission]:
        stmt = super().query(session, query)
        if query.asset_id is not None:
            stmt = stmt.where(
                Mission.id.in_(
                    select(mission_assets.c.mission_id).where(
                        mission_assets.c.asset_id == query.asset_id
                    )
                )
            )
        if query.overdue is not None:
            overdue = Mission.due_at.is_not(None) & (Mission.due_at < utcnow())
            overdue = overdue & Mission.status.not_in(FINISHED)
            stmt = stmt.where(overdue if query.overdue else ~overdue)
        return stmt

    def label(self, row: Mission) -> str:
        return f"{row.name} in operation {row.operation_id}"

    def build(self, session: Session, data: s.MissionCreate) -> Mission:
        operations.exists(session, "operation_id", data.operation_id)
        row = Mission(**data.model_dump(exclude={"asset_ids"}))
        row.assets = self.load_assets(session, data.asset_ids)
        return row

    def apply(self, session: Session, row: Mission, changes: dict[str, Any]) -> None:
        if changes.get("asset_ids") is not None:
            row.assets = self.load_assets(session, changes["asset_ids"])
        super().apply(session, row, {k: v for k, v in changes.items() if k != "asset_ids"})

    @staticmethod
    def load_assets(session: Session, asset_ids: list[int]) -> list[Asset]:
        wanted = set(asset_ids)
        found = list(session.scalars(select(Asset).where(Asset.id.in_(wanted)))) if wanted else []
        missing = wanted - {a.id for a in found}
        if missing:
            raise InvalidError("asset_ids", f"no asset with id {min(missing)}")
        return found

    def assign(
        self, session: Session, *, actor: str, ref: int | str, asset_id: int, assigned: bool
    ) -> Mission:
        """Assign an asset to a mission, or release it (a versioned change like any other)."""
        row = self.get(session, ref, lock=True)
        ids = set(row.asset_ids)
        ids = ids | {asset_id} if assigned else ids - {asset_id}
        return self.update(
            session,
            actor=actor,
            ref=row.id,
            data=s.MissionUpdate(asset_ids=sorted(ids)),
            if_match=None,
        )


missions = Missions()
