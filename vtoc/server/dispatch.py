"""The hot paths sent to their route without the router's walk.

FastAPI's router tries the app's routes in order, each included router through its
effective route contexts: 10 to 17 % of a probe's or a show's CPU (docs/benchmarks.md).
``RouteByPath`` has already found the request's path template (one regex for all of them),
and no route takes a method on a path whose more literal template its own routes do not
take (``tests/server/test_methods.py``): the template and the method name the route the
router would pick. For the routes answered by a plain handler (``api.plain.solved_by``:
``/healthz`` and the hot reads) that route is called here; every other request goes to the
router as before. Both sit inside the same exception middleware, so an error is the same
problem+json either way.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fastapi.routing import APIRouter, iter_route_contexts
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from vtoc.server.methods import PathMethods, methods_of, route_path

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@dataclass(frozen=True)
class Hot:
    """A route answered by a plain handler, and what the router would put in its scope."""

    route: BaseRoute
    endpoint: Callable[..., Any] | None
    path_regex: Any
    param_convertors: dict[str, Any]
    handler: Handler


class HotRoutes:
    """In front of ``router``'s own dispatch (``Router.middleware_stack``, which
    ``Router.__call__`` runs): a request for a hot route goes to its handler, with the scope
    the router would have given it (``router``, ``route``, ``endpoint``, ``path_params``)."""

    def __init__(self, router: APIRouter, paths: PathMethods) -> None:
        self.router = router
        self.routed: ASGIApp = router.middleware_stack
        self.paths = paths

    @cached_property
    def table(self) -> dict[tuple[str, str], Hot]:
        """(method, path template) to its hot route, read once all routes are added."""
        table: dict[tuple[str, str], Hot] = {}
        for context in iter_route_contexts(self.router.routes):
            handler = getattr(context.original_route, "solved_by", None)
            if handler is None or context.path_format is None:
                continue
            hot = Hot(
                route=context.original_route,
                endpoint=context.endpoint,
                path_regex=context.path_regex,
                param_convertors=context.param_convertors,
                handler=handler,
            )
            for method in context.methods or ():
                table.setdefault((method, context.path_format), hot)
        return table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (methods := methods_of(scope, self.paths)) is not None:
            hot = self.table.get((scope["method"], methods.template))
            found = hot.path_regex.match(route_path(scope)) if hot is not None else None
            if hot is not None and found is not None:
                scope.setdefault("router", self.router)
                scope["endpoint"] = hot.endpoint
                scope["route"] = hot.route
                scope["path_params"] = {
                    name: hot.param_convertors[name].convert(value)
                    for name, value in found.groupdict().items()
                }
                response = await hot.handler(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.routed(scope, receive, send)


def dispatch_hot_routes(router: APIRouter, paths: PathMethods) -> None:
    """Put ``HotRoutes`` in front of ``router``'s walk of its routes."""
    router.middleware_stack = HotRoutes(router, paths)
