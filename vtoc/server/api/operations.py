"""``/operations``: the five routes of an editable resource, nothing else."""

from vtoc.server.api.crud import crud_router
from vtoc.server.services import deletes
from vtoc.server.services.operations import operations

router = crud_router(
    operations,
    prefix="/operations",
    delete=deletes.delete_operation,
    impact=deletes.operation_impact,
)
