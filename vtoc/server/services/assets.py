"""Assets: people, vehicles, sensors, servers; what missions use and the monitor watches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.errors import ConflictError
from vtoc.server.models import Asset
from vtoc.server.services.resource import Resource


class Assets(Resource[Asset, s.AssetCreate, s.AssetUpdate, s.AssetQuery]):
    model = Asset
    public = s.Asset
    entity = s.Entity.asset
    ref_columns = ("name",)
    search_columns = ("name", "callsign", "status")
    filters = ("kind", "status")

    def build(self, session: Session, data: s.AssetCreate) -> Asset:
        self.refuse_taken_name(session, data.name)
        return super().build(session, data)

    def apply(self, session: Session, row: Asset, changes: dict[str, object]) -> None:
        name = changes.get("name")
        if isinstance(name, str) and name != row.name:
            self.refuse_taken_name(session, name)
        super().apply(session, row, changes)

    @staticmethod
    def refuse_taken_name(session: Session, name: str) -> None:
        taken = session.scalar(select(Asset.id).where(Asset.name == name))
        if taken is not None:
            raise ConflictError(f"name: asset {taken} is already named {name!r}")


assets = Assets()
