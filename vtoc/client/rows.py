"""A REST resource's rows: list, iterate, get, create, update, delete, for both clients.

Filters are the fields of the resource's query model (``s.IntelQuery`` ...): pass the model,
or its fields as keywords. A name the model does not have is a ``TypeError`` here, before
anything is sent; the values are the server's to check (it answers 422 naming the field).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel

from vtoc import schemas as s
from vtoc.client.calls import (
    AsyncSender,
    Call,
    SyncSender,
    at,
    body_of,
    model,
    nothing,
    page_of,
    params_of,
    request,
)

T = TypeVar("T")
Out = TypeVar("Out", bound=BaseModel)
Query = TypeVar("Query", bound=BaseModel)


def filters_of(
    path: str, model: type[BaseModel], query: BaseModel | None, filters: dict[str, Any]
) -> dict[str, Any]:
    """``query``'s set fields and ``filters`` as one dict; a name ``model`` lacks raises."""
    known = model.model_fields
    if unknown := sorted(set(filters) - set(known)):
        raise TypeError(f"{path} has no filter {', '.join(unknown)} (it has {', '.join(known)})")
    given = query.model_dump(exclude_unset=True) if query is not None else {}
    return {**given, **filters}


@dataclass(frozen=True)
class Endpoint(Generic[Out, Query]):
    """Where a resource lives, the model its rows are read into and the one its lists take;
    it builds the calls on its rows (``Rows`` sends them)."""

    path: str
    out: type[Out]
    query: type[Query]

    def at(self, ref: int | str, *more: str) -> str:
        return at(self.path, ref, *more)

    def filters(self, query: Query | None, filters: dict[str, Any]) -> dict[str, Any]:
        return filters_of(self.path, self.query, query, filters)

    def next_key(self, filters: dict[str, Any]) -> str:
        """Events page by ``after`` (or ``before``, newest first); other lists by ``cursor``."""
        if self.query is not s.EventQuery:
            return "cursor"
        return "before" if filters.get("order") == s.EventOrder.desc else "after"

    def list(self, filters: dict[str, Any]) -> Call[s.Page[Out]]:
        return Call("GET", self.path, page_of(self.out), params=params_of(filters))

    def get(self, ref: int | str) -> Call[Out]:
        return Call("GET", self.at(ref), model(self.out))

    def changed(self, ref: int | str, version: int) -> Call[Out | None]:
        row = model(self.out)
        return Call(
            "GET",
            self.at(ref),
            lambda r: None if r.status_code == 304 else row(r),
            headers={"If-None-Match": f'"{version}"'},
        )

    def create(self, body: Any, key: str | None = None) -> Call[Out]:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return Call("POST", self.path, model(self.out), json=body, headers=headers)

    def update(self, ref: int | str, body: Any, version: int | None) -> Call[Out]:
        headers = {"If-Match": f'"{version}"'} if version is not None else {}
        return Call(
            "PATCH",
            self.at(ref),
            model(self.out),
            json=body,
            headers=headers,
            idempotent=version is not None,
        )

    def delete(self, ref: int | str) -> Call[None]:
        return Call("DELETE", self.at(ref), nothing)

    def delete_impact(self, ref: int | str) -> Call[s.DeleteImpact]:
        return Call("GET", self.at(ref, "delete-impact"), model(s.DeleteImpact))


OPERATIONS = Endpoint("/api/v1/operations", s.Operation, s.OperationQuery)
MISSIONS = Endpoint("/api/v1/missions", s.Mission, s.MissionQuery)
ASSETS = Endpoint("/api/v1/assets", s.Asset, s.AssetQuery)
INTEL = Endpoint("/api/v1/intel", s.Intel, s.IntelQuery)
TASKS = Endpoint("/api/v1/tasks", s.Task, s.TaskQuery)
AGENTS = Endpoint("/api/v1/agents", s.Agent, s.WholeListQuery)
TOKENS = Endpoint("/api/v1/tokens", s.Token, s.WholeListQuery)
SSH_KEYS = Endpoint("/api/v1/ssh/keys", s.SshKey, s.SshKeyQuery)
EVENTS = Endpoint("/api/v1/events", s.Event, s.EventQuery)
JOURNAL = Endpoint("/api/v1/journal", s.JournalEntry, s.JournalQuery)
HANDOVERS = Endpoint("/api/v1/handovers", s.Handover, s.ListQuery)


