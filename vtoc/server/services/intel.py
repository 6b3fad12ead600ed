"""Intelligence reports and the indicators extracted from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from sqlalchemy import Row, Select, exists, null, select, text
from sqlalchemy.orm import Session

from vtoc import schemas as s
from vtoc.server.async_reads import AsyncReads, NotPrepared
from vtoc.server.errors import ConflictError, NotFoundError
from vtoc.server.models import CorrelationMember, IndicatorRow, IntelAck, IntelReport
from vtoc.server.services import intel_json
from vtoc.server.services.assets import assets
from vtoc.server.services.indicators import Found, extract
from vtoc.server.services.intel_json import COLUMNS
from vtoc.server.services.operations import operations
from vtoc.server.services.pagination import fetch_page
from vtoc.server.services.resource import Resource

#: a list's columns unless it asks for raw alerts: raw reads as null
LIST_COLUMNS = tuple(null().label("raw") if column.key == "raw" else column for column in COLUMNS)


def fts_match(dialect: str, q: str) -> Any:
    """A full-text condition on intel title and body for either database.

    PostgreSQL parses ``q`` as a web search (quotes, ``or``, ``-``); SQLite's FTS5 gets each
    word quoted, so punctuation in IPs or hosts is never taken for query syntax.
    """
    if dialect == "postgresql":
        return text("intel_reports.search @@ websearch_to_tsquery('simple', :q)").bindparams(q=q)
    terms = " ".join('"' + word.replace('"', '""') + '"' for word in q.split())
    match = text("intel_fts MATCH :q").bindparams(q=terms)
    return IntelReport.id.in_(select(text("rowid")).select_from(text("intel_fts")).where(match))


class IntelReports(Resource[IntelReport, s.IntelCreate, s.IntelUpdate, s.IntelQuery]):
    model = IntelReport
    public = s.Intel
    entity = s.Entity.intel
    filters = ("severity", "source", "operation_id", "asset_id")
    order = "most recently observed first (by observed_at, then id)"
    #: ``page_statement``'s first pages, by (limit, raw)
    first_pages: ClassVar[dict[tuple[int, bool], intel_json.PageSelect]] = {}

    def query(self, session: Session, query: s.IntelQuery) -> Select[IntelReport]:
        stmt = super().query(session, query)
        if query.q:
            stmt = stmt.where(fts_match(session.get_bind().dialect.name, query.q))
        if query.min_severity is not None:
            at_least = [v for v in s.Severity if v.rank >= query.min_severity.rank]
            stmt = stmt.where(IntelReport.severity.in_(at_least))
        if query.since is not None:
            stmt = stmt.where(IntelReport.observed_at >= query.since)
        if query.until is not None:
            stmt = stmt.where(IntelReport.observed_at < query.until)
        if query.indicator:
            stmt = stmt.where(
                IntelReport.id.in_(
                    select(IndicatorRow.report_id).where(
                        IndicatorRow.kind.in_(list(s.IndicatorKind)),
                        IndicatorRow.value == query.indicator,
                    )
                )
            )
        if query.correlation_id is not None:
            stmt = stmt.where(
                IntelReport.id.in_(
                    select(CorrelationMember.report_id).where(
                        CorrelationMember.correlation_id == query.correlation_id
                    )
                )
            )
        if query.acknowledged is not None:
            acked = exists().where(IntelAck.report_id == IntelReport.id)
            stmt = stmt.where(acked if query.acknowledged else ~acked)
        return stmt

    # Reads go past the ORM: a page of 50 reports and their indicators is ~200 instances,
    # which cost more to build than the two queries take.

    def list(self, session: Session, query: s.IntelQuery) -> tuple[Sequence[Any], str | None]:
        stmt = self.query(session, query).with_only_columns(
            *(COLUMNS if query.raw else LIST_COLUMNS)
        )
        rows, cursor = fetch_page(
            session,
            stmt,
            IntelReport.id,
            limit=query.limit,
            cursor=query.cursor,
            columns=True,
            time_column=IntelReport.observed_at,
        )
        return with_indicators(session, rows), cursor

    def list_json(self, session: Session, query: s.IntelQuery) -> bytes | None:
        if session.get_bind().dialect.name != "postgresql":
            return None
        statement, _ = self.page_statement(session, query)
        return intel_json.page_body(session.execute(statement).one(), limit=query.limit)

    def page_statement(
        self, session: Session, query: s.IntelQuery
    ) -> tuple[intel_json.PageSelect, bool]:
        """``intel_json.page_statement`` for the query, and whether it was built once. The
        first page of every report (what dashboards and lists poll) is built once per limit:
        building it and its cache key cost a fifth of the list's CPU."""
        if query.model_fields_set <= {"limit", "raw"}:
            key = (query.limit, query.raw)
            if (built := self.first_pages.get(key)) is None:
                built = self.first_pages[key] = intel_json.page_statement(
                    select(IntelReport), limit=query.limit, cursor=None, raw=query.raw
                )
            return built, True
        statement = intel_json.page_statement(
            self.query(session, query), limit=query.limit, cursor=query.cursor, raw=query.raw
        )
        return statement, False

    def read_json(self, session: Session, ref: int | str) -> tuple[bytes, int] | None:
        if session.get_bind().dialect.name != "postgresql":
            return None
        row_id = s.row_id(ref)
        found = None if row_id is None else intel_json.show(session, row_id)
        if found is None:
            raise NotFoundError(f"no {self.entity} {ref!r}")
        return found

    async def list_json_async(
        self, reads: AsyncReads, session: Session, query: s.IntelQuery
    ) -> bytes | None:
        statement, built_once = self.page_statement(session, query)
        # a statement built once is compiled once by identity, without a cache key; it is
        # a first page, which many clients poll: its answer is kept while nothing changes
        if built_once:
            found = await reads.fetchrow_kept(statement, {})
        else:
            found = await reads.fetchrow(statement)
        if found is None or isinstance(found, NotPrepared):
            return None
        return intel_json.page_body(found, limit=query.limit)

    async def read_json_async(self, reads: AsyncReads, ref: int | str) -> tuple[bytes, int] | None:
        row_id = s.row_id(ref)
        found = None
        if row_id is not None:
            found = await reads.fetchrow(intel_json.SHOW, {"report_id": row_id})
        if isinstance(found, NotPrepared):
            return None
        if found is None:
            raise NotFoundError(f"no {self.entity} {ref!r}")
        return str(found[0]).encode(), int(found[1])

    def read(self, session: Session, ref: int | str) -> dict[str, Any]:
        row_id = s.row_id(ref)
        found = None
        if row_id is not None:
            found = session.execute(select(*COLUMNS).where(IntelReport.id == row_id)).first()
        if found is None:
            raise NotFoundError(f"no {self.entity} {ref!r}")
        return with_indicators(session, [found])[0]

    def version_of(self, read: dict[str, Any]) -> int:
        return int(read["version"])

    def build(self, session: Session, data: s.IntelCreate) -> IntelReport:
        operations.exists(session, "operation_id", data.operation_id)
        assets.exists(session, "asset_id", data.asset_id)
        if data.source_ref is not None:
            taken = session.scalar(
                select(IntelReport.id).where(
                    IntelReport.source == data.source, IntelReport.source_ref == data.source_ref
                )
            )
            if taken is not None:
                raise ConflictError(
                    f"source_ref: report {taken} already has {data.source}/{data.source_ref}"
                )
        values = data.model_dump(exclude_none=True)
        row = IntelReport(**values)
        if data.observed_at is not None:
            row.last_seen_at = data.observed_at
        row.indicators = indicator_rows(extract(row.title, row.body or ""))
        return row

    def apply(self, session: Session, row: IntelReport, changes: dict[str, Any]) -> None:
        if "operation_id" in changes:
            operations.exists(session, "operation_id", changes["operation_id"])
        if "asset_id" in changes:
            assets.exists(session, "asset_id", changes["asset_id"])
        super().apply(session, row, changes)
        if "title" in changes or "body" in changes:
            self.reindex(row)

    def reindex(self, row: IntelReport) -> None:
        """Keep the indicator rows that are still in the text, add the new ones."""
        wanted = dict.fromkeys(extract(row.title, row.body))
        row.indicators = [i for i in row.indicators if (i.kind, i.value) in wanted]
        have = {(i.kind, i.value) for i in row.indicators}
        row.indicators.extend(indicator_rows(k for k in wanted if k not in have))


def with_indicators(session: Session, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Each report's values with its indicators, fetched for all of them in one query."""
    reports = {row.id: {**row._mapping, "indicators": []} for row in rows}
    if reports:
        found = session.execute(
            select(IndicatorRow.report_id, IndicatorRow.kind, IndicatorRow.value)
            .where(IndicatorRow.report_id.in_(reports))
            .order_by(IndicatorRow.id)
        )
        for report_id, kind, value in found:
            reports[report_id]["indicators"].append({"kind": kind, "value": value})
    return list(reports.values())


def indicator_rows(pairs: Iterable[Found]) -> list[IndicatorRow]:
    return [IndicatorRow(kind=kind, value=value) for kind, value in pairs]


intel = IntelReports()
