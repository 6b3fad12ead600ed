"""``/operations``: the five routes of an editable resource, nothing else."""

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router
from vtoc.server.services import deletes
from vtoc.server.services.operations import operations

router = crud_router(
    operations,
    prefix="/operations",
    create=s.OperationCreate,
    update=s.OperationUpdate,
    query=s.OperationQuery,
    delete=deletes.delete_operation,
    impact=deletes.operation_impact,
)
