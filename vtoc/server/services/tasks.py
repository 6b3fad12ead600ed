"""Tasks: actions queued for the executor agent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.db import on_postgres, utcnow
from vtoc.server.errors import ConflictError, InvalidError
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
    entity = s.Entity.task
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

    # The executor's side: claims and outcomes ----------------------------------------------

    def claim(self, session: Session, *, data: s.TaskClaim) -> Sequence[Task]:
        """Hand due tasks to one worker: queued ones, and running ones whose claim expired.

        PostgreSQL skips rows another claimer has locked; SQLite's single writer (BEGIN
        IMMEDIATE) serializes claimers, and the UPDATE re-checks the condition anyway.
        """
        now = utcnow()
        claimable = or_(
            and_(Task.status == s.TaskStatus.queued, Task.run_after <= now),
            and_(Task.status == s.TaskStatus.running, Task.claim_expires_at < now),
        )
        pick = select(Task.id).where(claimable).order_by(Task.run_after, Task.id).limit(data.limit)
        if on_postgres(session):
            pick = pick.with_for_update(skip_locked=True)
        ids = list(session.scalars(pick))
        if not ids:
            return []
        session.execute(
            update(Task)
            .where(Task.id.in_(ids), claimable)
            .values(
                status=s.TaskStatus.running,
                attempts=Task.attempts + 1,
                claimed_by=data.worker,
                claim_expires_at=now + timedelta(seconds=data.lease_seconds),
                updated_at=now,
                version=Task.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = session.scalars(
            select(Task)
            .where(Task.id.in_(ids), Task.claimed_by == data.worker)
            .order_by(Task.id)
            .execution_options(populate_existing=True)
        ).all()
        for row in rows:
            self.emit(session, data.worker, "claimed", row, worker=data.worker)
        return rows

    def finish(self, session: Session, *, ref: int | str, data: s.TaskOutcome) -> Task:
        """Record one attempt: done, retried after an exponential backoff, or failed for good."""
        row = self.get(session, ref, lock=True)
        if row.status != s.TaskStatus.running or row.claimed_by != data.worker:
            raise ConflictError(f"task {ref} is not claimed by {data.worker!r}")
        row.claimed_by = None
        row.claim_expires_at = None
        if data.ok:
            row.status, row.result, row.last_error = s.TaskStatus.done, data.result, None
            verb = "done"
        else:
            row.last_error = data.error or "failed"
            if row.attempts >= row.max_attempts:
                row.status, verb = s.TaskStatus.failed, "failed"
            else:
                delay = min(data.backoff_seconds * 2 ** (row.attempts - 1), 86_400.0)
                row.status, verb = s.TaskStatus.queued, "retry"
                row.run_after = utcnow() + timedelta(seconds=delay)
        row.updated_at = utcnow()
        self.flush(session, ref)
        self.emit(session, data.worker, verb, row)
        return row


tasks = Tasks()
