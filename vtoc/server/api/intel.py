"""``/intel``: its rows, and the reports correlated with one."""

from typing import Any

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router
from vtoc.server.api.deps import PathId, SessionDep, Viewer
from vtoc.server.services import correlations, deletes
from vtoc.server.services.intel import intel

router = crud_router(
    intel,
    prefix="/intel",
    delete=deletes.delete_report,
    impact=deletes.report_impact,
)


@router.get("/{report_id}/correlated", response_model=s.Correlated)
def correlated(report_id: PathId, session: SessionDep, _: Viewer) -> Any:
    """The reports correlated with this one, each with the indicators both carry: why."""
    return correlations.correlated(session, report_id)
