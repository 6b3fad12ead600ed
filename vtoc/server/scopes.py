"""Operation scopes, enforced once, in the query layer.

A token limited to some operations (``ApiToken.operation_ids``) sees those operations,
their missions, intel reports, clusters, journal and events, and the assets assigned to
their missions (with those assets' tracks and events); nothing else: no tasks, agents or
runs. The
request's session carries the scope (``limit``), and every ORM statement it runs — reads,
counts, and the lookups behind updates and deletes — gets the matching criteria, so a row
out of scope is as absent as a row that does not exist: a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    cast,
    event,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from vtoc import schemas as s
from vtoc.server.errors import InvalidError, PermissionDeniedError
from vtoc.server.models import (
    AckOverdue,
    Agent,
    AgentRun,
    Asset,
    Correlation,
    CorrelationMember,
    EventRow,
    HandoverRow,
    IndicatorRow,
    IntelAck,
    IntelReport,
    JournalEntryRow,
    Mission,
    Operation,
    PositionFix,
    Task,
    mission_assets,
)

SCOPE = "operation_scope"
#: rows that belong to no operation: a scoped principal sees none of them
UNSCOPED = (Task, Agent, AgentRun)


def limit(session: Session, operations: Collection[int] | None) -> None:
    """From now on, ``session`` sees only ``operations`` (all of them when None)."""
    if operations is None:
        session.info.pop(SCOPE, None)
    else:
        session.info[SCOPE] = frozenset(operations)


def scope_of(session: Session) -> frozenset[int] | None:
    found: frozenset[int] | None = session.info.get(SCOPE)
    return found


def assets_in(operations: frozenset[int]) -> Any:
    """Ids of the assets assigned to a mission of one of ``operations``."""
    return (
        select(mission_assets.c.asset_id)
        .join(Mission, Mission.id == mission_assets.c.mission_id)
        .where(Mission.operation_id.in_(operations))
    )


def asset_event(assets: Any) -> ColumnElement[bool]:
    """Events of an asset in ``assets``: they carry no operation (an asset may serve
    missions of several), so they belong to every operation whose missions it serves."""
    return and_(
        EventRow.entity == s.Entity.asset,
        EventRow.operation_id.is_(None),
        EventRow.entity_id.in_(assets),
    )


def deleted_asset_event(operations: frozenset[int], dialect: str) -> ColumnElement[bool]:
    """A deleted asset's event, when the asset served one of ``operations``: it is off every
    mission by then, so the event itself records the operations it served."""
    served: Any
    if dialect == "postgresql":
        elements = func.json_array_elements_text(
            func.json_extract_path(EventRow.data, "served_operations")
        )
        served = elements.table_valued("value")
        operation = cast(served.c.value, BigInteger)
    else:
        served = func.json_each(EventRow.data, "$.served_operations").table_valued("value")
        operation = served.c.value
    return and_(
        EventRow.kind == s.EventKind.asset_deleted,
        EventRow.operation_id.is_(None),
        exists(select(1).select_from(served).where(operation.in_(operations))),
    )


def operations_of_assets(session: Session, assets: Iterable[int]) -> dict[int, frozenset[int]]:
    """The operations each of ``assets`` serves (through its missions); the stream's hub
    tags asset events with them as it reads them, so a scoped subscriber gets the moves of
    its assets live."""
    stmt = (
        select(mission_assets.c.asset_id, Mission.operation_id)
        .join(Mission, Mission.id == mission_assets.c.mission_id)
        .where(mission_assets.c.asset_id.in_(set(assets)))
    )
    found: dict[int, set[int]] = {}
    for asset_id, operation_id in session.execute(stmt):
        found.setdefault(asset_id, set()).add(operation_id)
    return {asset_id: frozenset(ops) for asset_id, ops in found.items()}


def reports_in(operations: frozenset[int]) -> Any:
    return select(IntelReport.id).where(IntelReport.operation_id.in_(operations))


def visible(operations: frozenset[int], dialect: str) -> dict[type[Any], ColumnElement[bool]]:
    """What of each entity ``operations`` let a principal see: the loader criteria below,
    and the WHERE of a subquery, which those criteria do not reach (``dashboard``)."""
    entries = select(JournalEntryRow.id).where(JournalEntryRow.operation_id.in_(operations))
    in_scope: list[tuple[type[Any], ColumnElement[bool]]] = [
        (Operation, Operation.id.in_(operations)),
        (Mission, Mission.operation_id.in_(operations)),
        (IntelReport, IntelReport.operation_id.in_(operations)),
        (Correlation, Correlation.operation_id.in_(operations)),
        (JournalEntryRow, JournalEntryRow.operation_id.in_(operations)),
        (
            EventRow,
            or_(
                EventRow.operation_id.in_(operations),
                asset_event(assets_in(operations)),
                deleted_asset_event(operations, dialect),
            ),
        ),
        (Asset, Asset.id.in_(assets_in(operations))),
        (PositionFix, PositionFix.asset_id.in_(assets_in(operations))),
        (HandoverRow, HandoverRow.entry_id.in_(entries)),
        (IndicatorRow, IndicatorRow.report_id.in_(reports_in(operations))),
        (IntelAck, IntelAck.report_id.in_(reports_in(operations))),
        (AckOverdue, AckOverdue.report_id.in_(reports_in(operations))),
        (CorrelationMember, CorrelationMember.report_id.in_(reports_in(operations))),
    ]
    hidden: list[tuple[type[Any], ColumnElement[bool]]] = [(m, false()) for m in UNSCOPED]
    return dict(in_scope + hidden)


def criteria(operations: frozenset[int], dialect: str) -> list[Any]:
    return [
        with_loader_criteria(model, where, include_aliases=True)
        for model, where in visible(operations, dialect).items()
    ]


def unscoped_only(session: Session, action: str) -> None:
    """Work across operations (ingest, the analyzer's run, new assets) is not a scoped
    principal's: 403."""
    if scope_of(session) is not None:
        raise PermissionDeniedError(f"a token limited to operations cannot {action}")


def check_new(session: Session, entity: str, row: Any) -> None:
    """A scoped principal creates rows only inside its operations: a row it could not see
    afterwards (a new operation or asset, a report of no operation) is refused."""
    operations = scope_of(session)
    if operations is None:
        return
    if not hasattr(row, "operation_id"):
        unscoped_only(session, f"create a {entity}")
    if row.operation_id not in operations:
        raise InvalidError("operation_id", "name one of the operations this token is limited to")


@event.listens_for(Session, "do_orm_execute")
def _only_in_scope(state: ORMExecuteState) -> None:
    operations = scope_of(state.session)
    if operations is None or not (state.is_select or state.is_update or state.is_delete):
        return
    dialect = state.session.get_bind().dialect.name
    state.statement = state.statement.options(*criteria(operations, dialect))
