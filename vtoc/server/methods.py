"""Which methods a path takes, decided once for every route before the router sees it.

Starlette routes each (path, method) pair on its own, so a path several routes share
answered a 405 naming one of their methods; ``PATCH /correlations/run`` went to
``PATCH /correlations/{correlation_id}`` (a 422 for ``run``) because the router takes the
first route matching path *and* method; and FastAPI's routes have no ``HEAD``. Here a
path belongs to its most literal template (``/run`` before ``/{correlation_id}``), a
method that template's routes do not take is a 405 whose ``Allow`` lists all they take,
and ``HEAD`` is answered as ``GET`` without the body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from fastapi.routing import iter_route_contexts
from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vtoc.server.problems import problem

#: the status a route documents when it exists only to refuse its method with a reason
REFUSES = 405


@dataclass
class Template:
    """One path template and the methods its routes take."""

    path: str
    #: the routes' regex with its parameters unnamed, to be one branch of the table's
    pattern: str
    #: 1 for each literal segment, 0 for each parameter: the larger wins a path both match
    specificity: tuple[int, ...]
    #: methods a route answers, refusing routes included
    routed: set[str] = field(default_factory=set)
    #: methods a route answers only with a 405 of its own (a journal entry is never edited)
    refused: set[str] = field(default_factory=set)

    def methods(self) -> Methods:
        head = {"HEAD"} if "GET" in self.routed else set()
        allowed = self.routed - self.refused
        return Methods(
            template=self.path,
            routed=frozenset(self.routed | head),
            allowed=frozenset(allowed | head if "GET" in allowed else allowed),
            refuses=bool(self.refused),
        )


@dataclass(frozen=True)
class Methods:
    """What a path takes: ``routed`` reach a route, ``allowed`` are the ``Allow`` header;
    ``template`` names the path in logs and metrics (``/api/v1/operations/{ref}``)."""

    template: str
    routed: frozenset[str]
    allowed: frozenset[str]
    #: a route of the path answers 405 itself (and its answer needs the ``Allow`` header)
    refuses: bool = False

    @property
    def allow(self) -> str:
        return ", ".join(sorted(self.allowed))


class PathMethods:
    """The app's path templates, read from its routes on first use (all are added by then)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes

    @cached_property
    def table(self) -> tuple[re.Pattern[str], list[Methods]]:
        """One regex whose branches are the templates, the most literal first, and the
        methods of each: one match finds a path's template (a scan took ~30 µs a request)."""
        templates: dict[str, Template] = {}
        for route in iter_route_contexts(self.routes):
            path_format, methods = route.path_format, route.methods
            if path_format is None or not methods:
                continue
            # GET /a/{x} and PATCH /a/{y} are one path
            pattern = re.sub(r"\(\?P<\w+>", "(?:", route.path_regex.pattern)
            segments = path_format.strip("/").split("/")
            specificity = tuple(0 if "{" in segment else 1 for segment in segments)
            template = templates.setdefault(
                pattern, Template(path=path_format, pattern=pattern, specificity=specificity)
            )
            template.routed |= methods
            if REFUSES in (getattr(route, "responses", None) or {}):
                template.refused |= methods
        ordered = sorted(templates.values(), key=lambda t: t.specificity, reverse=True)
        branches = "|".join(f"(?P<t{i}>{t.pattern})" for i, t in enumerate(ordered))
        return re.compile(branches), [t.methods() for t in ordered]

    def of(self, path: str) -> Methods | None:
        """The methods ``path`` takes; None for a path no route has (a 404)."""
        regex, methods = self.table
        found = regex.match(path)
        if found is None or found.lastgroup is None:
            return None
        return methods[int(found.lastgroup.removeprefix("t"))]


def methods_of(scope: Scope, paths: PathMethods) -> Methods | None:
    """The methods of the request's path, looked up once per request (``RouteByPath`` and
    the access log both need them)."""
    if _SCOPE_KEY in scope:
        found: Methods | None = scope[_SCOPE_KEY]
        return found
    found = scope[_SCOPE_KEY] = paths.of(route_path(scope))
    return found


_SCOPE_KEY = "vtoc.methods"


def route_path(scope: Scope) -> str:
    """The path as the router matches it: without the root path a proxy may mount us at."""
    return str(scope["path"]).removeprefix(scope.get("root_path", ""))


class RouteByPath:
    """405 for a method the path's own routes do not take; ``HEAD`` as ``GET``, bodiless."""

    def __init__(self, app: ASGIApp, *, paths: PathMethods) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = methods_of(scope, self.paths)
        if methods is None:  # no such path: the router's 404
            await self.app(scope, receive, send)
        elif scope["method"] not in methods.routed:
            detail = f"{scope['path']} takes {methods.allow}, not {scope['method']}"
            answer = problem(405, "Method not allowed", detail, headers={"Allow": methods.allow})
            await answer(scope, receive, send)
        else:
            if methods.refuses:  # a journal entry is never edited: its 405 names them too
                send = with_allow(send, methods.allow)
            if scope["method"] == "HEAD":
                await head_as_get(self.app, scope, receive, send)
            else:
                await self.app(scope, receive, send)


def with_allow(send: Send, allow: str) -> Send:
    async def allowing(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            MutableHeaders(scope=message)["Allow"] = allow
        await send(message)

    return allowing


async def head_as_get(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """The GET's status and headers (its ``Content-Length`` and ``ETag`` too), no body. The
    answer ends with its headers, so a stream the GET would keep open is told the client left."""
    answered = False

    async def headers_only(message: Message) -> None:
        nonlocal answered
        if message["type"] == "http.response.start":
            await send(message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            answered = True
        elif message["type"] != "http.response.body":
            await send(message)

    async def until_answered() -> Message:
        return {"type": "http.disconnect"} if answered else await receive()

    await app({**scope, "method": "GET"}, until_answered, headers_only)