class Rows(Generic[Out, Query]):
    """The calls on one resource's rows, declared once; see ``SyncRows`` and ``AsyncRows``."""

    def __init__(self, endpoint: Endpoint[Out, Query]) -> None:
        self.endpoint = endpoint

    @request
    def list(self, query: Query | None = None, /, **filters: Any) -> Call[s.Page[Out]]:
        """One page of rows; ``next_cursor`` leads to the next (``iterate`` follows it)."""
        return self.endpoint.list(self.endpoint.filters(query, filters))

    @request
    def get(self, ref: int | str, /) -> Call[Out]:
        return self.endpoint.get(ref)

    @request
    def changed(self, ref: int | str, /, *, version: int) -> Call[Out | None]:
        """The row if it is no longer at ``version``; None, and no body sent, if it is."""
        return self.endpoint.changed(ref, version)

    @request
    def create(
        self,
        data: BaseModel | dict[str, Any] | None = None,
        /,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Call[Out]:
        """A new row; a retry with the same key (generated unless given) never makes a twin."""
        return self.endpoint.create(body_of(data, fields), key=idempotency_key)

    @request
    def update(
        self,
        ref: int | str,
        data: BaseModel | dict[str, Any] | None = None,
        /,
        *,
        version: int | None = None,
        **fields: Any,
    ) -> Call[Out]:
        """Change a row; with ``version`` only if nobody changed it since (else 412)."""
        return self.endpoint.update(ref, body_of(data, fields), version)

    @request
    def delete(self, ref: int | str, /) -> Call[None]:
        return self.endpoint.delete(ref)

    @request
    def delete_impact(self, ref: int | str, /) -> Call[s.DeleteImpact]:
        """What deleting the row would take with it: ask before, say so in the confirmation."""
        return self.endpoint.delete_impact(ref)


class SyncRows(Rows[Out, Query], SyncSender):
    def __init__(self, client: SyncSender, endpoint: Endpoint[Out, Query]) -> None:
        super().__init__(endpoint)
        self.client = client

    def send(self, call: Call[T]) -> T:
        return self.client.send(call)

    def iterate(self, query: Query | None = None, /, **filters: Any) -> Iterator[Out]:
        """Every matching row, following cursors page by page."""
        filters = self.endpoint.filters(query, filters)
        while True:
            page = self.list(**filters)
            yield from page.items
            if not page.next_cursor:
                return
            filters = {**filters, self.endpoint.next_key(filters): page.next_cursor}


class AsyncRows(Rows[Out, Query], AsyncSender):
    def __init__(self, client: AsyncSender, endpoint: Endpoint[Out, Query]) -> None:
        super().__init__(endpoint)
        self.client = client

    async def send(self, call: Call[T]) -> T:
        return await self.client.send(call)

    async def iterate(self, query: Query | None = None, /, **filters: Any) -> AsyncIterator[Out]:
        """Every matching row, following cursors page by page."""
        filters = self.endpoint.filters(query, filters)
        while True:
            page = await self.list(**filters)
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            filters = {**filters, self.endpoint.next_key(filters): page.next_cursor}


class rows(Generic[Out, Query]):
    """A client's attribute for one resource: ``SyncRows`` on a sync client, ``AsyncRows``
    on an async one, made once per client."""

    def __init__(self, endpoint: Endpoint[Out, Query]) -> None:
        self.endpoint = endpoint

    def __set_name__(self, cls: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, owner: None, cls: type) -> rows[Out, Query]: ...
    @overload
    def __get__(self, owner: SyncSender, cls: type) -> SyncRows[Out, Query]: ...
    @overload
    def __get__(self, owner: AsyncSender, cls: type) -> AsyncRows[Out, Query]: ...
    def __get__(self, owner: Any, cls: type) -> Any:
        if owner is None:
            return self
        made = SyncRows if isinstance(owner, SyncSender) else AsyncRows
        bound = made(owner, self.endpoint)
        owner.__dict__[self.name] = bound  # later reads find it without coming here
        return bound
