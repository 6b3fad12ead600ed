"""``/tasks``: its rows, and how executors claim them and report each attempt."""

from typing import Any

from vtoc import schemas as s
from vtoc.server.api.crud import crud_router
from vtoc.server.api.deps import Operator, SessionDep, committed
from vtoc.server.services.tasks import tasks

router = crud_router(tasks, prefix="/tasks")


@router.post("/claim", response_model=list[s.Task])
def claim_tasks(data: s.TaskClaim, session: SessionDep, _: Operator) -> Any:
    """Claim due tasks for one executor; each is handed to one claimer at a time."""
    return committed(session, tasks.claim(session, data=data))


@router.post("/{ref}/outcome", response_model=s.Task)
def task_outcome(ref: str, data: s.TaskOutcome, session: SessionDep, _: Operator) -> Any:
    """Report an attempt: done, or retried with exponential backoff, or failed for good."""
    return committed(session, tasks.finish(session, ref=ref, data=data))
