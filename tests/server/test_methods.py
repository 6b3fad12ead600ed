"""Which methods a path takes, as a client generator reads them from the OpenAPI: a 405
names them all in ``Allow``, ``HEAD`` answers as ``GET`` would, and a literal segment
(``/correlations/run``) is never taken for another route's ``{ref}``.

The paths are walked from the app's own OpenAPI, so a new route is checked too.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from vtoc.client import VtocClient

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: a GET whose answer is an endless stream: HEAD on it is in test_stream.py
STREAM = "/api/v1/events/stream"


def paths(app: FastAPI) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = app.openapi()["paths"]
    assert len(found) > 30
    return found


def allowed(item: dict[str, Any]) -> set[str]:
    """The methods a path's operations take: not those documented to refuse with a 405."""
    taken = {method.upper() for method, op in item.items() if "405" not in op["responses"]}
    return taken | {"HEAD"} if "GET" in taken else taken


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "987654", path)


def template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


def test_a_405_names_every_method_its_path_takes(app: FastAPI, admin: VtocClient) -> None:
    refused = 0
    for path, item in paths(app).items():
        routed = {method.upper() for method in item}
        for method in set(METHODS) - routed:
            answer = admin.http.request(method, concrete(path))
            assert answer.status_code == 405, (method, path, answer.status_code)
            assert answer.headers["content-type"] == "application/problem+json"
            assert set(answer.headers["allow"].split(", ")) == allowed(item), (method, path)
            refused += 1
    # the paths routes share, e.g. /operations/{ref}: GET, PATCH and DELETE each a route
    assert admin.http.put("/api/v1/operations/1").headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert refused > 50


def shadowed(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, literal path, path with a parameter there): a method the parameter's
    template takes on a path that another template spells literally, without it."""
    every = paths(app)
    found = []
    for literal, item in every.items():
        if "{" in literal:
            continue
        for template, other in every.items():
            if template != literal and template_regex(template).match(literal):
                found += [(m.upper(), literal, template) for m in other if m not in item]
                # a method both take goes to whichever route was declared first: none yet
                assert not set(item) & set(other), (literal, template)
    return found


def test_a_literal_segment_is_never_taken_for_a_reference(
    app: FastAPI, admin: VtocClient, client_for: Any
) -> None:
    cases = shadowed(app)
    assert ("PATCH", "/api/v1/correlations/run", "/api/v1/correlations/{correlation_id}") in cases
    assert ("GET", "/api/v1/tasks/claim", "/api/v1/tasks/{ref}") in cases
    anonymous = client_for(None)
    for method, literal, _ in cases:
        for caller in (admin, anonymous):
            # before: 422 for "run" not being a number, or a 401 of the {ref} route
            answer = caller.http.request(method, literal, json={})
            assert answer.status_code == 405, (method, literal, answer.status_code)
            assert set(answer.headers["allow"].split(", ")) == allowed(paths(app)[literal])


def test_head_answers_as_get_without_the_body(app: FastAPI, admin: VtocClient) -> None:
    op = admin.operations.create(name="Heads")
    row = f"/api/v1/operations/{op.id}"
    get, head = admin.http.get(row), admin.http.head(row)
    assert (get.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    for name in ("content-type", "content-length", "etag"):
        assert head.headers[name] == get.headers[name], name
    for path, item in paths(app).items():
        if "get" not in item or path == STREAM:
            continue
        url = concrete(path)
        get, head = admin.http.get(url), admin.http.head(url)
        assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
        assert head.content == b"", path


def test_head_needs_a_token_as_get_does(app: FastAPI, client_for: Any) -> None:
    anonymous = client_for(None)
    for path, item in paths(app).items():
        if "get" in item and item["get"].get("security"):
            answer = anonymous.http.head(concrete(path))
            assert answer.status_code == 401, path
            assert answer.content == b""
