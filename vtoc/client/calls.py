"""A call: one request and how to read its answer, declared once and sent by either client.

``@request`` turns a method that builds a ``Call`` into a client method: on ``VtocClient``
(a ``SyncSender``) it sends and returns the answer, on ``AsyncVtocClient`` (an
``AsyncSender``) it returns an awaitable of it. So each call of the API is written once
(``vtoc.client.api``) and both clients have every one.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from vtoc import schemas as s

T = TypeVar("T")
P = ParamSpec("P")
Out = TypeVar("Out", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and how to read its answer; sent by either client."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: a raw body (NDJSON) sent instead of ``json``
    content: bytes | None = None
    #: safe to send again after a failure mid-flight (reads, keyed creates, versioned edits)
    idempotent: bool = True


class SyncSender:
    """Something that sends a call and blocks for its answer."""

    def send(self, call: Call[T]) -> T:
        raise NotImplementedError


class AsyncSender:
    """Something that sends a call without blocking."""

    async def send(self, call: Call[T]) -> T:
        raise NotImplementedError


class request(Generic[P, T]):
    """A method that builds a ``Call``, turned into one that sends it on its owner."""

    def __init__(self, build: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.build = build
        functools.update_wrapper(self, build)  # type: ignore[arg-type]

    @overload
    def __get__(self, owner: None, cls: type) -> request[P, T]: ...
    @overload
    def __get__(self, owner: SyncSender, cls: type) -> Callable[P, T]: ...
    @overload
    def __get__(self, owner: AsyncSender, cls: type) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, owner: Any, cls: type) -> Any:
        if owner is None:
            return self
        build = self.build

        @functools.wraps(build)
        def send(*args: P.args, **kwargs: P.kwargs) -> Any:
            return owner.send(build(owner, *args, **kwargs))

        return send


# Answers are validated from their bytes: pydantic parses JSON in Rust, where
# ``response.json()`` and then validating the dicts took four times as long (a TUI paging in
# hundreds of new reports a second during a flood spent most of its time there).


def model(cls: type[Out]) -> Callable[[httpx.Response], Out]:
    return lambda r: cls.model_validate_json(r.content)


def page_of(cls: type[Out]) -> Callable[[httpx.Response], s.Page[Out]]:
    adapter = TypeAdapter(s.Page[cls])  # type: ignore[valid-type]
    return lambda r: adapter.validate_json(r.content)  # type: ignore[no-any-return]


def list_of(cls: type[Out]) -> Callable[[httpx.Response], list[Out]]:
    adapter = TypeAdapter(list[cls])  # type: ignore[valid-type]
    return lambda r: adapter.validate_json(r.content)  # type: ignore[no-any-return]


def nothing(_: httpx.Response) -> None:
    return None


def params_of(filters: dict[str, Any]) -> dict[str, Any]:
    """Query parameters with Nones dropped and enums/dates as the server spells them."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None or value == []:
            continue
        if isinstance(value, list | tuple):
            out[key] = [v.value if isinstance(v, Enum) else str(v) for v in value]
        elif isinstance(value, Enum):
            out[key] = value.value
        elif isinstance(value, bool):
            out[key] = str(value).lower()
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def body_of(data: BaseModel | dict[str, Any] | None, fields: dict[str, Any]) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    return {**(data or {}), **fields}


def at(path: str, ref: int | str, *more: str) -> str:
    """The path of one row (and below it), its id or name percent-encoded: a name such as
    "3#spare" must not reach the server as row 3."""
    return "/".join([path, quote(str(ref), safe=""), *more])
