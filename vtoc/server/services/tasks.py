"""Tasks: actions queued for the executor agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import utcnow
from vtoc.server.errors import InvalidError
from vtoc.server.models import Task
from vtoc.server.services.resource import Resource

# What an operator may do to a task by hand; running and finishing are the executor's.
MANUAL_MOVES = {
    s.TaskStatus.queued: {s.TaskStatus.cancelled},
    s.TaskStatus.failed: {s.TaskStatus.queued, s.TaskStatus.cancelled},
    s.TaskStatus.cancelled: {s.TaskStatus.queued},
}


class Tasks(Resource[Task, s.TaskCreate, s.TaskUpdate, s.TaskQuery]):
    model = Task
    public = s.Task
    entity = "task"
    search_columns = ("last_error",)
    filters = ("status", "action")

    def build(self, session: Session, data: s.TaskCreate) -> Task:
        return Task(
            action=data.action,
            params=data.params,
            status=s.TaskStatus.queued,
            run_after=data.run_after or utcnow(),
            max_attempts=data.max_attempts,
        )

    def apply(self, session: Session, row: Task, changes: dict[str, Any]) -> None:
        target = changes.get("status")
        if target is not None and target != row.status:
            if target not in MANUAL_MOVES.get(row.status, set()):
                raise InvalidError("status", f"a {row.status} task cannot be set to {target}")
            if target == s.TaskStatus.queued:
                row.attempts = 0
                row.last_error = None
        super().apply(session, row, changes)


tasks = Tasks()
