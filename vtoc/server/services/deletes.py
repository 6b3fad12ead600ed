"""What deleting a row does, top to bottom: one flow per resource, called by its route.

The database deletes or unlinks the rows a deleted one's foreign keys point from
(``ondelete`` in ``models``); each flow first announces them, step by step (``cascades``),
then deletes the row itself and records its own ``*.deleted`` event, all in the caller's
transaction. Each has its ``*_impact``: the counts a confirmation shows before the delete.
Missions and tasks take nothing with them: ``Resource.delete`` is their whole flow.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server import scopes
from vtoc.server.services import cascades
from vtoc.server.services.assets import assets
from vtoc.server.services.intel import intel
from vtoc.server.services.operations import operations


def delete_operation(session: Session, *, actor: str, ref: int | str) -> None:
    """Its missions go with it (CASCADE); its intel and correlations stay, unlinked."""
    row = operations.get(session, ref)
    cascades.missions_deleted(session, actor=actor, operation_id=row.id)
    cascades.unlink_intel(session, actor=actor, field="operation_id", row_id=row.id)
    cascades.unlink_correlations(session, actor=actor, operation_id=row.id)
    operations.remove(session, actor=actor, row=row)


def operation_impact(session: Session, ref: int | str) -> s.DeleteImpact:
    return cascades.operation_impact(session, operations.get(session, ref).id)


def delete_asset(session: Session, *, actor: str, ref: int | str) -> None:
    """The missions it was assigned to lose it, and the reports about it their link.

    Its event names the operations it served: once off their missions, that is the only
    way a scoped map's stream learns that the asset is gone."""
    row = assets.get(session, ref)
    served = scopes.operations_of_assets(session, [row.id]).get(row.id, frozenset())
    cascades.unassign_asset(session, actor=actor, asset_id=row.id)
    cascades.unlink_intel(session, actor=actor, field="asset_id", row_id=row.id)
    assets.remove(session, actor=actor, row=row, served_operations=sorted(served))


def asset_impact(session: Session, ref: int | str) -> s.DeleteImpact:
    return cascades.asset_impact(session, assets.get(session, ref).id)


def delete_report(session: Session, *, actor: str, ref: int | str) -> None:
    """The cluster it was in (or summarized) loses it; the rest of the cluster stays."""
    row = intel.get(session, ref)
    cascades.report_left_clusters(session, actor=actor, report_id=row.id)
    intel.remove(session, actor=actor, row=row)


def report_impact(session: Session, ref: int | str) -> s.DeleteImpact:
    return cascades.report_impact(session, intel.get(session, ref).id)
